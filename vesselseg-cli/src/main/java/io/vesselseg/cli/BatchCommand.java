package io.vesselseg.cli;

import io.vesselseg.VesselsegException;
import io.vesselseg.spark.BatchJob;
import io.vesselseg.spark.BatchOptions;
import io.vesselseg.spark.BatchSummary;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg batch}: the Spark batch job (vesselseg-spark) on {@code local[N]} or a cluster. */
@Command(name = "batch", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Segment a folder, glob or table of photographs with Apache Spark (local[N] here, or a "
        + "cluster through spark-submit): masks under <output>/masks/, one row per photograph in "
        + "<output>/results.parquet; a re-run segments only what is missing. docs/spark.md")
final class BatchCommand implements Callable<Integer> {

  @Option(names = "--input", required = true, description = "folder or glob of photographs, or a .csv / "
      + ".parquet table with a column 'path'")
  String input;

  @Option(names = {"--output", "--out"}, required = true, description = "output folder (on a cluster: a file "
      + "system every executor mounts at the same path)")
  Path output;

  @Option(names = "--master", description = "Spark master: local[N], local[*], yarn, k8s://... (default: the one "
      + "spark-submit gave, else local[*])")
  String master;

  @Option(names = "--model", defaultValue = "builtin", description = "builtin, compact, or a .safetensors file / "
      + "run directory every executor can read (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--rescale", defaultValue = "auto",
      description = "auto: resample to the training set's FOV diameter; none: use the photograph as is")
  String rescale;

  @Option(names = "--probabilities", description = "also write probability maps under <output>/probabilities/")
  boolean probabilities;

  @Option(names = "--partitions", defaultValue = "0", description = "tasks the photographs are split into "
      + "(default: 4 per core)")
  int partitions;

  @Option(names = "--retry-errors", description = "segment again the photographs an earlier run recorded as "
      + "errors")
  boolean retryErrors;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() {
    if (!rescale.equals("auto") && !rescale.equals("none")) {
      throw new VesselsegException.Usage("--rescale " + rescale + ": expected auto or none");
    }
    requireSpark();
    String m = master != null ? master : System.getProperty("spark.master", "local[*]");
    var options = new BatchOptions(m, input, output, model, rescale.equals("auto"), probabilities, partitions,
        retryErrors);
    BatchSummary s = BatchJob.run(options);
    System.out.println(String.format(Locale.ROOT, "%d photographs: %d segmented, %d from an earlier run, %d "
        + "errors (the column 'error'), %.1f s; model %s (SHA-256 %s)", s.rows(), s.segmented(), s.reused(),
        s.errors(), s.seconds(), s.model(), s.modelSha256().substring(0, 12)));
    System.out.println("table: " + s.table() + "; masks: " + output.resolve("masks"));
    return Main.OK;
  }

  /** Spark is provided, not in the CLI's lib/: ./vesselseg adds it for batch and bench spark. */
  static void requireSpark() {
    try {
      Class.forName("org.apache.spark.sql.SparkSession", false, BatchCommand.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new VesselsegException.Usage("Apache Spark is not on the class path: run batch through ./vesselseg "
          + "(it adds the jars listed in vesselseg-spark/target/spark-classpath.txt), or with spark-submit "
          + "(docs/spark.md)");
    }
  }
}
