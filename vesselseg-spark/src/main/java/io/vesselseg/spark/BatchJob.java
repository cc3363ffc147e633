package io.vesselseg.spark;

import static org.apache.spark.sql.functions.col;

import io.vesselseg.VesselSegmenter;
import io.vesselseg.VesselsegException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * The driver side of batch inference: lists the input photographs, spreads them over tasks that segment them
 * ({@link PhotoTask}), and writes {@code <output>/results.parquet} with one row per photograph.
 *
 * <p>Exactly once: the table is written in one Spark job through Spark's commit protocol, so a retried or
 * speculative task's rows replace its failed attempt's instead of adding to them; a photograph's files and
 * record are keyed by its path and written atomically, so a second attempt overwrites the first with the same
 * content. A re-run reads back the complete records and segments only the rest.
 */
public final class BatchJob {

  /** File name extensions taken from a folder or glob (case-insensitive); a table of paths is taken as it is. */
  public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "tif", "tiff", "gif", "bmp", "ppm",
      "pnm");

  private BatchJob() {}

  /**
   * Runs the job in this JVM's Spark session, or in a new one on {@code options.master()} (under
   * {@code spark-submit}: the master it was given) that is stopped at the end.
   *
   * @throws VesselsegException.Usage for a bad model name, VesselsegException.Data for input without photographs
   */
  public static BatchSummary run(BatchOptions options) {
    long t0 = System.nanoTime();
    boolean existing = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
    SparkSession.Builder builder = SparkSession.builder().appName("vesselseg batch")
        .config("spark.sql.debug.maxToStringFields", "200");   // the result schema's plan, without a warning
    if (options.master() != null) {
      builder.master(options.master());
    }
    SparkSession spark = builder.getOrCreate();
    try {
      return run(spark, options, t0);
    } finally {
      if (!existing) {
        spark.stop();
      }
    }
  }

  /** Runs the job in a given session (left open). */
  public static BatchSummary run(SparkSession spark, BatchOptions options, long t0) {
    String model;
    String sha;
    // fails early on a bad model; in local mode the driver is the executor and keeps this instance for its tasks
    VesselSegmenter driverModel = SegmenterPool.borrow(options.model(), options.rescale());
    try {
      model = driverModel.modelName();
      sha = driverModel.modelSha256();
    } finally {
      SegmenterPool.release(options.model(), options.rescale(), driverModel);
    }
    Dataset<Row> paths = paths(spark, options.input());
    int partitions = options.partitions() > 0 ? options.partitions()
        : Math.max(1, 4 * spark.sparkContext().defaultParallelism());
    LongAccumulator segmented = spark.sparkContext().longAccumulator("photographs segmented");
    LongAccumulator reused = spark.sparkContext().longAccumulator("photographs reused");
    Map<String, String> hadoop = new HashMap<>();
    spark.sparkContext().hadoopConfiguration().forEach(e -> hadoop.put(e.getKey(), e.getValue()));
    PhotoTask task = new PhotoTask(options, sha, hadoop, segmented, reused);
    Path table = options.output().toAbsolutePath().resolve("results.parquet");
    paths.repartition(partitions, col("path"))
        .mapPartitions((MapPartitionsFunction<Row, Row>) task::partition, Encoders.row(ResultColumns.SCHEMA))
        .write().mode(SaveMode.Overwrite).parquet(table.toUri().toString());
    Row counts = spark.read().parquet(table.toUri().toString())
        .selectExpr("count(*)", "count(error)").first();
    return new BatchSummary(counts.getLong(0), counts.getLong(1), segmented.value(), reused.value(),
        (System.nanoTime() - t0) / 1e9, table, model, sha);
  }

  /**
   * The input's photographs as one string column {@code path}, each fully qualified ({@code file:/...},
   * {@code hdfs://...}), without duplicates.
   */
  static Dataset<Row> paths(SparkSession spark, String input) {
    String lower = input.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
    Dataset<Row> table;
    if (lower.endsWith(".csv") || lower.endsWith(".parquet")) {
      table = lower.endsWith(".csv") ? spark.read().option("header", "true").csv(input)
          : spark.read().parquet(input);
      if (!List.of(table.columns()).contains("path")) {
        throw new VesselsegException.Usage("table " + input + " has the columns " + List.of(table.columns())
            + ", expected one named 'path' (a photograph's path or URI per row)");
      }
      table = table.select(col("path").cast("string")).where(col("path").isNotNull())
          .map((org.apache.spark.api.java.function.MapFunction<Row, String>) r -> qualify(r.getString(0)),
              Encoders.STRING()).toDF("path");
    } else {
      // Spark's file listing (parallel on the executors when a folder is large); not a scan of binaryFile rows,
      // which would drop empty files (a 0-byte "photograph" must still get its row, with an error)
      String[] files;
      try {
        files = spark.read().format("binaryFile").load(input).inputFiles();
      } catch (Exception e) {   // Spark's AnalysisException (a checked exception Java's compiler cannot see)
        if (e instanceof RuntimeException re && !(e instanceof org.apache.spark.sql.AnalysisException)) {
          throw re;
        }
        throw new VesselsegException.Data("no photographs at " + input + ": " + e.getMessage().lines().findFirst()
            .orElse("") + " (expected a folder or glob of photographs, or a .csv/.parquet table of paths)", e);
      }
      List<String> photos = java.util.Arrays.stream(files).filter(BatchJob::isPhotograph).map(BatchJob::qualify)
          .toList();
      table = spark.createDataset(photos, Encoders.STRING()).toDF("path");
    }
    table = table.distinct();
    if (table.isEmpty()) {
      throw new VesselsegException.Data("no photographs at " + input + ": expected files named *."
          + String.join(", *.", EXTENSIONS.stream().sorted().toList()) + " in a folder or glob, or rows in a "
          + ".csv/.parquet table with a column 'path'");
    }
    return table;
  }

  private static boolean isPhotograph(String path) {
    String lower = path.toLowerCase(Locale.ROOT);
    return EXTENSIONS.contains(lower.substring(lower.lastIndexOf('.') + 1));
  }

  /**
   * A path in one spelling whatever the input's kind (it names the outputs): Hadoop's ({@code file:/a/b.png},
   * not {@code file:///a/b.png}); relative or scheme-less local paths become absolute {@code file:/...}.
   */
  static String qualify(String path) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    if (p.toUri().getScheme() != null) {
      return p.toString();
    }
    return new org.apache.hadoop.fs.Path(Path.of(path).toAbsolutePath().normalize().toUri()).toString();
  }
}
