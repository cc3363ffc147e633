package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClaheTest {

  /** A dim, low-contrast plane: a horizontal ramp over [0.30, 0.40] with a darker vertical line. */
  private static float[] dimRamp(int w, int h) {
    float[] p = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        p[y * w + x] = 0.30f + 0.10f * x / (w - 1) - (x == w / 3 ? 0.03f : 0);
      }
    }
    return p;
  }

  @Test
  void stretchesLowContrastAndKeepsTheOrderOfGreyLevels() {
    int w = 96;
    int h = 64;
    float[] in = dimRamp(w, h);
    float[] out = Clahe.equalize(in, w, h, 1, 40.0);
    // one tile and no effective clipping: plain histogram equalisation, monotone in the input
    Integer[] order = new Integer[in.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> Float.compare(in[a], in[b]));
    for (int i = 1; i < order.length; i++) {
      assertTrue(out[order[i]] >= out[order[i - 1]] - 1e-6, "equalisation keeps the order of grey levels");
    }
    float[] tiled = Clahe.equalize(in, w, h, 2, 2.0);
    double before = range(in);
    double after = range(tiled);
    // clip limit 2: a grey level's slope is at most about twice the identity's, plus the spread excess
    assertTrue(after > 1.5 * before && after < 3 * before, "contrast range " + before + " -> " + after);
    for (float v : tiled) {
      assertTrue(v >= 0 && v <= 1, "output in [0,1]: " + v);
    }
    // the vessel-like line stays darker than both of its neighbours in every row
    for (int y = 0; y < h; y++) {
      int x = w / 3;
      assertTrue(tiled[y * w + x] < tiled[y * w + x - 1] && tiled[y * w + x] < tiled[y * w + x + 1],
          "line at row " + y);
    }
  }

  @Test
  void aFlatImageStaysFlatAndTheClipLimitBoundsTheGain() {
    float[] flat = new float[40 * 30];
    Arrays.fill(flat, 0.5f);
    float[] out = Clahe.equalize(flat, 40, 30, 4, 2.0);
    for (float v : out) {
      assertEquals(out[0], v, 1e-6, "a flat image maps to one grey level");
    }
    float[] in = dimRamp(96, 64);
    assertTrue(range(Clahe.equalize(in, 96, 64, 2, 1.0)) < range(Clahe.equalize(in, 96, 64, 2, 4.0)),
        "a higher clip limit allows more contrast");
    assertThrows(IllegalArgumentException.class, () -> Clahe.equalize(flat, 41, 30, 4, 2.0));
  }

  @Test
  void rgClaheKeepsRedAndGreenAndPutsEqualisedGreenInPlaceOfBlue() {
    Sample s = SyntheticFundus.dataset(1, 3, 120, 100).get(0);
    int n = s.pixels();
    float[] in = InputChannels.RG_CLAHE.apply(s.rgb(), s.width(), s.height());
    assertArrayEquals(Arrays.copyOfRange(s.rgb(), 0, 2 * n), Arrays.copyOfRange(in, 0, 2 * n));
    float[] green = Arrays.copyOfRange(s.rgb(), n, 2 * n);
    assertArrayEquals(Clahe.equalize(green, s.width(), s.height(), 8, 2.0),
        Arrays.copyOfRange(in, 2 * n, 3 * n));
    assertSame(s.rgb(), InputChannels.RGB.apply(s.rgb(), s.width(), s.height()));
    Sample t = InputChannels.RG_CLAHE.apply(s);
    assertSame(s.fov(), t.fov());
    assertArrayEquals(in, t.rgb());
    assertEquals(List.of(InputChannels.RGB, InputChannels.RG_CLAHE),
        List.of(InputChannels.parse("rgb"), InputChannels.parse("rg-clahe")));
    var e = assertThrows(VesselsegException.Usage.class, () -> InputChannels.parse("lab"));
    assertEquals("input channels 'lab' are not known: expected one of [rgb, rg-clahe]", e.getMessage());
  }

  private static double range(float[] a) {
    double lo = Double.MAX_VALUE;
    double hi = -Double.MAX_VALUE;
    for (float v : a) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return hi - lo;
  }
}
