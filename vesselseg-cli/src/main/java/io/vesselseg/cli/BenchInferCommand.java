package io.vesselseg.cli;

import io.vesselseg.bench.InferBenchmark;
import io.vesselseg.data.Datasets;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Precision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg bench infer}: per-photograph latency of the built-in models and any model files. */
@Command(name = "infer", mixinStandardHelpOptions = true,
    description = "Median latency per photograph of the built-in ensemble, one of its members, the compact "
        + "model and any --model files, on the same photographs in one run: read + segment + write, and "
        + "segment alone; images/s and ratios against the ensemble and one member; plus the compact model's "
        + "PyTorch twin (forward only) when .venv-bench/ exists.")
final class BenchInferCommand implements Callable<Integer> {

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

  @Option(names = "--precision", defaultValue = "fp32", description = "fp32, bf16, int8 or several, as "
      + "fp32,bf16,int8 (int8: only models calibrated for it) (default: ${DEFAULT-VALUE})")
  String precision;

  @Option(names = "--threads", defaultValue = "0", description = "libtorch threads (default: all cores)")
  int threads;

  @Option(names = "--sweep", paramLabel = "MODEL", description = "also time this model (compact, builtin or a "
      + "file) under every combination of libtorch threads (1 to all cores), memory layout (NCHW, NHWC input, "
      + "NHWC) and whole vs tiled photographs, at each --precision")
  String sweep;

  @Option(names = "--sweep-tile", defaultValue = "256", description = "the tile side of the sweep's tiled rows "
      + "(default: ${DEFAULT-VALUE})")
  int sweepTile;

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
    if (sweepTile < io.vesselseg.VesselSegmenter.Options.MIN_TILE
        || sweepTile > io.vesselseg.VesselSegmenter.Options.MAX_TILE) {
      throw new io.vesselseg.VesselsegException.Usage("--sweep-tile " + sweepTile + " must be in "
          + io.vesselseg.VesselSegmenter.Options.MIN_TILE + ".." + io.vesselseg.VesselSegmenter.Options.MAX_TILE);
    }
    List<InferBenchmark.Spec> specs = new ArrayList<>(InferBenchmark.defaultSpecs(models, precisions));
    if (sweep != null) {
      specs.addAll(InferBenchmark.sweepSpecs(sweep, precisions, Runtime.getRuntime().availableProcessors(),
          sweepTile));
    }
    List<Sample> all = data == null ? SyntheticFundus.dataset(photos, 7, 565, 584)
        : Datasets.load(data, "test", "auto");
    List<Sample> chosen = all.subList(0, Math.min(photos, all.size()));
    Path work = Files.createTempDirectory("vesselseg-bench-infer");
    try {
      var options = new InferBenchmark.Options(chosen, repeats, threads, specs, work, !noTorch);
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
