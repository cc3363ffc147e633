package io.vesselseg.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.InputChannels;
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

  @Test
  void aModelTrainedOnRgClaheGetsItsInputPreparedThatWay() {
    var sample = SyntheticFundus.generate(6, 120, 100);
    Normalization norm = new Normalization(new float[] {0.5f, 0.3f, 0.5f}, new float[] {0.2f, 0.1f, 0.25f},
        "rg-clahe");
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32, norm, 3)) {
      float[] viaPredictor = new Predictor(net, false).probabilities(sample);
      float[] in = InputChannels.RG_CLAHE.apply(sample.rgb(), 120, 100);
      assertArrayEquals(net.predict(in, 1, 100, 120, false), viaPredictor, 1e-6f);
      float[] raw = net.predict(sample.rgb(), 1, 100, 120, false);
      double diff = 0;
      for (int i = 0; i < raw.length; i++) {
        diff += Math.abs(raw[i] - viaPredictor[i]);
      }
      assertTrue(diff / raw.length > 1e-4, "the raw photograph is not what the network sees");
    }
  }
}
