package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Resize;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import io.vesselseg.viz.Overlay;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model trained at one resolution evaluates a CHASE_DB1-layout folder of larger photographs (JPEG images,
 * PNG labels, no FOV masks): the photographs are resampled to the model's FOV diameter and scored at their
 * own size.
 */
class CrossDatasetTest {

  @Test
  void aModelEvaluatesAChaseDb1FolderAtItsOwnResolution(@TempDir Path dir) throws Exception {
    Path chase = java.nio.file.Files.createDirectories(dir.resolve("CHASE_DB1"));
    for (int child = 1; child <= 14; child++) {
      for (String eye : new String[] {"L", "R"}) {
        String stem = String.format("Image_%02d%s", child, eye);
        Sample s = SyntheticFundus.generate(child * 2L + eye.length(), 300, 288);
        javax.imageio.ImageIO.write(Overlay.photo(s.rgb(), 300, 288), "jpg",
            chase.resolve(stem + ".jpg").toFile());
        ImageFiles.writeMaskPng(chase.resolve(stem + "_1stHO.png"), s.vessel(), 300, 288);
      }
    }
    Path model = dir.resolve("m.safetensors");
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 1)) {
      Checkpoint.save(model, net, 0.5f, Map.of("fov_diameter", "120"), null);
    }
    Path json = dir.resolve("e.json");
    var o = CliTest.run("evaluate", "--model", model.toString(), "--data", chase.toString(), "--json",
        json.toString());
    assertEquals(Main.OK, o.code(), o.err());
    var doc = new ObjectMapper().readTree(json.toFile());
    assertEquals(8, doc.get("per_image").size(), "CHASE_DB1 test split: children 11-14, both eyes");
    assertTrue(doc.get("pixels").asLong() > 8 * 40_000, "scored at full resolution: " + doc.get("pixels"));
  }

  @Test
  void bilinearResizeKeepsConstantsAndRoundTripsSmoothImages() {
    float[] flat = new float[3 * 10 * 8];
    java.util.Arrays.fill(flat, 0.25f);
    for (float v : Resize.bilinear(flat, 3, 10, 8, 17, 5)) {
      assertEquals(0.25f, v, 1e-6);
    }
    float[] ramp = new float[40 * 30];
    for (int i = 0; i < ramp.length; i++) {
      ramp[i] = (i % 40) / 40f;
    }
    float[] back = Resize.bilinear(Resize.bilinear(ramp, 1, 40, 30, 80, 60), 1, 80, 60, 40, 30);
    for (int y = 0; y < 30; y++) {
      for (int x = 1; x < 39; x++) {
        assertEquals(ramp[y * 40 + x], back[y * 40 + x], 1e-3, "pixel " + x + "," + y);
      }
    }
    byte[] fov = new byte[10 * 4];
    fov[12] = 1;
    fov[17] = 1;
    assertEquals(6, Resize.fovDiameter(fov, 10, 4));
  }
}
