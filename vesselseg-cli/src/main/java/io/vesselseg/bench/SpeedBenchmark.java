package io.vesselseg.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.Provenance;
import io.vesselseg.VesselsegException;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Engine;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Side-by-side speed benchmark against PyTorch eager on the same weights, batch and thread count: training
 * throughput (AdamW steps on 16×3×96², patches/s) and full-image inference (565×584, seconds per image), each
 * configuration in its own process (a child JVM for vesselseg, {@code scripts/torch_peer.py} for PyTorch) so
 * that peak resident memory is per configuration. Also checks that our fp32 probabilities equal PyTorch's on
 * a random 1×3×584×565 input. Results are ratios, higher is better for vesselseg; never timed assertions.
 */
public final class SpeedBenchmark {

  /** What to run: {@code quick} shrinks every count for a smoke run; {@code threads} 0 = all cores. */
  public record Options(boolean quick, int repeats, int threads) {

    /** Validates the counts. */
    public Options {
      if (repeats < 1 || threads < 0) {
        throw new VesselsegException.Usage("--repeats " + repeats + " must be >= 1 and --threads " + threads
            + " >= 0");
      }
    }
  }

  /** One measured configuration: which side, what it measures, and how. */
  record Config(String side, String mode, String precision, boolean channelsLast, boolean fused,
      boolean clWeights) {
    Config(String side, String mode, String precision, boolean channelsLast, boolean fused) {
      this(side, mode, precision, channelsLast, fused, false);
    }

    String name() {
      return mode + "_" + precision + (channelsLast && side.equals("torch") ? "_cl" : "")
          + (clWeights ? "_clw" : "") + (fused ? "_fused" : "");
    }
  }

  static final int WIDTH = 565;
  static final int HEIGHT = 584;
  private static final Normalization NORM = new Normalization(new float[] {0.50f, 0.27f, 0.16f},
      new float[] {0.34f, 0.18f, 0.10f});

  private SpeedBenchmark() {}

  /** Runs every configuration and returns the figures (docs/results.md, "Speed and memory", lists the keys). */
  public static Map<String, Object> run(Options o, Consumer<String> log) {
    TorchPeer peer = TorchPeer.require();
    int threads = o.threads() > 0 ? o.threads() : Runtime.getRuntime().availableProcessors();
    Path dir = null;
    try {
      dir = Files.createTempDirectory("vesselseg-bench-speed");
      Path model = dir.resolve("model.safetensors");
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("threads", threads);
      out.put("quick", o.quick());
      out.put("repeats", o.repeats());
      Engine.threads(threads);
      Map<String, Object> check = correctness(peer, model, dir, log);
      boolean bf16 = Precision.cpuHasBf16();
      List<Config> configs = configs(bf16);
      List<Map<String, Object>> results = new ArrayList<>();
      for (Config c : configs) {
        log.accept("measuring " + c.side() + " " + c.name() + " ...");
        Map<String, Object> r = measure(peer, c, model, threads, o);
        r.put("config", c.name());
        results.add(r);
        log.accept("  " + summary(r));
      }
      out.putAll(ratios(results));
      out.putAll(check);
      out.put("cpu_has_native_bf16", bf16);
      if (!bf16) {
        out.put("skipped", List.of(Map.of("config", "vesselseg train_bf16, infer_bf16", "reason",
            "this CPU has no native bf16 (no avx512_bf16/amx_bf16 in /proc/cpuinfo): libtorch emulates "
                + "bf16 and --precision auto picks fp32; PyTorch's bf16 is still measured as a candidate "
                + "for its best")));
      }
      out.put("settings", settings(o));
      Map<String, Object> prov = Provenance.capture("cpu", 0).toMap();
      out.put("cpu", prov.get("cpu"));
      out.put("cores", prov.get("cores"));
      out.put("versions", versions(prov, results));
      out.put("results", results);
      return out;
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot write the benchmark's temporary files: " + e.getMessage(), e);
    } finally {
      deleteTree(dir);
    }
  }

  /** Writes a fresh random-init model and compares our fp32 (and BN-folded) probabilities with PyTorch's. */
  private static Map<String, Object> correctness(TorchPeer peer, Path model, Path dir, Consumer<String> log) {
    Random r = new Random(3);
    float[] x = new float[3 * HEIGHT * WIDTH];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    float[] ours;
    float[] fused;
    try (Network net = Network.create(Architecture.defaults(), ComputeDevice.CPU, Precision.FP32, NORM, 7)) {
      Checkpoint.save(model, net, 0.5f, Map.of("note", "random-init model of vesselseg bench speed"), null);
      ours = net.predict(x, 1, HEIGHT, WIDTH, false);
      net.fuseForInference();
      fused = net.predict(x, 1, HEIGHT, WIDTH, false);
    }
    float[] torch = peer.forward(model, x, 1, HEIGHT, WIDTH, dir);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("max_abs_diff_fp32", TorchPeer.maxAbsDiff(ours, torch));
    m.put("max_abs_diff_fused_vs_torch_fp32", TorchPeer.maxAbsDiff(fused, torch));
    m.put("max_abs_diff_fused_vs_unfused", TorchPeer.maxAbsDiff(fused, ours));
    log.accept(String.format("correctness (1x3x%dx%d, fp32): max |ours - torch| = %.3g, fused vs torch %.3g",
        HEIGHT, WIDTH, m.get("max_abs_diff_fp32"), m.get("max_abs_diff_fused_vs_torch_fp32")));
    return m;
  }

