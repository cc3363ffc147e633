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

  @Test
  void drawsUncertaintyAndSaliencyMaps(@TempDir Path dir) throws Exception {
    Path model = tinyModel(dir);
    Path out = dir.resolve("viz");
    // a single network's spread comes from the flips of --tta
    assertEquals(Main.OK, run("--model", model.toString(), "--data", "synthetic", "--output", out.toString(),
        "--device", "cpu", "--tta", "--uncertainty", "--explain-region", "20,20,16,16"));
    var samples = Datasets.load("synthetic", "test");
    String index = Files.readString(out.resolve("index.html"));
    for (var s : samples) {
      BufferedImage u = ImageIO.read(out.resolve(s.id() + "_uncertainty.png").toFile());
      BufferedImage a = ImageIO.read(out.resolve(s.id() + "_saliency.png").toFile());
      assertEquals(s.width(), u.getWidth());
      assertEquals(s.height(), a.getHeight());
      assertEquals(0, u.getRGB(0, 0) & 0xFFFFFF, "black outside the FOV");
      assertTrue(distinctColours(u) > 8, "the spread varies over the FOV");
      assertEquals(0xFFFFFF, a.getRGB(20, 25) & 0xFFFFFF, "the region's outline is drawn");
      assertTrue(index.contains("src=\"" + s.id() + "_uncertainty.png\""), s.id());
      assertTrue(index.contains("src=\"" + s.id() + "_saliency.png\""), s.id());
    }
    assertTrue(index.contains("saliency: gradcam (bottleneck)"), index);
  }

  @Test
  void aRegionOutsideThePhotographsIsRefusedBeforeTheIndexIsWritten(@TempDir Path dir) throws Exception {
    Path model = tinyModel(dir);
    Path out = dir.resolve("viz");
    int code = run("--model", model.toString(), "--data", "synthetic", "--output", out.toString(), "--device", "cpu",
        "--explain-region", "1000,1000,5,5");
    assertTrue(code != Main.OK);
    assertTrue(!Files.exists(out.resolve("index.html")));
    assertTrue(!Files.exists(out) || Files.list(out).noneMatch(p -> p.toString().endsWith(".png")),
        "nothing drawn for the first photograph either");
    assertTrue(run("--model", model.toString(), "--data", "synthetic", "--output", out.toString(),
        "--explain-region", "1,1,5,5", "--explain-point", "3,3") != Main.OK);
  }

  private static Path tinyModel(Path dir) {
    Path model = dir.resolve("tiny.safetensors");
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 3)) {
      Checkpoint.save(model, net, 0.5f, Map.of(), null);
    }
    return model;
  }

  private static int distinctColours(BufferedImage img) {
    java.util.Set<Integer> c = new java.util.HashSet<>();
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        c.add(img.getRGB(x, y));
      }
    }
    return c.size();
  }
}
