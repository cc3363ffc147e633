package io.vesselseg.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Precision;
import org.junit.jupiter.api.Test;

/** The model that ships in the jar loads, carries its DRIVE figures, and segments a photograph. */
class BuiltInModelTest {

  @Test
  void shippedModelLoadsAndSegments() throws Exception {
    assertNotNull(Models.builtInBytes(), "the jar must ship " + Models.BUILT_IN);
    var loaded = Models.load(null, "cpu", Precision.FP32);
    try (var net = loaded.network()) {
      assertEquals(Architecture.defaults(), loaded.meta().architecture());
      assertEquals(loaded.meta().members(), net.members(), "every network of the shipped ensemble is loaded");
      float t = loaded.meta().thresholds().plain();
      assertTrue(t > 0.05 && t < 0.95, "threshold " + t);
      var figures = new ObjectMapper().readTree(loaded.meta().metadata().get("drive_test"));
      assertTrue(figures.get("f1").asDouble() > 0.8, "shipped DRIVE test F1 " + figures);
      var s = SyntheticFundus.generate(3, 128, 128);
      float[] p = new Predictor(net, false).probabilities(s);
      assertEquals(128 * 128, p.length);
    }
  }

  @Test
  void theCompactModelResolvesByNameAndSegments() throws Exception {
    assertNotNull(Models.builtInBytes(Models.COMPACT_NAME), "the jar must ship " + Models.COMPACT);
    assertEquals("built-in model 'compact' (jar:" + Models.COMPACT + ")", Models.describe("compact"));
    var loaded = Models.load("compact", "cpu", Precision.FP32);
    try (var net = loaded.network()) {
      assertEquals(1, net.members());
      assertTrue(net.parameterCount() <= 100_000, "compact: " + net.parameterCount() + " parameters");
      var meta = loaded.meta().metadata();
      var distillation = new ObjectMapper().readTree(meta.get("distillation"));
      assertEquals("builtin", distillation.get("teacher").asText());
      assertTrue(new ObjectMapper().readTree(meta.get("drive_test")).get("f1").asDouble() > 0.8);
    }
    var photo = io.vesselseg.data.SyntheticFundus.generate(5, 160, 150);
    try (var segmenter = io.vesselseg.VesselSegmenter.builtIn("compact",
        io.vesselseg.VesselSegmenter.Options.defaults())) {
      assertEquals("built-in compact", segmenter.modelName());
      var img = new java.awt.image.BufferedImage(160, 150, java.awt.image.BufferedImage.TYPE_INT_RGB);
      int plane = 160 * 150;
      for (int i = 0; i < plane; i++) {
        int r = Math.round(photo.rgb()[i] * 255);
        int g = Math.round(photo.rgb()[plane + i] * 255);
        int b = Math.round(photo.rgb()[2 * plane + i] * 255);
        img.setRGB(i % 160, i / 160, (r << 16) | (g << 8) | b);
      }
      var s = segmenter.segment(img);
      assertEquals(160 * 150, s.mask().length);
      assertTrue(s.vesselDensity() > 0 && s.vesselDensity() < 0.5, "density " + s.vesselDensity());
    }
  }

  @Test
  void anUnknownBuiltInNameIsRefusedWithTheNames() {
    var e = org.junit.jupiter.api.Assertions.assertThrows(io.vesselseg.VesselsegException.Usage.class,
        () -> io.vesselseg.VesselSegmenter.builtIn("tiny", io.vesselseg.VesselSegmenter.Options.defaults()));
    assertEquals("no built-in model is named 'tiny': the names are builtin, compact", e.getMessage());
  }
}
