package io.vesselseg.cli;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.spark.SparkBenchmark;
import io.vesselseg.viz.Overlay;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg bench spark}: the batch job's photographs/s at local[1] and local[2] against one JVM. */
@Command(name = "spark", mixinStandardHelpOptions = true,
    description = "Photographs/s of the Spark batch job at local[1] and local[2] against the same "
        + "per-photograph work (segment, measure, mask PNG) in one JVM without Spark, over the same folder; "
        + "Spark's overhead and scaling efficiency. Figures only: the machine may be shared.")
final class BenchSparkCommand implements Callable<Integer> {

  @Option(names = "--input", description = "folder of photographs (default: --photos synthetic ones)")
  Path input;

  @Option(names = "--photos", defaultValue = "300", description = "synthetic photographs when no --input "
      + "(default: ${DEFAULT-VALUE})")
  int photos;

  @Option(names = "--size", defaultValue = "96", description = "their width and height in pixels (default: "
      + "${DEFAULT-VALUE})")
  int size;

  @Option(names = "--model", defaultValue = "compact", description = "builtin, compact or a model file "
      + "(default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--rescale", defaultValue = "none",
      description = "auto: resample to the training set's FOV diameter; none: the photograph as is (default: "
          + "${DEFAULT-VALUE})")
  String rescale;

  @Option(names = "--json", description = "write the figures here")
  Path json;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() throws IOException {
    if (!rescale.equals("auto") && !rescale.equals("none")) {
      throw new VesselsegException.Usage("--rescale " + rescale + ": expected auto or none");
    }
    if (input == null && (photos < 1 || size < 32)) {
      throw new VesselsegException.Usage("--photos " + photos + " must be >= 1 and --size " + size + " >= 32");
    }
    BatchCommand.requireSpark();
    Path work = Files.createTempDirectory("vesselseg-bench-spark");
    try {
      Path folder = input;
      if (folder == null) {
        folder = Files.createDirectories(work.resolve("photos"));
        for (int i = 0; i < photos; i++) {
          Sample s = SyntheticFundus.generate(5000 + i, size, size);
          ImageIO.write(Overlay.photo(s.rgb(), s.width(), s.height()), "png",
              folder.resolve(String.format("synthetic_%05d.png", i)).toFile());
        }
      }
      Map<String, Object> r = SparkBenchmark.run(folder, model, rescale.equals("auto"), work.resolve("runs"),
          List.of("local[1]", "local[2]"), System.out::println);
      r.put("input", input == null ? "synthetic " + photos + " x " + size + "x" + size + " PNG" : input.toString());
      System.out.println(String.format(java.util.Locale.ROOT, "local[2] / one JVM: %.2f; local[2] / local[1]: "
          + "%.2f (scaling efficiency %.0f%%)", r.get("local2_over_plain"), r.get("local2_over_local1"),
          100 * (double) r.get("scaling_efficiency_2_cores")));
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
