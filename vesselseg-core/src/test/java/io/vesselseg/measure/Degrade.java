package io.vesselseg.measure;

/** Deliberately degraded copies of a planar RGB photograph, for the quality-flag tests. */
final class Degrade {

  private Degrade() {}

  /** Gaussian blur of each channel with standard deviation {@code sigma} px (separable, edges clamped). */
  static float[] blur(float[] chw, int w, int h, double sigma) {
    int r = (int) Math.ceil(3 * sigma);
    double[] k = new double[2 * r + 1];
    double sum = 0;
    for (int i = -r; i <= r; i++) {
      k[i + r] = Math.exp(-i * i / (2 * sigma * sigma));
      sum += k[i + r];
    }
    for (int i = 0; i < k.length; i++) {
      k[i] /= sum;
    }
    int n = w * h;
    float[] out = new float[chw.length];
    float[] tmp = new float[n];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double s = 0;
          for (int i = -r; i <= r; i++) {
            s += k[i + r] * chw[c * n + y * w + Math.min(w - 1, Math.max(0, x + i))];
          }
          tmp[y * w + x] = (float) s;
        }
      }
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double s = 0;
          for (int i = -r; i <= r; i++) {
            s += k[i + r] * tmp[Math.min(h - 1, Math.max(0, y + i)) * w + x];
          }
          out[c * n + y * w + x] = (float) s;
        }
      }
    }
    return out;
  }

  /** Every value times {@code factor}, clipped to [0, 1] (a brighter or darker exposure). */
  static float[] scale(float[] chw, float factor) {
    float[] out = new float[chw.length];
    for (int i = 0; i < chw.length; i++) {
      out[i] = Math.min(1f, chw[i] * factor);
    }
    return out;
  }
}