  static List<Config> configs(boolean oursBf16) {
    List<Config> c = new ArrayList<>();
    c.add(new Config("vesselseg", "train", "fp32", true, false));
    if (oursBf16) {
      c.add(new Config("vesselseg", "train", "bf16", true, false));
    }
    c.add(new Config("vesselseg", "infer", "fp32", true, false));
    c.add(new Config("vesselseg", "infer", "fp32", true, true));
    c.add(new Config("vesselseg", "train", "fp32", true, false, true));
    c.add(new Config("vesselseg", "infer", "fp32", true, false, true));
    c.add(new Config("vesselseg", "infer", "fp32", true, true, true));
    if (oursBf16) {
      c.add(new Config("vesselseg", "infer", "bf16", true, false));
    }
    c.add(new Config("torch", "train", "fp32", false, false));
    c.add(new Config("torch", "train", "fp32", true, false));
    c.add(new Config("torch", "train", "bf16", false, false));
    c.add(new Config("torch", "train", "bf16", true, false));
    c.add(new Config("torch", "infer", "fp32", false, false));
    c.add(new Config("torch", "infer", "fp32", true, false));
    c.add(new Config("torch", "infer", "bf16", true, false));
    return c;
  }

  /** Step and repeat counts: {warmup, steps per repeat, repeats, max seconds per repeat}. */
  static double[] counts(Options o, String mode) {
    if (mode.equals("train")) {
      return o.quick() ? new double[] {1, 3, o.repeats(), 4} : new double[] {5, 20, o.repeats(), 15};
    }
    return o.quick() ? new double[] {1, 0, o.repeats(), 0} : new double[] {2, 0, 2 * o.repeats(), 0};
  }

