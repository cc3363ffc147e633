package io.vesselseg.bench;

import io.vesselseg.data.PatchSampler;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import io.vesselseg.model.TrainStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Native-memory soak test: alternates training steps and whole-image predictions for many steps and samples
 * the process's resident memory (VmRSS). Growth is measured from the end of a warm-up (allocator and
 * libtorch caches settle during the first steps) to the end of the run.
 */
public final class SoakBenchmark {

  /** One RSS sample. */
  public record RssSample(long step, double rssMiB) {}

  private SoakBenchmark() {}

  public static Map<String, Object> run(int steps, int predictEvery, Precision precision,
      Consumer<String> log) {
    List<Sample> images = SyntheticFundus.dataset(6, 11, 192, 192);
    int b = 8;
    int p = 64;
    float[] x = new float[b * 3 * p * p];
    float[] y = new float[b * p * p];
    PatchSampler sampler = new PatchSampler(images, p, PatchSampler.Augmentation.basic());
    Random rng = new Random(1);
    int warmup = Math.max(1, steps / 10);
    List<RssSample> trace = new ArrayList<>();
    double warmRss = 0;
    long t0 = System.nanoTime();
    try (Network net = Network.create(Architecture.defaults(), ComputeDevice.CPU, precision,
        Normalization.unit(), 1);
        TrainStep step = new TrainStep(net, 1e-3, 1e-4)) {
      Predictor predictor = new Predictor(net, false);
      double start = rssMiB();
      for (int s = 1; s <= steps; s++) {
        sampler.fill(rng, x, y, b);
        step.step(x, y, b, p, 1e-3);
        if (s % predictEvery == 0) {
          predictor.probabilities(images.get(s % images.size()));
        }
        if (s == warmup) {
          warmRss = rssMiB();
        }
        if (s % Math.max(1, steps / 20) == 0 || s == steps) {
          double r = rssMiB();
          trace.add(new RssSample(s, r));
          log.accept(String.format("step %d/%d: RSS %.1f MiB", s, steps, r));
        }
      }
      double end = rssMiB();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("steps", steps);
      out.put("predict_every", predictEvery);
      out.put("precision", precision.label());
      out.put("rss_start_mib", start);
      out.put("rss_after_warmup_mib", warmRss);
      out.put("rss_end_mib", end);
      out.put("growth_after_warmup_pct", 100 * (end - warmRss) / warmRss);
      out.put("seconds", (System.nanoTime() - t0) / 1e9);
      out.put("trace", trace.stream().map(t -> Map.of("step", t.step(), "rss_mib", t.rssMiB())).toList());
      return out;
    }
  }

  /** Resident set size of this process in MiB (Linux /proc/self/status; NaN elsewhere). */
  public static double rssMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
