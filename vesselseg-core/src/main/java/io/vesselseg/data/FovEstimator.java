package io.vesselseg.data;

import java.util.Arrays;

/**
 * Estimates the circular field of view (FOV) of a fundus photograph from its pixels: the FOV is the bright
 * disc, the outside is near black.
 *
 * <p>Method: luminance = max(R,G,B), smoothed with a 5x5 box filter; a threshold placed a quarter of the way
 * from the dark class mean to the bright class mean of an Otsu split (with a small absolute floor), so that the
 * dim periphery of the disc stays inside; the largest 4-connected bright component; holes filled by flooding
 * the background from the border; finally a small erosion that drops the dark rim. A photograph without a dark
 * border (or one that is all dark) gives an all-FOV mask.
 */
public final class FovEstimator {

  private static final int BINS = 256;
  /** Luminance below which a pixel counts as "dark border". */
  private static final float DARK = 0.1f;
  /** Smallest threshold ever used, so that sensor noise on black never counts as FOV. */
  private static final float FLOOR = 0.04f;

  private FovEstimator() {}

  /**
   * Estimates the FOV mask.
   *
   * @param chw planar RGB floats in [0,1], length {@code 3 * w * h}
   * @return {@code w * h} bytes of 0/1, never all zero
   */
  public static byte[] estimate(float[] chw, int w, int h) {
    int n = w * h;
    if (w <= 0 || h <= 0 || chw == null || chw.length != 3 * n) {
      throw new IllegalArgumentException("image " + w + "x" + h + " needs " + 3L * w * h + " CHW values, got "
          + (chw == null ? "null" : chw.length));
    }
    float[] lum = new float[n];
    int dark = 0;
    for (int i = 0; i < n; i++) {
      float v = Math.max(chw[i], Math.max(chw[n + i], chw[2 * n + i]));
      lum[i] = v;
      if (v < DARK) {
        dark++;
      }
    }
    byte[] fov = new byte[n];
    if (dark < Math.max(1, n / 100)) {
      Arrays.fill(fov, (byte) 1); // no dark border: the whole frame is field of view
      return fov;
    }
    float[] smooth = boxBlur(lum, w, h, 2);
    float t = Math.max(FLOOR, threshold(smooth));
    byte[] bright = new byte[n];
    for (int i = 0; i < n; i++) {
      bright[i] = (byte) (smooth[i] >= t ? 1 : 0);
    }
    byte[] comp = largestComponent(bright, w, h);
    if (comp == null) {
      Arrays.fill(fov, (byte) 1);
      return fov;
    }
    fillHoles(comp, w, h);
    int r = Math.max(1, Math.min(3, Math.round(Math.min(w, h) / 250f)));
    byte[] eroded = erode(comp, w, h, r);
    for (int i = 0; i < n; i++) {
      if (eroded[i] != 0) {
        return eroded;
      }
    }
    return comp; // erosion removed everything (tiny image): keep the un-eroded component
  }

  /** Otsu split of [0,1] values; returns darkMean + 0.25 * (brightMean - darkMean). */
  private static float threshold(float[] v) {
    long[] hist = new long[BINS];
    for (float x : v) {
      int b = (int) (x * (BINS - 1) + 0.5f);
      hist[Math.max(0, Math.min(BINS - 1, b))]++;
    }
    long total = v.length;
    double sumAll = 0;
    for (int b = 0; b < BINS; b++) {
      sumAll += (double) b * hist[b];
    }
    long w0 = 0;
    double sum0 = 0;
    double best = -1;
    int bestT = 0;
    for (int b = 0; b < BINS - 1; b++) {
      w0 += hist[b];
      sum0 += (double) b * hist[b];
      long w1 = total - w0;
      if (w0 == 0 || w1 == 0) {
        continue;
      }
      double m0 = sum0 / w0;
      double m1 = (sumAll - sum0) / w1;
      double between = (double) w0 * w1 * (m0 - m1) * (m0 - m1);
      if (between > best) {
        best = between;
        bestT = b;
      }
    }
    long c0 = 0;
    double s0 = 0;
    for (int b = 0; b <= bestT; b++) {
      c0 += hist[b];
      s0 += (double) b * hist[b];
    }
    double m0 = c0 == 0 ? 0 : s0 / c0;
    double m1 = total - c0 == 0 ? bestT : (sumAll - s0) / (total - c0);
    return (float) ((m0 + 0.25 * (m1 - m0)) / (BINS - 1));
  }

