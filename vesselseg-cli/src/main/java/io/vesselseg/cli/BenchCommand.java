package io.vesselseg.cli;

import io.vesselseg.bench.SoakBenchmark;
import io.vesselseg.bench.SpeedBenchmark;
import io.vesselseg.model.Precision;
import io.vesselseg.bench.InferBenchmark;
import io.vesselseg.data.Datasets;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg bench ...}: benchmarks that print and write figures (never timed assertions). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks that print figures and write them as JSON.",
    subcommands = {BenchCommand.Soak.class, BenchCommand.Speed.class, BenchCommand.Infer.class})
final class BenchCommand implements Runnable {

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
        "a benchmark is required: soak, speed or infer");
  }

  /** {@code vesselseg bench soak}: resident memory over thousands of training steps and predictions. */
  @Command(name = "soak", mixinStandardHelpOptions = true,
      description = "Train and predict for --steps steps; report resident memory after warm-up and at the "
          + "end (growth must stay under 5%%).")
  static final class Soak implements Callable<Integer> {

    @Option(names = "--steps", defaultValue = "2000", description = "training steps (batch 8 of 64²)")
    int steps;

    @Option(names = "--predict-every", defaultValue = "10", description = "a 192² prediction every N steps")
    int predictEvery;

    @Option(names = "--json", description = "write the figures here")
    Path json;

    @Option(names = "--verbose", description = "stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() {
      if (steps < 10 || predictEvery < 1) {
        throw new io.vesselseg.VesselsegException.Usage("--steps " + steps + " must be >= 10 and "
            + "--predict-every " + predictEvery + " >= 1");
      }
      Map<String, Object> r = SoakBenchmark.run(steps, predictEvery, Precision.FP32, System.out::println);
      System.out.println(String.format(Locale.ROOT,
          "RSS: %.1f MiB at start, %.1f MiB after warm-up, %.1f MiB at the end: %+.2f%% growth after warm-up",
          r.get("rss_start_mib"), r.get("rss_after_warmup_mib"), r.get("rss_end_mib"),
          r.get("growth_after_warmup_pct")));
      if (json != null) {
        EvaluateCommand.write(json, r);
        System.out.println("figures written to " + json);
      }
      return Main.OK;
    }
  }

  /** {@code vesselseg bench speed}: training and inference speed side by side with PyTorch eager. */
  @Command(name = "speed", mixinStandardHelpOptions = true,
      description = "Training (AdamW, 16x3x96^2) and full-image inference (565x584) speed and peak memory, "
          + "vesselseg vs PyTorch on the same random-init weights and thread count, one process per "
          + "configuration; plus our fp32 probabilities vs PyTorch's. Needs .venv-bench/ "
          + "(bash scripts/bench-venv.sh).")
  static final class Speed implements Callable<Integer> {

    @Option(names = "--quick", description = "a smoke run: few steps, 1 repetition unless --repeats")
    boolean quick;

    @Option(names = "--repeats", description = "timed repetitions per configuration (default 5; 1 with "
        + "--quick)")
    Integer repeats;

    @Option(names = "--threads", defaultValue = "0", description = "libtorch threads on both sides "
        + "(default: all cores)")
    int threads;

    @Option(names = "--json", description = "write the figures here")
    Path json;

    @Option(names = "--verbose", description = "stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() {
      int reps = repeats != null ? repeats : quick ? 1 : 5;
      Map<String, Object> r = SpeedBenchmark.run(new SpeedBenchmark.Options(quick, reps, threads),
          System.out::println);
      SpeedBenchmark.table(r).forEach(System.out::println);
      if (json != null) {
        EvaluateCommand.write(json, r);
        System.out.println("figures written to " + json);
      }
      return Main.OK;
    }
  }

  /** {@code vesselseg bench infer}: per-photograph latency of the built-in models and any model files. */
  @Command(name = "infer", mixinStandardHelpOptions = true,
      description = "Median latency per photograph of the built-in ensemble, one of its members, the compact "
          + "model and any --model files, on the same photographs in one run: read + segment + write, and "
          + "segment alone; images/s and ratios against the ensemble and one member; plus the compact model's "
          + "PyTorch twin (forward only) when .venv-bench/ exists.")
  static final class Infer implements Callable<Integer> {

    @Option(names = "--data", description = "dataset whose test photographs are timed (default: DRIVE-sized "
        + "565x584 synthetic photographs)")
    String data;

    @Option(names = "--photos", defaultValue = "5", description = "photographs timed (default: ${DEFAULT-VALUE})")
    int photos;

    @Option(names = "--repeats", defaultValue = "3", description = "passes over the photographs (default: "
        + "${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--model", description = "also time this model file or run directory (repeatable)")
    List<String> models = new ArrayList<>();

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32, bf16, or both as fp32,bf16 "
        + "(default: ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--threads", defaultValue = "0", description = "libtorch threads (default: all cores)")
    int threads;

    @Option(names = "--no-torch", description = "skip the PyTorch peer")
    boolean noTorch;

    @Option(names = "--json", description = "write the figures here")
    Path json;

    @Option(names = "--verbose", description = "stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() throws java.io.IOException {
      if (photos < 1 || repeats < 1) {
        throw new io.vesselseg.VesselsegException.Usage("--photos " + photos + " and --repeats " + repeats
            + " must be >= 1");
      }
      List<String> precisions = List.of(precision.split(","));
      for (String p : precisions) {
        Precision.parse(p);
      }
      List<Sample> all = data == null ? SyntheticFundus.dataset(photos, 7, 565, 584)
          : Datasets.load(data, "test", "auto");
      List<Sample> chosen = all.subList(0, Math.min(photos, all.size()));
      Path work = Files.createTempDirectory("vesselseg-bench-infer");
      try {
        var options = new InferBenchmark.Options(chosen, repeats, threads,
            InferBenchmark.defaultSpecs(models, precisions), work, !noTorch);
        Map<String, Object> r = InferBenchmark.run(options, System.out::println);
        InferBenchmark.table(r).forEach(System.out::println);
        if (json != null) {
          EvaluateCommand.write(json, r);
          System.out.println("figures written to " + json);
        }
      } finally {
        try (var files = Files.walk(work)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
      return Main.OK;
    }
  }
}
