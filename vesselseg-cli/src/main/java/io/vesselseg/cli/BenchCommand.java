package io.vesselseg.cli;

import io.vesselseg.bench.SoakBenchmark;
import io.vesselseg.bench.SpeedBenchmark;
import io.vesselseg.model.Precision;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg bench ...}: benchmarks that print and write figures (never timed assertions). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks that print figures and write them as JSON.",
    subcommands = {BenchCommand.Soak.class, BenchCommand.Speed.class})
final class BenchCommand implements Runnable {

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
        "a benchmark is required: soak or speed");
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
}
