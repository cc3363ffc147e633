package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.Datasets;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code visualize} end to end on the synthetic test split with a tiny untrained model. */
class VisualizeCommandTest {

  private static int run(String... args) {
    PrintStream old = System.out;
    try {
      System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      // run through Main's handlers once VisualizeCommand is one of its subcommands
      CommandLine cl = new CommandLine(new VisualizeCommand());
      return cl.execute(args);
    } finally {
      System.setOut(old);
    }
  }

  @Test
  void writesPanelsOverlaysAndIndex(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("tiny.safetensors");
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 3)) {
      Checkpoint.save(model, net, 0.5f, Map.of(), null);
    }
    Path out = dir.resolve("viz");
    assertEquals(Main.OK, run("--model", model.toString(), "--data", "synthetic", "--output", out.toString(),
        "--device", "cpu"));
    var ids = Datasets.load("synthetic", "test").stream().map(s -> s.id()).toList();
    assertEquals(6, ids.size());
    String index = Files.readString(out.resolve("index.html"));
    for (String id : ids) {
      BufferedImage panel = ImageIO.read(out.resolve(id + "_panel.png").toFile());
      BufferedImage overlay = ImageIO.read(out.resolve(id + "_overlay.png").toFile());
      assertTrue(panel.getWidth() > 4 * Datasets.SYNTHETIC_SIZE, "four tiles side by side");
      assertTrue(overlay.getHeight() > Datasets.SYNTHETIC_SIZE, "legend strip below the image");
      assertTrue(index.contains("href=\"" + id + "_panel.png\""), id);
      assertTrue(index.contains("src=\"" + id + "_overlay.png\""), id);
    }
    // each photograph's quality flags and the measurements of its predicted vessels
    assertEquals(6, index.split("<p class=\"notes\">quality flags: ", -1).length - 1, index);
    assertTrue(index.contains("predicted vessels: density "), index);
    assertTrue(index.contains("per-image mean"));
  }
}
