package io.vesselseg.model;

import static io.vesselseg.model.RandomArrays.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BatchNorm folding for inference gives the module's own probabilities. */
class FoldedUNetTest {

  /** A few large-lr steps move every BN's running statistics and affine parameters off their init. */
  private static void train(Network net, int steps) {
    int b = 4;
    int p = 32;
    float[] x = random(b * 3 * p * p, 11);
    float[] y = random(b * p * p, 12);
    for (int i = 0; i < y.length; i++) {
      y[i] = y[i] < 0.2f ? 1f : 0f;
    }
    try (TrainStep step = new TrainStep(net, 1e-2, 1e-4)) {
      for (int i = 0; i < steps; i++) {
        step.step(x, y, b, p, 1e-2);
      }
    }
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  @Test
  void foldedBatchNormGivesTheSameProbabilities() {
    Normalization norm = new Normalization(new float[] {0.5f, 0.27f, 0.16f}, new float[] {0.34f, 0.18f, 0.1f});
    try (Network net = Network.create(Architecture.defaults(), ComputeDevice.CPU, Precision.FP32, norm, 5)) {
      train(net, 3);
      for (int[] hw : new int[][] {{65, 67}, {48, 64}}) {
        int h = hw[0];
        int w = hw[1];
        float[] x = random(3 * h * w, 13);
        float[] plain = net.predict(x, 1, h, w, false);
        float[] plainTta = net.predict(x, 1, h, w, true);
        net.fuseForInference();
        assertTrue(net.fused());
        float[] folded = net.predict(x, 1, h, w, false);
        float[] foldedTta = net.predict(x, 1, h, w, true);
        net.dropFused();
        double d = maxAbsDiff(plain, folded);
        assertTrue(d < 1e-4, "folded vs plain max |diff| " + d + " at " + w + "x" + h);
        double dt = maxAbsDiff(plainTta, foldedTta);
        assertTrue(dt < 1e-4, "folded vs plain with flip TTA max |diff| " + dt);
        double spread = maxAbsDiff(plain, new float[plain.length]);
        assertTrue(spread > 0.01, "probabilities should not be trivially zero: " + spread);
      }
    }
  }

  @Test
  void aTrainingStepDropsTheFoldedSnapshot() {
    try (Network net = Network.create(new Architecture(2, 8), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 6)) {
      net.fuseForInference();
      assertTrue(net.fused());
      train(net, 1);
      assertFalse(net.fused(), "training must not leave predictions on stale folded weights");
      float[] x = random(3 * 40 * 40, 14);
      float[] plain = net.predict(x, 1, 40, 40, false);
      net.fuseForInference();
      double d = maxAbsDiff(plain, net.predict(x, 1, 40, 40, false));
      assertTrue(d < 1e-4, "refolded after training: max |diff| " + d);
    }
  }

  @Test
  void channelsLastWeightsGiveTheSameProbabilitiesAndStillTrain(@TempDir Path tmp) {
    Path file = tmp.resolve("m.safetensors");
    int h = 48;
    int w = 52;
    float[] x = random(3 * h * w, 15);
    float[] reference;
    try (Network net = Network.create(new Architecture(3, 8), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 7)) {
      train(net, 2);
      Checkpoint.save(file, net, 0.5f, Map.of(), null);
      reference = net.predict(x, 1, h, w, false);
    }
    System.setProperty("vesselseg.channelsLastWeights", "true");
    try (Network net = Checkpoint.load(file, ComputeDevice.CPU, Precision.FP32).network()) {
      double d = maxAbsDiff(reference, net.predict(x, 1, h, w, false));
      assertTrue(d < 1e-4, "channels-last weights: max |diff| " + d);
      net.fuseForInference();
      double f = maxAbsDiff(reference, net.predict(x, 1, h, w, false));
      assertTrue(f < 1e-4, "channels-last weights, folded: max |diff| " + f);
      train(net, 1);
      for (float v : net.predict(x, 1, h, w, false)) {
        assertTrue(v >= 0 && v <= 1, "probability after a channels-last training step: " + v);
      }
    } finally {
      System.clearProperty("vesselseg.channelsLastWeights");
    }
  }
}
