package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.train.TrainConfig;
import io.vesselseg.viz.Overlay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code train --data A,B --set-weights … --fov-diameter …}: the built-in synthetic set (192² photographs) and a
 * folder of larger ones (images/ + masks/, 260²) trained together; bad sets, weights and diameters stop the
 * command in one line before anything is written.
 */
class MultiSetTrainCommandTest {

  /** Six 260² synthetic photographs in the images/ + masks/ layout (five train, one is its test split). */
  private static Path folderSet(Path dir) throws Exception {
    Path root = dir.resolve("big");
    Files.createDirectories(root.resolve("images"));
    Files.createDirectories(root.resolve("masks"));
    for (int i = 1; i <= 6; i++) {
      Sample s = SyntheticFundus.generate(100 + i, 260, 260);
      javax.imageio.ImageIO.write(Overlay.photo(s.rgb(), 260, 260), "png",
          root.resolve("images/big" + i + ".png").toFile());
      ImageFiles.writeMaskPng(root.resolve("masks/big" + i + ".png"), s.vessel(), 260, 260);
    }
    return root;
  }

  @Test
  void theOptionsResolveToTheSetsTheirWeightsAndTheScale() {
    TrainCommand cmd = new TrainCommand();
    new CommandLine(cmd).parseArgs("--data", "synthetic,/d/STARE", "--out", "x", "--set-weights", "0.7,0.3",
        "--fov-diameter", "540");
    TrainConfig cfg = cmd.config();
    assertEquals(List.of("synthetic", "/d/STARE"), cfg.data().sets());
    assertEquals(List.of(0.7, 0.3), cfg.data().setWeights());
    assertEquals(540, cfg.sampling().fovDiameter());
  }

  @Test
  void twoSetsTrainInTheirSharesAtTheGivenScale(@TempDir Path dir) throws Exception {
    Path big = folderSet(dir);
    Path out = dir.resolve("run");
    var o = CliTest.run("train", "--data", "synthetic," + big, "--out", out.toString(), "--epochs", "1",
        "--steps-per-epoch", "2", "--batch-size", "2", "--patch-size", "32", "--depth", "2", "--base-channels", "4",
        "--validation-images", "1", "--set-weights", "2,1", "--fov-diameter", "150");
    assertEquals(Main.OK, o.code(), o.err());
    JsonNode sets = new ObjectMapper().readTree(out.resolve("run.json").toFile()).path("sets");
    assertEquals(List.of("synthetic", big.toString()), List.of(sets.get(0).path("data").asText(),
        sets.get(1).path("data").asText()));
    assertEquals(2.0 / 3, sets.get(0).path("share").asDouble(), 1e-9);
    assertEquals(List.of(15, 4), List.of(sets.get(0).path("training").size(), sets.get(1).path("training").size()),
        "16 synthetic and 5 folder training photographs, one of each held out: " + sets);
    assertEquals("150", SafeTensors.read(out.resolve("best.safetensors")).metadata().get("fov_diameter"));
  }

  @Test
  void aMissingSetBadWeightsOrABadDiameterStopInOneLineBeforeAnythingIsWritten(@TempDir Path dir) {
    Path out = dir.resolve("r");
    String missing = dir.resolve("nowhere").toString();
    var m = CliTest.run("train", "--data", "synthetic," + missing, "--out", out.toString());
    assertEquals(Main.DATA, m.code(), m.err());
    assertTrue(m.err().contains("set " + missing + " of --data synthetic," + missing), m.err());
    assertEquals(1, m.err().strip().lines().count(), "one line: " + m.err());
    for (String[] bad : List.of(new String[] {"--set-weights", "1"}, new String[] {"--set-weights", "1,0"},
        new String[] {"--set-weights", "1,-2"}, new String[] {"--fov-diameter", "0"},
        new String[] {"--fov-diameter", "20000"})) {
      var u = CliTest.run("train", "--data", "synthetic," + missing, "--out", out.toString(), bad[0], bad[1]);
      assertEquals(Main.USAGE, u.code(), String.join(" ", bad) + ": " + u.err());
      assertTrue(u.err().startsWith("error: " + bad[0] + " "), u.err());
      assertEquals(1, u.err().strip().lines().count(), "one line: " + u.err());
    }
    assertFalse(Files.exists(out), "nothing written");
  }
}
