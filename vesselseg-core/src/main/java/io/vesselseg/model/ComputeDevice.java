package io.vesselseg.model;

import io.vesselseg.VesselsegException;
import java.util.Locale;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;

/**
 * Where the tensor work runs. {@code auto} picks CUDA when libtorch sees a GPU (only with the {@code -Pcuda}
 * natives), else CPU. Detection uses {@code global.torch} only: {@code global.torch_cuda} needs the CUDA jar.
 */
public enum ComputeDevice {
  CPU,
  CUDA;

  /** What {@code cuda_is_available()} reported, or false when the natives cannot answer. */
  public static boolean cudaAvailable() {
    try {
      return torch.cuda_is_available() && torch.cuda_device_count() > 0;
    } catch (Throwable t) {
      return false;
    }
  }

  /**
   * Resolves {@code auto|cpu|cuda}. Asking for CUDA where none is visible is an error that says how to get
   * the GPU build.
   */
  public static ComputeDevice resolve(String choice) {
    String c = choice == null ? "auto" : choice.trim().toLowerCase(Locale.ROOT);
    return switch (c) {
      case "auto" -> cudaAvailable() ? CUDA : CPU;
      case "cpu" -> CPU;
      case "cuda", "gpu" -> {
        if (!cudaAvailable()) {
          throw new VesselsegException.Usage(
              "--device cuda was requested but libtorch sees no CUDA GPU: build with "
                  + "'mvn -Pcuda package' on a machine with an NVIDIA driver, CUDA 13 and cuDNN 9 on "
                  + "LD_LIBRARY_PATH, or use --device cpu");
        }
        yield CUDA;
      }
      default -> throw new VesselsegException.Usage(
          "unknown device '" + choice + "': expected auto, cpu or cuda");
    };
  }

  DeviceType type() {
    return this == CUDA ? DeviceType.CUDA : DeviceType.CPU;
  }

  /** A new native Device; callers keep it for their lifetime (one per Network). */
  Device toDevice() {
    return new Device(type());
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
