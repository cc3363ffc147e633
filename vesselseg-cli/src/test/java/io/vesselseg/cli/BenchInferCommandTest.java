package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vesselseg bench infer} in its quickest form: one DRIVE-sized synthetic photograph, one repetition, no
 * PyTorch, with the compact model's inference-path sweep. Every row must be there with its settings and figures,
 * and the ratios must be computed against the ensemble and one member of the same run. About 20 s.
 */
class BenchInferCommandTest {

  @Test
  void quickestRunHasEveryRowAndTheSweepsSettings(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("infer.json");
    CliTest.Outcome o = CliTest.run("bench", "infer", "--photos", "1", "--repeats", "1", "--no-torch", "--sweep",
        "compact", "--json", json.toString());
    assertEquals(Main.OK, o.code(), o.out() + o.err());
    assertTrue(o.out().contains("sweep: compact fp32, 1 thr, NCHW, 256 tiles"), o.out());

    JsonNode r = new ObjectMapper().readTree(json.toFile());
    int cores = Runtime.getRuntime().availableProcessors();
    JsonNode rows = r.path("models");
    assertEquals(3 + cores * 3 * 2, rows.size(), "ensemble, member, compact, then the sweep: " + rows);
    assertEquals(1.0, rows.get(0).path("speedup_vs_ensemble").asDouble(), 1e-12);
    assertEquals(1.0, rows.get(1).path("speedup_vs_one_member").asDouble(), 1e-12);
    Set<String> settings = new HashSet<>();
    for (JsonNode row : rows) {
      assertTrue(row.path("median_s_segment").asDouble() > 0, row.toString());
      assertTrue(row.path("median_s_read_segment_write").asDouble() >= row.path("median_s_segment").asDouble() * 0.5,
          row.toString());
      assertTrue(row.path("speedup_vs_ensemble").asDouble() > 0, row.toString());
      if (row.path("model").asText().startsWith("sweep: ")) {
        assertEquals("compact", row.path("source").asText());
        settings.add(row.path("threads").asInt() + " " + row.path("layout").asText() + " " + row.path("tile").asInt());
      }
    }
    assertEquals(cores * 3 * 2, settings.size(), "every combination once: " + settings);
    assertTrue(settings.contains("1 NHWC 256") && settings.contains(cores + " NCHW 0"), settings.toString());
    assertEquals(null, System.getProperty("vesselseg.foldedChannelsLast"), "the layout switch is restored");
  }

  @Test
  void aBadSweepTileIsOneUsageErrorAndWritesNothing(@TempDir Path dir) {
    Path json = dir.resolve("infer.json");
    CliTest.Outcome o = CliTest.run("bench", "infer", "--photos", "1", "--no-torch", "--sweep", "compact",
        "--sweep-tile", "32", "--json", json.toString());
    assertEquals(Main.USAGE, o.code(), o.out() + o.err());
    assertTrue(o.err().contains("--sweep-tile 32 must be in 64..4096"), o.err());
    assertTrue(!Files.exists(json));
  }
}
