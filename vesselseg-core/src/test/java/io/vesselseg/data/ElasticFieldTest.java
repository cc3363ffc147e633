package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ElasticFieldTest {

  @Test
  void fieldHasTheAskedSpreadAtItsControlPointsAndIsSmoothBetweenThem() {
    int side = 97; // control points at 0, 32, 64, 96
    Random r = new Random(11);
    double sumSq = 0;
    int corners = 0;
    double steepest = 0;
    for (int n = 0; n < 400; n++) {
      float[] f = PatchSampler.elasticField(r, side, 2f);
      assertEquals(2 * side * side, f.length);
      for (int axis = 0; axis < 2; axis++) {
        for (int i = 0; i < side; i += 32) {
          for (int j = 0; j < side; j += 32) {
            double v = f[axis * side * side + i * side + j];
            sumSq += v * v;
            corners++;
          }
        }
        for (int i = 0; i < side; i++) {
          for (int j = 1; j < side; j++) {
            int o = axis * side * side + i * side + j;
            steepest = Math.max(steepest, Math.abs(f[o] - f[o - 1]));
          }
        }
      }
    }
    assertEquals(2.0, Math.sqrt(sumSq / corners), 0.1, "standard deviation at the control points");
    assertTrue(steepest < 0.6, "neighbouring pixels move together (a warp, not noise): " + steepest);
  }

  @Test
  void patchesSmallerThanTheControlSpacingStillGetAField() {
    float[] f = PatchSampler.elasticField(new Random(1), 1, 2f);
    assertEquals(2, f.length);
    assertTrue(Float.isFinite(f[0]) && Float.isFinite(f[1]));
  }
}
