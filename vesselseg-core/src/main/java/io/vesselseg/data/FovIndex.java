package io.vesselseg.data;

import java.util.Arrays;

/**
 * The FOV pixels of a mask in raster order, addressable by rank ({@link #pixel}) without listing them: the
 * mask's runs of FOV pixels (start and count of pixels before), a few per row, instead of 4 bytes per FOV pixel
 * (about 23 MB for an HRF photograph). {@link PatchSampler} draws patch centres through it.
 */
final class FovIndex {

  private final int[] runStart;
  /** FOV pixels in the runs before run {@code i}. */
  private final int[] before;
  private final int count;

  private FovIndex(int[] runStart, int[] before, int count) {
    this.runStart = runStart;
    this.before = before;
    this.count = count;
  }

  /** Indexes the pixels with {@code fov[p] != 0}. */
  static FovIndex of(byte[] fov) {
    int runs = 0;
    for (int p = 0; p < fov.length; p++) {
      if (fov[p] != 0 && (p == 0 || fov[p - 1] == 0)) {
        runs++;
      }
    }
    int[] start = new int[runs];
    int[] before = new int[runs];
    int r = -1;
    int n = 0;
    for (int p = 0; p < fov.length; p++) {
      if (fov[p] != 0) {
        if (p == 0 || fov[p - 1] == 0) {
          r++;
          start[r] = p;
          before[r] = n;
        }
        n++;
      }
    }
    return new FovIndex(start, before, n);
  }

  /**
   * Number of ranks: the FOV pixel count, or 1 for an empty FOV, which degenerates to pixel 0 (patches are then
   * drawn from the corner).
   */
  int size() {
    return Math.max(count, 1);
  }

  /** The pixel (row-major index) of the {@code k}-th FOV pixel, {@code 0 <= k < size()}. */
  int pixel(int k) {
    if (count == 0) {
      return 0;
    }
    int i = Arrays.binarySearch(before, k);
    int run = i >= 0 ? i : -i - 2; // the last run with before <= k
    return runStart[run] + (k - before[run]);
  }

  /** Number of runs held (the index's size in ints is twice this). */
  int runs() {
    return runStart.length;
  }
}
