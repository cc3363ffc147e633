package io.vesselseg.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import org.junit.jupiter.api.Test;

class PredictorTest {

  @Test
  void tilesCoverTheImageWithOverlap() {
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 1)) {
      Predictor p = new Predictor(net, false, 64, 16, 0);
      assertArrayEquals(new int[] {0}, p.starts(50, 64));
      int[] s = p.starts(150, 64);
      assertEquals(0, s[0]);
      assertEquals(150 - 64, s[s.length - 1]);
      for (int i = 1; i < s.length; i++) {
        assertTrue(s[i - 1] + 64 - s[i] >= 16, "overlap between tiles " + (i - 1) + " and " + i);
      }
    }
  }

  @Test
  void tiledPredictionMatchesTheWholeImageAwayFromTileEdges() {
    var sample = SyntheticFundus.generate(5, 160, 144);
    try (Network net = Network.create(new Architecture(2, 8), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 2)) {
      float[] whole = new Predictor(net, false).probabilities(sample);
      float[] tiled = new Predictor(net, false, 96, 48, 0).probabilities(sample);
      assertEquals(whole.length, tiled.length);
      double diff = 0;
      for (int i = 0; i < whole.length; i++) {
        diff += Math.abs(whole[i] - tiled[i]);
      }
      diff /= whole.length;
      assertTrue(diff < 0.02, "mean |tiled - whole| = " + diff);
    }
  }
}
