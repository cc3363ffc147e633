package io.vesselseg.model;

import static io.vesselseg.model.RandomArrays.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** {@link Network#predictWithSpread}: the mean is {@link Network#predict}, the spreads are the members'. */
class SpreadTest {

  private static final Architecture ARCH = new Architecture(2, 4);

  /** Members drawn from libtorch's RNG after {@code seed}, one Network each or all in one ensemble. */
  private static Network[] members(long seed, int count) {
    torch.manual_seed(seed);
    Network[] out = new Network[count];
    for (int i = 0; i < count; i++) {
      out[i] = Network.createEnsemble(ARCH, 1, ComputeDevice.CPU, Precision.FP32, Normalization.unit());
    }
    return out;
  }

  @Test
  void spreadsAreTheStandardDeviationsOfTheMembers() {
    int h = 24;
    int w = 20;
    float[] x = random(3 * h * w, 9);
    Network[] single = members(5, 3);
    torch.manual_seed(5);
    try (Network ensemble = Network.createEnsemble(ARCH, 3, ComputeDevice.CPU, Precision.FP32,
        Normalization.unit())) {
      float[][] p = new float[3][];
      for (int i = 0; i < 3; i++) {
        p[i] = single[i].predict(x, 1, h, w, Tta.NONE);
      }
      float[][] r = ensemble.predictWithSpread(x, 1, h, w, Tta.NONE);
      assertArrayEquals(ensemble.predict(x, 1, h, w, Tta.NONE), r[0], 1e-6f);
      double largest = 0;
      for (int j = 0; j < h * w; j++) {
        double mean = (p[0][j] + p[1][j] + p[2][j]) / 3;
        double var = 0;
        for (float[] q : p) {
          var += (q[j] - mean) * (q[j] - mean) / 3;
        }
        assertEquals(mean, r[0][j], 1e-5, "mean at " + j);
        assertEquals(Math.sqrt(var), r[1][j], 1e-4, "spread at " + j);
        assertEquals(r[1][j], r[2][j], 1e-6, "without augmentation both spreads are the members'");
        largest = Math.max(largest, r[1][j]);
      }
      assertTrue(largest > 1e-3, "three random networks disagree somewhere: " + largest);

      float[][] flips = ensemble.predictWithSpread(x, 1, h, w, Tta.FLIPS);
      assertArrayEquals(ensemble.predict(x, 1, h, w, Tta.FLIPS), flips[0], 1e-5f);
      for (int j = 0; j < h * w; j++) {
        assertTrue(flips[1][j] + 1e-6 >= flips[2][j], "12 terms spread at least as much as 3 means");
      }
    } finally {
      for (Network n : single) {
        n.close();
      }
    }
  }

  @Test
  void oneNetworkWithoutAugmentationHasNoSpread() {
    try (Network one = members(2, 1)[0]) {
      float[][] r = one.predictWithSpread(random(3 * 16 * 16, 1), 1, 16, 16, Tta.NONE);
      for (int j = 0; j < 256; j++) {
        assertEquals(0f, r[1][j], 1e-6f);
        assertEquals(0f, r[2][j], 1e-6f);
      }
    }
  }
}