  private static Map<String, Object> measure(TorchPeer peer, Config c, Path model, int threads, Options o) {
    double[] n = counts(o, c.mode());
    String warmup = Integer.toString((int) n[0]);
    String steps = Integer.toString((int) n[1]);
    String repeats = Integer.toString((int) n[2]);
    String maxSeconds = Double.toString(n[3]);
    JsonNode j;
    if (c.side().equals("vesselseg")) {
      List<String> cmd = ChildProcess.java(SpeedWorker.class, c.clWeights(), List.of(c.mode(),
          model.toString(), Integer.toString(threads), c.precision(), Boolean.toString(c.fused()), warmup,
          steps, repeats, maxSeconds, Integer.toString(HEIGHT), Integer.toString(WIDTH)));
      j = ChildProcess.runJson(cmd, threads, "vesselseg " + c.name() + " worker");
    } else {
      List<String> args = new ArrayList<>(List.of(c.mode(), "--model", model.toString(), "--precision",
          c.precision(), "--warmup", warmup, "--repeats", repeats, "--height", Integer.toString(HEIGHT),
          "--width", Integer.toString(WIDTH)));
      if (c.mode().equals("train")) {
        args.addAll(List.of("--steps", steps, "--max-seconds", maxSeconds));
      }
      if (c.channelsLast()) {
        args.add("--channels-last");
      }
      j = peer.run(args, threads);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = new ObjectMapper().convertValue(j, LinkedHashMap.class);
    return m;
  }

  /**
   * The headline ratios (higher is better for vesselseg) and the best configuration of each side. Our
   * inference figure is that of what {@code predict}, {@code evaluate} and {@code segment} run: the
   * BatchNorm-folded copy ({@code infer_fp32_fused}); {@code infer_fused_speedup} compares it with the module.
   */
  static Map<String, Object> ratios(List<Map<String, Object>> results) {
    Map<String, Object> r = new LinkedHashMap<>();
    Map<String, Object> oursTrain = find(results, "vesselseg", "train_fp32");
    Map<String, Object> torchTrain = find(results, "torch", "train_fp32");
    Map<String, Object> oursInfer = find(results, "vesselseg", "infer_fp32_fused");
    Map<String, Object> torchInfer = find(results, "torch", "infer_fp32");
    Map<String, Object> oursTrainBest = best(results, "vesselseg", "train");
    Map<String, Object> torchTrainBest = best(results, "torch", "train");
    Map<String, Object> oursInferBest = best(results, "vesselseg", "infer");
    Map<String, Object> torchInferBest = best(results, "torch", "infer");
    r.put("train_ratio_vs_torch_fp32", num(oursTrain, "patches_per_s") / num(torchTrain, "patches_per_s"));
    r.put("infer_ratio_vs_torch_fp32",
        num(torchInfer, "seconds_per_image") / num(oursInfer, "seconds_per_image"));
    r.put("train_ratio_vs_torch_best",
        num(oursTrainBest, "patches_per_s") / num(torchTrainBest, "patches_per_s"));
    r.put("infer_ratio_vs_torch_best",
        num(torchInferBest, "seconds_per_image") / num(oursInferBest, "seconds_per_image"));
    r.put("rss_ratio_torch_over_ours", num(torchTrain, "peak_rss_mib") / num(oursTrain, "peak_rss_mib"));
    r.put("rss_ratio_torch_over_ours_infer",
        num(torchInfer, "peak_rss_mib") / num(oursInfer, "peak_rss_mib"));
    r.put("infer_fused_speedup", num(find(results, "vesselseg", "infer_fp32"), "seconds_per_image")
        / num(oursInfer, "seconds_per_image"));
    r.put("best_configs", Map.of("vesselseg_train", oursTrainBest.get("config"),
        "torch_train", torchTrainBest.get("config"), "vesselseg_infer", oursInferBest.get("config"),
        "torch_infer", torchInferBest.get("config")));
    return r;
  }

  /** The figures as a printable table: one row per configuration, then the headline ratios. */
  @SuppressWarnings("unchecked")
  public static List<String> table(Map<String, Object> out) {
    List<String> lines = new ArrayList<>();
    lines.add(String.format("%-10s %-22s %14s %12s", "side", "configuration", "figure", "peak RSS"));
    for (Map<String, Object> r : (List<Map<String, Object>>) out.get("results")) {
      String fig = r.get("mode").equals("train")
          ? String.format("%8.2f p/s", num(r, "patches_per_s"))
          : String.format("%8.3f s/img", num(r, "seconds_per_image"));
      lines.add(String.format("%-10s %-22s %14s %8.0f MiB", r.get("side"), r.get("config"), fig,
          num(r, "peak_rss_mib")));
    }
    for (String k : List.of("train_ratio_vs_torch_fp32", "infer_ratio_vs_torch_fp32",
        "train_ratio_vs_torch_best", "infer_ratio_vs_torch_best", "rss_ratio_torch_over_ours",
        "infer_fused_speedup", "max_abs_diff_fp32")) {
      lines.add(String.format("%-34s %.4g", k, num(out, k)));
    }
    lines.add("best: " + out.get("best_configs") + "; threads " + out.get("threads") + ", " + out.get("cpu"));
    return lines;
  }

  private static Map<String, Object> find(List<Map<String, Object>> results, String side, String config) {
    return results.stream().filter(m -> side.equals(m.get("side")) && config.equals(m.get("config")))
        .findFirst().orElseThrow(() -> new IllegalStateException("no result for " + side + " " + config));
  }

  private static Map<String, Object> best(List<Map<String, Object>> results, String side, String mode) {
    Comparator<Map<String, Object>> faster = mode.equals("train")
        ? Comparator.comparingDouble(m -> num(m, "patches_per_s"))
        : Comparator.comparingDouble(m -> -num(m, "seconds_per_image"));
    return results.stream().filter(m -> side.equals(m.get("side")) && mode.equals(m.get("mode")))
        .max(faster).orElseThrow(() -> new IllegalStateException("no " + side + " " + mode + " result"));
  }

  static double num(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static String summary(Map<String, Object> r) {
    return r.get("mode").equals("train")
        ? String.format("%.2f patches/s, peak RSS %.0f MiB", num(r, "patches_per_s"), num(r, "peak_rss_mib"))
        : String.format("%.3f s/image, peak RSS %.0f MiB", num(r, "seconds_per_image"),
            num(r, "peak_rss_mib"));
  }

  private static Map<String, Object> settings(Options o) {
    double[] t = counts(o, "train");
    double[] i = counts(o, "infer");
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("train_batch", SpeedWorker.BATCH + "x3x" + SpeedWorker.PATCH + "x" + SpeedWorker.PATCH);
    s.put("train_optimizer", "AdamW lr 1e-3 weight decay 1e-4, BCE-with-logits + soft Dice");
    s.put("train_warmup_steps", (int) t[0]);
    s.put("train_steps_per_repeat", (int) t[1]);
    s.put("train_max_seconds_per_repeat", t[3]);
    s.put("train_repeats", (int) t[2]);
    s.put("infer_image", "1x3x" + HEIGHT + "x" + WIDTH);
    s.put("infer_warmup", (int) i[0]);
    s.put("infer_repeats", (int) i[2]);
    s.put("architecture", Architecture.defaults().toString());
    s.put("statistic", "median over repeats; one process per configuration");
    return s;
  }

  private static Map<String, Object> versions(Map<String, Object> prov, List<Map<String, Object>> results) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("vesselseg", prov.get("vesselseg"));
    v.put("libtorch", prov.get("libtorch"));
    v.put("java", prov.get("java"));
    v.put("os", prov.get("os"));
    v.put("git_commit", prov.get("git_commit"));
    results.stream().filter(m -> "torch".equals(m.get("side"))).findFirst().ifPresent(m -> {
      v.put("torch", m.get("torch_version"));
      v.put("python", m.get("python_version"));
    });
    return v;
  }

  private static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (var s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover temporary directory is harmless
    }
  }
}
