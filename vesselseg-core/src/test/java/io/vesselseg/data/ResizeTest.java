package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class ResizeTest {

  /** A 10×8 photograph with a 2-px vertical vessel in columns 4–5 and a FOV of every pixel. */
  private static Sample vessel() {
    int w = 10;
    int h = 8;
    float[] rgb = new float[3 * w * h];
    byte[] v = new byte[w * h];
    byte[] fov = new byte[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        boolean vessel = x == 4 || x == 5;
        v[i] = (byte) (vessel ? 1 : 0);
        fov[i] = 1;
        rgb[w * h + i] = vessel ? 0.2f : 0.6f;
      }
    }
    return new Sample("v", w, h, rgb, v, null, fov, false);
  }

  @Test
  void aScaledSampleKeepsItsVesselsShapeWithBinaryMasks() {
    Sample s = Resize.scaled(vessel(), 2);
    assertEquals(20, s.width());
    assertEquals(16, s.height());
    assertNull(s.vessel2());
    for (int y = 0; y < 16; y++) {
      int row = 0;
      for (int x = 0; x < 20; x++) {
        int i = y * 20 + x;
        assertEquals(1, s.fov()[i], "the FOV stays whole");
        row += s.vessel()[i];
        assertEquals(x >= 8 && x <= 11 ? 1 : 0, s.vessel()[i], "vessel at (" + x + "," + y + ")");
      }
      assertEquals(4, row, "a 2-px vessel becomes 4 px wide");
    }
    assertEquals(0.2f, s.rgb()[20 * 16 + 9], 1e-6f, "the photograph is resampled too (green, vessel centre)");
    assertEquals(20, Resize.fovDiameter(s.fov(), 20, 16));
  }

  @Test
  void aFactorOfOneIsTheSampleItself() {
    Sample s = vessel();
    assertSame(s, Resize.scaled(s, 1));
  }
}
