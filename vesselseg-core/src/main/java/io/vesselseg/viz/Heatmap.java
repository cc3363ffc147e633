package io.vesselseg.viz;

import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * An attribution map drawn over its photograph: the map's magnitude, scaled so that its 99th percentile (of
 * the non-zero pixels) is full strength, in {@link Colormap#viridis} blended over a dimmed photograph (weak
 * pixels show the photograph, strong ones the colour), with the region's outline in white.
 */
public final class Heatmap {

  private Heatmap() {}

  /**
   * @param rgb    the photograph, planar [3,h,w] in [0,1]
   * @param map    [h*w], any sign (its absolute value is drawn)
   * @param region 0/1 [h*w], outlined; null for none
   */
  public static BufferedImage over(float[] rgb, int w, int h, float[] map, byte[] region) {
    float scale = percentile(map, 0.99);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int plane = w * h;
    for (int i = 0; i < plane; i++) {
      float v = scale > 0 ? Math.min(1f, Math.abs(map[i]) / scale) : 0f;
      int c = Colormap.viridis(v);
      float a = 0.85f * (float) Math.sqrt(v);
      int r = blend(rgb[i] * 0.6f, (c >> 16) & 0xff, a);
      int g = blend(rgb[plane + i] * 0.6f, (c >> 8) & 0xff, a);
      int b = blend(rgb[2 * plane + i] * 0.6f, c & 0xff, a);
      img.setRGB(i % w, i / w, (r << 16) | (g << 8) | b);
    }
    if (region != null) {
      for (int i = 0; i < plane; i++) {
        int x = i % w;
        int y = i / w;
        boolean edge = region[i] != 0 && (x == 0 || y == 0 || x == w - 1 || y == h - 1 || region[i - 1] == 0
            || region[i + 1] == 0 || region[i - w] == 0 || region[i + w] == 0);
        if (edge) {
          img.setRGB(x, y, 0xFFFFFF);
        }
      }
    }
    return img;
  }

  /**
   * A per-pixel spread (an uncertainty map) in {@link Colormap#viridis}: 0 dark blue, {@code scale} or more
   * yellow (a fixed scale, so that pictures compare), black outside the FOV.
   */
  public static BufferedImage uncertainty(float[] spread, byte[] fov, int w, int h, float scale) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < spread.length; i++) {
      float v = Math.min(1f, spread[i] / scale);
      img.setRGB(i % w, i / w, fov[i] != 0 ? Colormap.viridis(v) : 0);
    }
    return img;
  }

  /** The {@code q} quantile of the non-zero magnitudes of {@code map} (0 when all are zero). */
  static float percentile(float[] map, double q) {
    float[] a = new float[map.length];
    int n = 0;
    for (float v : map) {
      if (v != 0 && !Float.isNaN(v)) {
        a[n++] = Math.abs(v);
      }
    }
    if (n == 0) {
      return 0;
    }
    Arrays.sort(a, 0, n);
    return a[Math.min(n - 1, (int) Math.floor(q * (n - 1)))];
  }

  private static int blend(float photo, int colour, float a) {
    float p = Math.min(1f, Math.max(0f, photo)) * 255f;
    return Math.round(p * (1 - a) + colour * a);
  }
}
