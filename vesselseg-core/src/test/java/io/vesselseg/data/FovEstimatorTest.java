package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Tests of {@link FovEstimator}. */
class FovEstimatorTest {

  static double iou(byte[] a, byte[] b) {
    int inter = 0;
    int union = 0;
    for (int i = 0; i < a.length; i++) {
      if (a[i] != 0 && b[i] != 0) {
        inter++;
      }
      if (a[i] != 0 || b[i] != 0) {
        union++;
      }
    }
    return union == 0 ? 1 : (double) inter / union;
  }

  @Test
  void matchesTheSyntheticFov() {
    int[][] sizes = {{128, 128}, {192, 192}, {256, 200}, {565, 584}};
    for (int[] size : sizes) {
      for (int seed = 0; seed < 4; seed++) {
        Sample s = SyntheticFundus.generate(seed, size[0], size[1]);
        byte[] est = FovEstimator.estimate(s.rgb(), s.width(), s.height());
        double iou = iou(est, s.fov());
        assertTrue(iou > 0.95, "IoU " + iou + " at " + size[0] + "x" + size[1] + " seed " + seed);
      }
    }
  }

  @Test
  void photoWithoutDarkBorderIsAllFov() {
    int w = 40;
    int h = 30;
    int n = w * h;
    float[] chw = new float[3 * n];
    for (int i = 0; i < n; i++) {
      chw[i] = 0.6f + 0.2f * (i % w) / w;
      chw[n + i] = 0.3f;
      chw[2 * n + i] = (i / w == 10) ? 0.0f : 0.1f; // a dark-blue line must not split the FOV
    }
    byte[] fov = FovEstimator.estimate(chw, w, h);
    int count = 0;
    for (byte b : fov) {
      count += b;
    }
    assertTrue(count > 0.95 * n, "FOV has " + count + " of " + n + " pixels");
  }

  @Test
  void blackImageGivesNonEmptyMask() {
    byte[] fov = FovEstimator.estimate(new float[3 * 20 * 10], 20, 10);
    byte[] ones = new byte[200];
    Arrays.fill(ones, (byte) 1);
    assertEquals(Arrays.toString(ones), Arrays.toString(fov));
  }

  @Test
  void fillsDarkHolesInsideTheDisc() {
    int w = 64;
    int h = 64;
    int n = w * h;
    float[] chw = new float[3 * n];
    byte[] truth = new byte[n];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        double d = Math.hypot(x - 32, y - 32);
        if (d <= 28) {
          truth[i] = 1;
          boolean hole = Math.hypot(x - 40, y - 30) < 6; // a dark lesion inside the FOV
          chw[i] = hole ? 0.01f : 0.8f;
          chw[n + i] = hole ? 0.01f : 0.4f;
          chw[2 * n + i] = hole ? 0.01f : 0.1f;
        }
      }
    }
    double iou = iou(FovEstimator.estimate(chw, w, h), truth);
    assertTrue(iou > 0.9, "IoU " + iou);
  }
}
