package io.vesselseg.measure;

import java.util.ArrayList;
import java.util.List;

/**
 * Box-counting (Minkowski–Bouligand) dimension of a binary set: N(s) = boxes of side s on a grid anchored at
 * (0, 0) that hold at least one set pixel (boxes cut by the image border count as boxes), for s = 2, 4, 8, ...
 * up to a quarter of the shorter image side; the dimension is the least-squares slope of log N(s) against
 * log(1/s). The smallest sizes (1 px) are left out: there the count is the pixel count and says nothing of the
 * shape.
 */
public final class FractalDimension {

  /** A fit: the slope (the dimension), its R², and the box sizes and counts it was fitted to. */
  public record Fit(double dimension, double r2, int[] sizes, long[] counts) {}

  private FractalDimension() {}

  /** The default box sizes for a {@code w x h} image: powers of 2 from 2 to min(w, h) / 4. */
  public static int[] sizes(int w, int h) {
    List<Integer> s = new ArrayList<>();
    for (int k = 2; k <= Math.min(w, h) / 4; k *= 2) {
      s.add(k);
    }
    return s.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Fits the dimension of the set pixels of {@code mask} (0/1, row-major) over the default sizes. */
  public static Fit of(byte[] mask, int w, int h) {
    return of(mask, w, h, sizes(w, h));
  }

  /** Fits the dimension over the given box sizes (at least two); NaN when the set is empty. */
  public static Fit of(byte[] mask, int w, int h, int[] sizes) {
    if (sizes.length < 2) {
      throw new IllegalArgumentException("box counting needs at least two box sizes, got " + sizes.length
          + " (the image " + w + "x" + h + " is too small)");
    }
    long[] counts = new long[sizes.length];
    for (int k = 0; k < sizes.length; k++) {
      counts[k] = count(mask, w, h, sizes[k]);
    }
    if (counts[0] == 0) {
      return new Fit(Double.NaN, Double.NaN, sizes, counts);
    }
    int n = sizes.length;
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    double syy = 0;
    for (int k = 0; k < n; k++) {
      double x = Math.log(1.0 / sizes[k]);
      double y = Math.log(counts[k]);
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
      syy += y * y;
    }
    double cov = sxy - sx * sy / n;
    double vx = sxx - sx * sx / n;
    double vy = syy - sy * sy / n;
    double slope = cov / vx;
    double r2 = vy == 0 ? 1 : cov * cov / (vx * vy);
    return new Fit(slope, r2, sizes, counts);
  }

  /** Boxes of side {@code s} holding a set pixel. */
  static long count(byte[] mask, int w, int h, int s) {
    int bw = (w + s - 1) / s;
    int bh = (h + s - 1) / s;
    boolean[] hit = new boolean[bw * bh];
    for (int y = 0; y < h; y++) {
      int row = (y / s) * bw;
      for (int x = 0; x < w; x++) {
        if (mask[y * w + x] != 0) {
          hit[row + x / s] = true;
        }
      }
    }
    long c = 0;
    for (boolean b : hit) {
      if (b) {
        c++;
      }
    }
    return c;
  }
}
