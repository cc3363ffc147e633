package io.vesselseg.cli;

import static io.vesselseg.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.model.Pruning;
import io.vesselseg.model.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code prune} then {@code train --init}: the structured-pruning route to a small model. */
class PruneCommandTest {

  @Test
  void aPrunedMemberFineTunesAndEvaluates(@TempDir Path dir) throws Exception {
    Path pruned = dir.resolve("pruned.safetensors");
    CliTest.Outcome p = run("prune", "--member", "2", "--base-channels", "4", "--out", pruned.toString());
    assertEquals(Main.OK, p.code(), p.err());
    assertTrue(p.out().contains("122,093 parameters (6.3 % of member 2's 1,942,577)"), p.out());
    JsonNode record = new ObjectMapper().readTree(SafeTensors.read(pruned).metadata().get(Pruning.KEY));
    assertEquals("builtin", record.get("model").asText());
    assertEquals(2, record.get("member").asInt());
    assertEquals(64, record.get("sha256").asText().length());

    String out = dir.resolve("ft").toString();
    CliTest.Outcome t = run("train", "--init", pruned.toString(), "--data", "synthetic", "--out", out, "--epochs",
        "1", "--steps-per-epoch", "2", "--batch-size", "2", "--patch-size", "32", "--precision", "fp32");
    assertEquals(Main.OK, t.code(), t.err());
    JsonNode run = new ObjectMapper().readTree(dir.resolve("ft/run.json").toFile());
    assertEquals(4, run.get("model").get("base_channels").asInt());
    assertEquals(pruned.toString(), run.get("init").get("model").asText());
    CliTest.Outcome e = run("evaluate", "--model", out, "--data", "synthetic");
    assertEquals(Main.OK, e.code(), e.err());
  }

  @Test
  void aWidthTheModelDoesNotHaveIsRefusedAndWritesNothing(@TempDir Path dir) {
    Path out = dir.resolve("p.safetensors");
    CliTest.Outcome o = run("prune", "--base-channels", "16", "--out", out.toString());
    assertEquals(Main.USAGE, o.code());
    assertTrue(o.err().contains("--base-channels 16: builtin has 16 channels at full resolution; pass 2..15"),
        o.err());
    assertFalse(Files.exists(out));
  }
}
