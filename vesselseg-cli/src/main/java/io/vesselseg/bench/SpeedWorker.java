package io.vesselseg.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Engine;
import io.vesselseg.model.Network;
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

/**
 * The vesselseg side of one {@link SpeedBenchmark} configuration, run in its own JVM so that its peak
 * resident memory (VmHWM) is that configuration's alone. Prints one JSON object on stdout.
 *
 * <p>Arguments: {@code train|infer <model.safetensors> <threads> <fp32|bf16> <fused true|false> <warmup>
 * <steps> <repeats> <maxSecondsPerRepeat> <height> <width>}. {@code train}: AdamW (lr 1e-3, weight decay
 * 1e-4) steps on one fixed random batch of 16×3×96² (the figure is patches per second); {@code infer}:
 * {@link Network#predict} of one random height×width image (seconds per image). Figures are medians over
 * the repeats.
 */
public final class SpeedWorker {

  static final int BATCH = 16;
  static final int PATCH = 96;

  private SpeedWorker() {}

  /** Entry point of the child JVM. */
  public static void main(String[] args) throws IOException {
    if (args.length != 11) {
      System.err.println("usage: SpeedWorker train|infer model threads precision fused warmup steps repeats "
          + "maxSeconds height width");
      System.exit(2);
    }
    String mode = args[0];
    Path model = Path.of(args[1]);
    int threads = Engine.threads(Integer.parseInt(args[2]));
    Precision precision = Precision.parse(args[3]);
    boolean fused = Boolean.parseBoolean(args[4]);
    int warmup = Integer.parseInt(args[5]);
    int steps = Integer.parseInt(args[6]);
    int repeats = Integer.parseInt(args[7]);
    double maxSeconds = Double.parseDouble(args[8]);
    int height = Integer.parseInt(args[9]);
    int width = Integer.parseInt(args[10]);
    long t0 = System.nanoTime();
    Map<String, Object> out = new LinkedHashMap<>();
    try (Network net = Checkpoint.load(model, ComputeDevice.CPU, precision).network()) {
      if (mode.equals("train")) {
        train(net, warmup, steps, repeats, maxSeconds, out);
      } else {
        if (fused) {
          net.fuseForInference();
        }
        infer(net, warmup, repeats, height, width, out);
      }
    }
    out.put("side", "vesselseg");
    out.put("mode", mode);
    out.put("precision", precision.label());
    out.put("fused", fused);
    out.put("channels_last", !"false".equals(System.getProperty("vesselseg.channelsLast")));
    out.put("channels_last_weights", Boolean.getBoolean("vesselseg.channelsLastWeights"));
    out.put("threads", threads);
    out.put("peak_rss_mib", peakRssMiB());
    out.put("wall_seconds", (System.nanoTime() - t0) / 1e9);
    System.out.println(new ObjectMapper().writeValueAsString(out));
    System.out.flush();
    System.exit(0);
  }

  private static void train(Network net, int warmup, int steps, int repeats, double maxSeconds,
      Map<String, Object> out) {
    Random r = new Random(1);
    float[] x = new float[BATCH * 3 * PATCH * PATCH];
    float[] y = new float[BATCH * PATCH * PATCH];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = r.nextFloat() < 0.2f ? 1f : 0f;
    }
    List<Double> rates = new ArrayList<>();
    List<Integer> done = new ArrayList<>();
    try (TrainStep step = new TrainStep(net, 1e-3, 1e-4)) {
      for (int i = 0; i < warmup; i++) {
        step.step(x, y, BATCH, PATCH, 1e-3);
      }
      for (int rep = 0; rep < repeats; rep++) {
        long t = System.nanoTime();
        int n = 0;
        while (n < steps) {
          step.step(x, y, BATCH, PATCH, 1e-3);
          n++;
          if ((System.nanoTime() - t) / 1e9 > maxSeconds) {
            break;
          }
        }
        rates.add(n * BATCH / ((System.nanoTime() - t) / 1e9));
        done.add(n);
      }
    }
    out.put("patches_per_s", median(rates));
    out.put("patches_per_s_all", rates);
    out.put("timed_steps", done);
    out.put("batch", BATCH);
    out.put("patch", PATCH);
  }

  private static void infer(Network net, int warmup, int repeats, int h, int w, Map<String, Object> out) {
    Random r = new Random(2);
    float[] x = new float[3 * h * w];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < warmup + repeats; i++) {
      long t = System.nanoTime();
      net.predict(x, 1, h, w, false);
      if (i >= warmup) {
        times.add((System.nanoTime() - t) / 1e9);
      }
    }
    out.put("seconds_per_image", median(times));
    out.put("seconds_all", times);
    out.put("height", h);
    out.put("width", w);
  }

  static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** Peak resident set size of this process (VmHWM) in MiB; NaN where /proc is absent. */
  static double peakRssMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
