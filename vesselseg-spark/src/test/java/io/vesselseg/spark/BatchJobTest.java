package io.vesselseg.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.viz.Overlay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch job under a real Spark {@code local[2]}: a folder of a few hundred small synthetic photographs with
 * some corrupt files, the compact built-in model; one row per photograph, errors recorded, and a re-run that
 * segments nothing and leaves the table as it was.
 */
class BatchJobTest {

  private static final int PHOTOS = 240;
  private static final List<String> CORRUPT = List.of("garbage.png", "empty.jpg", "truncated.png");

  @TempDir
  static Path dir;
  static Path photos;
  static SparkSession spark;

  @BeforeAll
  static void folder() throws Exception {
    photos = dir.resolve("photos");
    Files.createDirectories(photos);
    for (int i = 0; i < PHOTOS; i++) {
      Sample s = SyntheticFundus.generate(1000 + i, 64 + (i % 3) * 16, 64 + (i % 2) * 16);
      ImageIO.write(Overlay.photo(s.rgb(), s.width(), s.height()), "png",
          photos.resolve(String.format("photo_%03d.png", i)).toFile());
    }
    Files.write(photos.resolve("garbage.png"), "this is not a PNG".getBytes());
    Files.write(photos.resolve("empty.jpg"), new byte[0]);
    byte[] whole = Files.readAllBytes(photos.resolve("photo_000.png"));
    Files.write(photos.resolve("truncated.png"), Arrays.copyOf(whole, whole.length / 3));
    Files.writeString(photos.resolve("notes.txt"), "not a photograph: left out by its extension");
    spark = SparkSession.builder().master("local[2]").appName("BatchJobTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.debug.maxToStringFields", "200").getOrCreate();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static BatchSummary run(String input, Path out) {
    return BatchJob.run(spark, BatchOptions.of(null, input, out).withModel("compact").withRescale(false)
        .withProbabilities(true),
        System.nanoTime());
  }

  private static List<Row> table(Path out) {
    return spark.read().parquet(out.resolve("results.parquet").toString()).orderBy("path").collectAsList();
  }

  @Test
  void everyPhotographOnceErrorsRecordedAndARerunRepeatsNoWork() throws Exception {
    Path out = dir.resolve("out");
    BatchSummary first = run(photos.toString(), out);
    int inputs = PHOTOS + CORRUPT.size();
    assertEquals(inputs, first.rows(), "one row per photograph, the .txt left out");
    assertEquals(CORRUPT.size(), first.errors());
    assertEquals(inputs, first.segmented());
    assertEquals(0, first.reused());
    assertEquals("built-in compact", first.model());

    List<Row> rows = table(out);
    assertEquals(inputs, rows.stream().map(r -> r.<String>getAs("path")).distinct().count(), "no duplicates");
    assertTrue(rows.get(0).<String>getAs("path").startsWith("file:/" + dir.toString().substring(1)), "Hadoop's "
        + "spelling of a local path: " + rows.get(0).getAs("path"));
    Map<Boolean, List<Row>> byError = rows.stream()
        .collect(Collectors.partitioningBy(r -> r.getAs("error") != null));
    List<String> failed = byError.get(true).stream()
        .map(r -> Path.of(r.<String>getAs("path")).getFileName().toString()).sorted().toList();
    assertEquals(CORRUPT.stream().sorted().toList(), failed);
    for (Row r : byError.get(true)) {
      assertNull(r.getAs("mask"));
      assertNull(r.getAs("width"));
      assertTrue(r.<String>getAs("error").length() > 10, r.<String>getAs("error"));
    }
    for (Row r : byError.get(false)) {
      String name = Path.of(r.<String>getAs("path").substring("file:".length())).getFileName().toString();
      int i = Integer.parseInt(name.substring(6, 9));
      assertEquals(64 + (i % 3) * 16, (int) r.<Integer>getAs("width"), name);
      assertEquals(64 + (i % 2) * 16, (int) r.<Integer>getAs("height"), name);
      var mask = ImageIO.read(out.resolve(r.<String>getAs("mask")).toFile());
      assertEquals(r.<Integer>getAs("width"), mask.getWidth());
      assertTrue(Files.isRegularFile(out.resolve(r.<String>getAs("probabilities"))));
      assertTrue(r.<Long>getAs("fov_area") > 0, name);
      double density = r.getAs("vessel_density");
      assertTrue(density >= 0 && density <= 1, name + " density " + density);
      assertEquals(first.modelSha256(), r.getAs("model_sha256"));
      assertNotNull(r.getAs("segment_seconds"));
      assertNotNull(r.getList(r.fieldIndex("quality_flags")));
    }
    assertTrue(byError.get(false).stream().anyMatch(r -> r.<Double>getAs("vessel_density") > 0),
        "some vessels found");

    BatchSummary again = run(photos.toString(), out);
    assertEquals(0, again.segmented(), "a re-run segments nothing");
    assertEquals(inputs, again.reused());
    assertEquals(inputs, again.rows());
    assertEquals(rows, table(out), "the same table, timings included");

    Row one = byError.get(false).get(7);
    Files.delete(out.resolve(one.<String>getAs("mask")));   // an incomplete result: its mask is gone
    BatchSummary third = run(photos.toString(), out);
    assertEquals(1, third.segmented(), "only the photograph whose mask is missing");
    assertEquals(inputs, third.rows());
    assertTrue(Files.isRegularFile(out.resolve(one.<String>getAs("mask"))));
  }

  @Test
  void aCsvTableOfPathsWithAMissingFile() throws Exception {
    Path csv = dir.resolve("paths.csv");
    Files.writeString(csv, "path,subject\n" + photos.resolve("photo_001.png") + ",a\n"
        + photos.resolve("photo_002.png").toUri() + ",b\n" + dir.resolve("nowhere.png") + ",c\n");
    Path out = dir.resolve("out-csv");
    BatchSummary s = run(csv.toString(), out);
    assertEquals(3, s.rows());
    assertEquals(1, s.errors());
    Row missing = table(out).stream().filter(r -> r.<String>getAs("path").endsWith("nowhere.png")).findFirst()
        .orElseThrow();
    assertTrue(missing.<String>getAs("error").contains("not found"), missing.<String>getAs("error"));
    List<String> paths = table(out).stream().map(r -> r.<String>getAs("path")).toList();
    assertEquals(List.of("file:" + photos.resolve("photo_001.png"), "file:" + photos.resolve("photo_002.png"),
        "file:" + dir.resolve("nowhere.png")).stream().sorted().toList(), paths, "one spelling for a plain path and a file:/// URI");
  }

  @Test
  void inputWithoutPhotographsIsOneClearError() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("nothing"));
    Files.writeString(empty.resolve("readme.txt"), "no photographs here");
    var e = assertThrows(VesselsegException.Data.class, () -> run(empty.toString(), dir.resolve("out-empty")));
    assertTrue(e.getMessage().contains("no photographs at " + empty), e.getMessage());
    Path table = dir.resolve("bad.csv");
    Files.writeString(table, "file\n/x.png\n");
    var u = assertThrows(VesselsegException.Usage.class, () -> run(table.toString(), dir.resolve("out-bad")));
    assertTrue(u.getMessage().contains("expected one named 'path'"), u.getMessage());
  }
}
