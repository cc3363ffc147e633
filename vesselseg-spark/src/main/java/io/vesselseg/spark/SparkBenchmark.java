package io.vesselseg.spark;

import io.vesselseg.AtomicFiles;
import io.vesselseg.Segmentation;
import io.vesselseg.VesselSegmenter;
import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;

/**
 * Spark's overhead and scaling on one machine: photographs/s of the batch job at {@code local[1]} and
 * {@code local[2]} against the same per-photograph work (segment, measure, assess quality, write the mask PNG)
 * in a plain loop in this JVM with libtorch on every core, over the same folder. Every run writes into a fresh
 * folder, so nothing is reused. A figure, never an assertion: the machine may be shared.
 */
public final class SparkBenchmark {

  private SparkBenchmark() {}

  /**
   * @param folder  photographs (the job's extensions)
   * @param model   a built-in model's name or a model file
   * @param rescale resample to the training scale (as {@code segment}'s default)
   * @param work    a folder for the runs' outputs (the caller deletes it)
   * @param masters the Spark masters to time, e.g. {@code local[1]}, {@code local[2]}
   */
  public static Map<String, Object> run(Path folder, String model, boolean rescale, Path work, List<String> masters,
      Consumer<String> log) throws IOException {
    List<Path> photos;
    try (Stream<Path> files = Files.list(folder)) {
      photos = files.filter(p -> BatchJob.EXTENSIONS.contains(extension(p))).sorted().toList();
    }
    if (photos.isEmpty()) {
      throw new VesselsegException.Data("no photographs in " + folder + ": expected files named *."
          + String.join(", *.", BatchJob.EXTENSIONS.stream().sorted().toList()));
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("photographs", photos.size());
    r.put("model", model);
    r.put("rescale", rescale);
    r.put("cores", Runtime.getRuntime().availableProcessors());
    int threads = VesselSegmenter.threads(0);
    VesselSegmenter segmenter = SegmenterPool.borrow(model, rescale);
    try {
      plain(photos.subList(0, Math.min(8, photos.size())), segmenter, work.resolve("warm-up"));   // JIT, natives
      long t0 = System.nanoTime();
      plain(photos, segmenter, work.resolve("plain"));
      double s = (System.nanoTime() - t0) / 1e9;
      r.put("plain_threads", threads);
      r.put("plain_seconds", s);
      r.put("plain_photos_per_s", photos.size() / s);
      log.accept(String.format(Locale.ROOT, "one JVM, no Spark (%d libtorch threads): %.2f photographs/s",
          threads, photos.size() / s));
    } finally {
      SegmenterPool.release(model, rescale, segmenter);
    }
    for (String master : masters) {
      SparkSession spark = SparkSession.builder().master(master).appName("vesselseg bench spark")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.debug.maxToStringFields", "200").getOrCreate();
      try {
        String key = master.replaceAll("[^A-Za-z0-9]+", "");   // local[2] -> local2
        long t0 = System.nanoTime();
        BatchSummary b = BatchJob.run(spark, new BatchOptions(null, folder.toString(), work.resolve(key), model,
            rescale, false, 0, false), t0);
        if (b.segmented() != photos.size()) {
          throw new IllegalStateException(master + " segmented " + b.segmented() + " of " + photos.size()
              + " photographs: the benchmark needs a fresh output folder");
        }
        r.put(key + "_seconds", b.seconds());
        r.put(key + "_photos_per_s", photos.size() / b.seconds());
        r.put(key + "_errors", b.errors());
        log.accept(String.format(Locale.ROOT, "Spark %s: %.2f photographs/s (%d errors)", master,
            photos.size() / b.seconds(), b.errors()));
      } finally {
        spark.stop();
      }
    }
    ratios(r);
    return r;
  }

  private static void ratios(Map<String, Object> r) {
    double plain = (double) r.get("plain_photos_per_s");
    if (r.get("local2_photos_per_s") instanceof Double l2) {
      r.put("local2_over_plain", l2 / plain);
      if (r.get("local1_photos_per_s") instanceof Double l1) {
        r.put("local2_over_local1", l2 / l1);
        r.put("scaling_efficiency_2_cores", l2 / l1 / 2);
      }
    }
  }

  /** The job's per-photograph work without Spark: segment, measure, quality, mask PNG written atomically. */
  private static void plain(List<Path> photos, VesselSegmenter segmenter, Path out) {
    for (Path p : photos) {
      try {
        Segmentation s = segmenter.segment(p);
        s.measurements();
        s.quality();
        var mask = s.maskImage();
        AtomicFiles.write(out.resolve(p.getFileName() + ".png"), "mask PNG", o -> ImageIO.write(mask, "png", o));
      } catch (VesselsegException e) {
        // a corrupt photograph costs its failed read, as in the job
      }
    }
  }

  private static String extension(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.substring(n.lastIndexOf('.') + 1);
  }
}
