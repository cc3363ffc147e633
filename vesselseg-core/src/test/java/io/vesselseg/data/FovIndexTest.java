package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FovIndexTest {

  /** The explicit list the index replaces: every FOV pixel in raster order (pixel 0 for an empty FOV). */
  private static int[] listed(byte[] fov) {
    int n = 0;
    for (byte b : fov) {
      n += b;
    }
    int[] idx = new int[Math.max(n, 1)];
    int k = 0;
    for (int p = 0; p < fov.length; p++) {
      if (fov[p] != 0) {
        idx[k++] = p;
      }
    }
    return idx;
  }

  private static void sameAsTheList(byte[] fov) {
    int[] expected = listed(fov);
    FovIndex index = FovIndex.of(fov);
    assertEquals(expected.length, index.size());
    for (int k = 0; k < expected.length; k++) {
      assertEquals(expected[k], index.pixel(k), "rank " + k);
    }
  }

  @Test
  void ranksMatchTheExplicitListOnAnyMask() {
    SplittableRandom r = new SplittableRandom(9);
    for (int trial = 0; trial < 20; trial++) {
      byte[] noise = new byte[1 + r.nextInt(2000)];
      for (int p = 0; p < noise.length; p++) {
        noise[p] = (byte) (r.nextInt(3) == 0 ? 0 : 1);
      }
      sameAsTheList(noise);
    }
    sameAsTheList(new byte[50]); // empty: rank 0 is pixel 0
    byte[] full = new byte[77];
    java.util.Arrays.fill(full, (byte) 1);
    sameAsTheList(full);
    sameAsTheList(new byte[] {0, 0, 1});
  }

  @Test
  void aFundusMaskTakesAFewIntsPerRowNotOnePerPixel() {
    Sample s = SyntheticFundus.dataset(1, 3, 300, 200).get(0);
    sameAsTheList(s.fov());
    FovIndex index = FovIndex.of(s.fov());
    assertTrue(index.runs() <= s.height(), index.runs() + " runs for " + s.height() + " rows");
    assertTrue(index.size() > 100 * index.runs(), "FOV pixels " + index.size());
  }
}
