package io.vesselseg.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.viz.Overlay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench spark's figures on a handful of photographs: every run does all the work, the ratios follow. */
class SparkBenchmarkTest {

  @Test
  void everyRunSegmentsEveryPhotographAndTheRatiosAreComputed(@TempDir Path dir) throws Exception {
    Path photos = Files.createDirectories(dir.resolve("photos"));
    for (int i = 0; i < 6; i++) {
      Sample s = SyntheticFundus.generate(i, 64, 64);
      ImageIO.write(Overlay.photo(s.rgb(), 64, 64), "png", photos.resolve("p" + i + ".png").toFile());
    }
    List<String> log = new ArrayList<>();
    Map<String, Object> r = SparkBenchmark.run(photos, "compact", false, dir.resolve("work"),
        List.of("local[1]", "local[2]"), log::add);
    assertEquals(6, r.get("photographs"));
    for (String k : List.of("plain_photos_per_s", "local1_photos_per_s", "local2_photos_per_s")) {
      assertTrue((double) r.get(k) > 0, k + " " + r);
    }
    assertEquals(0L, r.get("local1_errors"));
    assertEquals((double) r.get("local2_photos_per_s") / (double) r.get("local1_photos_per_s"),
        (double) r.get("local2_over_local1"), 1e-12);
    assertEquals((double) r.get("local2_over_local1") / 2, (double) r.get("scaling_efficiency_2_cores"), 1e-12);
    assertEquals(3, log.size(), String.join("\n", log));
    assertEquals(6, Files.list(dir.resolve("work/local2/masks")).count());
  }
}
