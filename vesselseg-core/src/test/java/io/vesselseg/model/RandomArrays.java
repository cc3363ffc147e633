package io.vesselseg.model;

import java.util.Random;

/** Seeded test inputs for the model tests. */
public final class RandomArrays {

  private RandomArrays() {}

  /** {@code n} floats uniform in [0, 1) from {@code new Random(seed)}. */
  public static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = r.nextFloat();
    }
    return a;
  }
}