  /** Separable box filter of radius r with edge clamping. */
  private static float[] boxBlur(float[] src, int w, int h, int r) {
    float[] tmp = new float[src.length];
    float[] dst = new float[src.length];
    float norm = 1f / (2 * r + 1);
    for (int y = 0; y < h; y++) {
      int row = y * w;
      for (int x = 0; x < w; x++) {
        float s = 0;
        for (int k = -r; k <= r; k++) {
          s += src[row + Math.max(0, Math.min(w - 1, x + k))];
        }
        tmp[row + x] = s * norm;
      }
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        float s = 0;
        for (int k = -r; k <= r; k++) {
          s += tmp[Math.max(0, Math.min(h - 1, y + k)) * w + x];
        }
        dst[y * w + x] = s * norm;
      }
    }
    return dst;
  }

  /** The largest 4-connected component of the 1-pixels, or null when there are none. */
  private static byte[] largestComponent(byte[] fg, int w, int h) {
    int n = w * h;
    int[] label = new int[n];
    int[] stack = new int[n];
    int bestLabel = 0;
    int bestSize = 0;
    int next = 0;
    for (int start = 0; start < n; start++) {
      if (fg[start] == 0 || label[start] != 0) {
        continue;
      }
      next++;
      int size = 0;
      int sp = 0;
      stack[sp++] = start;
      label[start] = next;
      while (sp > 0) {
        int p = stack[--sp];
        size++;
        int x = p % w;
        int y = p / w;
        if (x > 0) {
          sp = push(fg, label, stack, sp, p - 1, next);
        }
        if (x < w - 1) {
          sp = push(fg, label, stack, sp, p + 1, next);
        }
        if (y > 0) {
          sp = push(fg, label, stack, sp, p - w, next);
        }
        if (y < h - 1) {
          sp = push(fg, label, stack, sp, p + w, next);
        }
      }
      if (size > bestSize) {
        bestSize = size;
        bestLabel = next;
      }
    }
    if (bestSize == 0) {
      return null;
    }
    byte[] out = new byte[n];
    for (int i = 0; i < n; i++) {
      out[i] = (byte) (label[i] == bestLabel ? 1 : 0);
    }
    return out;
  }

  private static int push(byte[] fg, int[] label, int[] stack, int sp, int q, int lab) {
    if (fg[q] != 0 && label[q] == 0) {
      label[q] = lab;
      stack[sp++] = q;
    }
    return sp;
  }

  /** Sets to 1 every 0-pixel that the border cannot reach through 0-pixels (4-connectivity). */
  private static void fillHoles(byte[] mask, int w, int h) {
    int n = w * h;
    byte[] outside = new byte[n];
    int[] stack = new int[n];
    int sp = 0;
    for (int x = 0; x < w; x++) {
      sp = seed(mask, outside, stack, sp, x);
      sp = seed(mask, outside, stack, sp, (h - 1) * w + x);
    }
    for (int y = 0; y < h; y++) {
      sp = seed(mask, outside, stack, sp, y * w);
      sp = seed(mask, outside, stack, sp, y * w + w - 1);
    }
    while (sp > 0) {
      int p = stack[--sp];
      int x = p % w;
      int y = p / w;
      if (x > 0) {
        sp = seed(mask, outside, stack, sp, p - 1);
      }
      if (x < w - 1) {
        sp = seed(mask, outside, stack, sp, p + 1);
      }
      if (y > 0) {
        sp = seed(mask, outside, stack, sp, p - w);
      }
      if (y < h - 1) {
        sp = seed(mask, outside, stack, sp, p + w);
      }
    }
    for (int i = 0; i < n; i++) {
      if (outside[i] == 0) {
        mask[i] = 1;
      }
    }
  }

  private static int seed(byte[] mask, byte[] outside, int[] stack, int sp, int p) {
    if (mask[p] == 0 && outside[p] == 0) {
      outside[p] = 1;
      stack[sp++] = p;
    }
    return sp;
  }

  /** Erosion by a (2r+1)x(2r+1) square; pixels beyond the image border count as inside. */
  private static byte[] erode(byte[] src, int w, int h, int r) {
    byte[] tmp = new byte[src.length];
    byte[] dst = new byte[src.length];
    for (int y = 0; y < h; y++) {
      int row = y * w;
      for (int x = 0; x < w; x++) {
        byte v = 1;
        for (int k = Math.max(0, x - r); k <= Math.min(w - 1, x + r) && v != 0; k++) {
          v = src[row + k];
        }
        tmp[row + x] = v;
      }
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        byte v = 1;
        for (int k = Math.max(0, y - r); k <= Math.min(h - 1, y + r) && v != 0; k++) {
          v = tmp[k * w + x];
        }
        dst[y * w + x] = v;
      }
    }
    return dst;
  }
}
