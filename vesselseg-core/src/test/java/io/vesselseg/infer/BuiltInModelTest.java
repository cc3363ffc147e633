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
}
