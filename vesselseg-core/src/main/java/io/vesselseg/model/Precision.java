package io.vesselseg.model;

import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Numeric precision of the forward pass: bf16 autocast (loss and weights stay fp32), plain fp32, or int8 (CPU
 * predictions only: a quantised copy of the BatchNorm-folded networks, with the activation ranges the model
 * file's {@link Int8Calibration} holds).
 */
public enum Precision {
  BF16,
  FP32,
  INT8;

  public static Precision parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new VesselsegException.Usage("unknown precision '" + s + "': expected auto, fp32, bf16 or int8 "
          + "(int8: predictions on the CPU with a calibrated model)");
    }
  }

  /**
   * Resolves {@code auto|bf16|fp32}. {@code auto} is bf16 on CUDA and on CPUs with native bf16 arithmetic
   * (AVX512_BF16 or AMX), fp32 elsewhere: on an AVX2-only CPU libtorch emulates bf16 and a training step
   * measured 10x slower than fp32.
   */
  public static Precision resolve(String s, ComputeDevice device) {
    if (s.trim().equalsIgnoreCase("auto")) {
      return device == ComputeDevice.CUDA || cpuHasBf16() ? BF16 : FP32;
    }
    return parse(s);
  }

  /** True when /proc/cpuinfo lists avx512_bf16 or amx_bf16 (false when it cannot be read). */
  public static boolean cpuHasBf16() {
    return cpuHasAny("avx512_bf16", "amx_bf16");
  }

  /** True when /proc/cpuinfo lists any of {@code flags} (false when it cannot be read). */
  static boolean cpuHasAny(String... flags) {
    try {
      String info = Files.readString(Path.of("/proc/cpuinfo"));
      for (String f : flags) {
        if (info.contains(" " + f)) {
          return true;
        }
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
