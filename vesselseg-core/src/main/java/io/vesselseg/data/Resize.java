package io.vesselseg.data;

/**
 * Bilinear resampling of planar float images (pixel centres aligned, like PyTorch's
 * {@code interpolate(..., mode="bilinear", align_corners=False)}), and the FOV diameter used to pick a scale.
 */
public final class Resize {

  private Resize() {}

  /** Resamples {@code channels} planes of {@code w×h} to {@code nw×nh}. */
  public static float[] bilinear(float[] src, int channels, int w, int h, int nw, int nh) {
    if (src.length != channels * w * h) {
      throw new IllegalArgumentException("expected " + channels * w * h + " values, got " + src.length);
    }
    float[] dst = new float[channels * nw * nh];
    double sx = (double) w / nw;
    double sy = (double) h / nh;
    for (int y = 0; y < nh; y++) {
      double fy = Math.max(0, (y + 0.5) * sy - 0.5);
      int y0 = Math.min((int) fy, h - 1);
      int y1 = Math.min(y0 + 1, h - 1);
      double wy = fy - y0;
      for (int x = 0; x < nw; x++) {
        double fx = Math.max(0, (x + 0.5) * sx - 0.5);
        int x0 = Math.min((int) fx, w - 1);
        int x1 = Math.min(x0 + 1, w - 1);
        double wx = fx - x0;
        for (int c = 0; c < channels; c++) {
          int o = c * w * h;
          double top = src[o + y0 * w + x0] * (1 - wx) + src[o + y0 * w + x1] * wx;
          double bottom = src[o + y1 * w + x0] * (1 - wx) + src[o + y1 * w + x1] * wx;
          dst[c * nw * nh + y * nw + x] = (float) (top * (1 - wy) + bottom * wy);
        }
      }
    }
    return dst;
  }

  /**
   * The sample resampled by {@code factor}: the photograph bilinearly, each mask bilinearly and then cut at
   * one half, so that a vessel keeps its shape (a factor of 1 returns the sample itself).
   */
  public static Sample scaled(Sample s, double factor) {
    if (Math.abs(factor - 1) < 1e-9) {
      return s;
    }
    int nw = Math.max(8, (int) Math.round(s.width() * factor));
    int nh = Math.max(8, (int) Math.round(s.height() * factor));
    return new Sample(s.id(), nw, nh, bilinear(s.rgb(), 3, s.width(), s.height(), nw, nh),
        mask(s.vessel(), s.width(), s.height(), nw, nh), mask(s.vessel2(), s.width(), s.height(), nw, nh),
        mask(s.fov(), s.width(), s.height(), nw, nh), s.fovEstimated());
  }

  private static byte[] mask(byte[] m, int w, int h, int nw, int nh) {
    if (m == null) {
      return null;
    }
    float[] f = new float[m.length];
    for (int i = 0; i < m.length; i++) {
      f[i] = m[i] != 0 ? 1 : 0;
    }
    float[] r = bilinear(f, 1, w, h, nw, nh);
    byte[] out = new byte[r.length];
    for (int i = 0; i < r.length; i++) {
      out[i] = (byte) (r[i] >= 0.5f ? 1 : 0);
    }
    return out;
  }

  /** Width in pixels of the FOV's bounding box (0 for an empty FOV): the fundus disc's diameter. */
  public static int fovDiameter(byte[] fov, int w, int h) {
    int min = w;
    int max = -1;
    for (int i = 0; i < fov.length; i++) {
      if (fov[i] != 0) {
        int x = i % w;
        min = Math.min(min, x);
        max = Math.max(max, x);
      }
    }
    return max < 0 ? 0 : max - min + 1;
  }
}
