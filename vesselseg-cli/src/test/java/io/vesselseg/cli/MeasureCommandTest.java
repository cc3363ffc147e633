package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.viz.Overlay;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vesselseg measure}: the table from masks and from a model, flags, and bad input. */
class MeasureCommandTest {

  @TempDir
  Path dir;

  private Path photos(Sample... samples) {
    Path p = dir.resolve("photos");
    for (Sample s : samples) {
      ImageFiles.writePng(p.resolve(s.id() + ".png"), Overlay.photo(s.rgb(), s.width(), s.height()));
      ImageFiles.writeMaskPng(dir.resolve("masks").resolve(s.id() + ".png"), s.vessel(), s.width(), s.height());
      ImageFiles.writeMaskPng(dir.resolve("fov").resolve(s.id() + "_mask.png"), s.fov(), s.width(), s.height());
    }
    return p;
  }

  @Test
  void measuresMasksIntoCsvAndJson() throws Exception {
    Sample s = SyntheticFundus.generate(3, 200, 180);
    Path in = photos(s);
    Path out = dir.resolve("out");
    CliTest.Outcome o = CliTest.run("measure", "--input", in.toString(), "--masks", dir.resolve("masks").toString(),
        "--fov", dir.resolve("fov").toString(), "--output", out.toString(), "--um-per-pixel", "10");
    assertEquals(0, o.code(), o.err());
    List<String> csv = Files.readAllLines(out.resolve("measurements.csv"));
    assertEquals(2, csv.size(), csv.toString());
    assertTrue(csv.get(0).startsWith("photograph,model,model_sha256,threshold,flags,"), csv.get(0));
    JsonNode row = new ObjectMapper().readTree(out.resolve("measurements.json").toFile()).get(0);
    long fov = 0;
    long vessel = 0;
    for (int i = 0; i < s.fov().length; i++) {
      fov += s.fov()[i];
      vessel += s.vessel()[i] & s.fov()[i];
    }
    assertEquals(fov, row.get("fov_pixels").asLong());
    assertEquals(vessel / (double) fov, row.get("area_density").asDouble(), 1e-12);
    assertEquals(10 * row.get("calibre_median_px").asDouble(), row.get("calibre_median_um").asDouble(), 1e-9);
    assertTrue(row.get("threshold").isNull(), "masks have no threshold");
    assertTrue(row.get("fractal_dimension").asDouble() > 1, row.toString());
  }

  @Test
  void measuresWithAModelAndNamesItAndItsThreshold() throws Exception {
    Path model = CliTest.smallModel(dir);
    Path in = photos(SyntheticFundus.generate(4, 160, 160));
    Path out = dir.resolve("out");
    CliTest.Outcome o = CliTest.run("measure", "--input", in.toString(), "--model", model.toString(), "--output",
        out.toString(), "--pictures");
    assertEquals(0, o.code(), o.err());
    JsonNode row = new ObjectMapper().readTree(out.resolve("measurements.json").toFile()).get(0);
    assertTrue(row.get("model").asText().endsWith("tiny.safetensors"), row.toString());
    assertTrue(row.get("model_sha256").asText().matches("[0-9a-f]{64}"), row.toString());
    assertEquals(0.5, row.get("threshold").asDouble(), 1e-6);
    assertTrue(Files.isRegularFile(out.resolve("synthetic_4_skeleton.png")));
  }

  @Test
  void aGreyImageIsFlaggedAndNotMeasuredAsZeroVessels() throws Exception {
    BufferedImage grey = new BufferedImage(120, 100, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 100; y++) {
      for (int x = 0; x < 120; x++) {
        grey.setRGB(x, y, 0x808080);
      }
    }
    Path in = dir.resolve("grey.png");
    ImageFiles.writePng(in, grey);
    ImageFiles.writeMaskPng(dir.resolve("masks").resolve("grey.png"), new byte[120 * 100], 120, 100);
    Path out = dir.resolve("out");
    CliTest.Outcome o = CliTest.run("measure", "--input", in.toString(), "--masks", dir.resolve("masks").toString(),
        "--output", out.toString());
    assertEquals(0, o.code(), o.err());
    JsonNode row = new ObjectMapper().readTree(out.resolve("measurements.json").toFile()).get(0);
    List<String> flags = new java.util.ArrayList<>();
    row.get("flags").forEach(f -> flags.add(f.asText()));
    assertTrue(flags.containsAll(List.of("no-fov", "not-fundus")), flags.toString());
    assertTrue(row.get("area_density").isNull(), row.toString());
  }

  @Test
  void aMaskOfAnotherSizeIsOneClearErrorAndNothingIsWritten() throws Exception {
    Sample a = SyntheticFundus.generate(5, 120, 100);
    Sample b = SyntheticFundus.generate(6, 120, 100);
    Path in = photos(a, b);
    byte[] small = new byte[120 * 99];
    Arrays.fill(small, (byte) 1);
    ImageFiles.writeMaskPng(dir.resolve("masks").resolve(b.id() + ".png"), small, 120, 99);
    Path out = dir.resolve("out");
    CliTest.Outcome o = CliTest.run("measure", "--input", in.toString(), "--masks", dir.resolve("masks").toString(),
        "--output", out.toString());
    assertEquals(Main.DATA, o.code());
    assertEquals(1, o.err().strip().lines().count(), o.err());
    assertTrue(o.err().contains(b.id() + ".png is 120x99, expected 120x100"), o.err());
    assertFalse(Files.exists(out.resolve("measurements.csv")), "nothing half-written");
    assertFalse(Files.exists(out.resolve("measurements.json")), "nothing half-written");
  }

  @Test
  void aMaskThatIsNotBinaryIsRefused() {
    Sample s = SyntheticFundus.generate(8, 120, 100);
    Path in = photos(s);
    byte[] grey = new byte[120 * 100];
    for (int i = 0; i < grey.length; i++) {
      grey[i] = (byte) (i % 3 == 0 ? 128 : s.vessel()[i] * 255);
    }
    ImageFiles.writeGreyPng(dir.resolve("masks").resolve(s.id() + ".png"), grey, 120, 100);
    CliTest.Outcome o = CliTest.run("measure", "--input", in.toString(), "--masks", dir.resolve("masks").toString(),
        "--output", dir.resolve("out").toString());
    assertEquals(Main.DATA, o.code());
    assertTrue(o.err().contains(s.id() + ".png is not binary: it holds 3 grey levels (0 … 255)"), o.err());
  }

  @Test
  void aMissingMaskNamesTheRule() {
    Path in = photos(SyntheticFundus.generate(7, 120, 100));
    ImageFiles.writeMaskPng(dir.resolve("other").resolve("07.png"), new byte[120 * 100], 120, 100);
    CliTest.Outcome o = CliTest.run("measure", "--input", in.toString(), "--masks", dir.resolve("other").toString(),
        "--output", dir.resolve("out").toString());
    assertEquals(Main.DATA, o.code());
    assertTrue(o.err().contains("no vessel mask for synthetic_7.png") && o.err().contains("the rule"), o.err());
  }
}
