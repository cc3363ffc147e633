package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tests of {@link SyntheticFundus}. */
class SyntheticFundusTest {

  static double vesselFraction(Sample s) {
    int v = 0;
    int f = 0;
    for (int i = 0; i < s.pixels(); i++) {
      f += s.fov()[i];
      v += s.vessel()[i] & s.fov()[i];
    }
    return (double) v / f;
  }

  @Test
  void sameSeedGivesIdenticalArrays() {
    Sample a = SyntheticFundus.generate(42, 128, 120);
    Sample b = SyntheticFundus.generate(42, 128, 120);
    assertArrayEquals(a.rgb(), b.rgb());
    assertArrayEquals(a.vessel(), b.vessel());
    assertArrayEquals(a.fov(), b.fov());
    assertEquals(128, a.width());
    assertEquals(120, a.height());
    assertNull(a.vessel2());
    assertFalse(a.fovEstimated());
  }

  @Test
  void differentSeedsDiffer() {
    Sample a = SyntheticFundus.generate(1, 128, 128);
    Sample b = SyntheticFundus.generate(2, 128, 128);
    assertFalse(Arrays.equals(a.rgb(), b.rgb()));
    assertFalse(Arrays.equals(a.vessel(), b.vessel()));
  }

  @Test
  void vesselFractionIsFundusLike() {
    for (int size : new int[] {128, 256}) {
      double sum = 0;
      int count = 12;
      for (int seed = 0; seed < count; seed++) {
        double f = vesselFraction(SyntheticFundus.generate(seed, size, size));
        assertTrue(f > 0.05 && f < 0.2, "vessel fraction " + f + " at " + size + " seed " + seed);
        sum += f;
      }
      double mean = sum / count;
      assertTrue(mean > 0.08 && mean < 0.15, "mean vessel fraction " + mean + " at " + size);
    }
  }

  @Test
  void masksAndValuesAreConsistent() {
    for (int seed = 0; seed < 5; seed++) {
      Sample s = SyntheticFundus.generate(seed, 160, 144);
      int n = s.pixels();
      int fov = 0;
      for (int i = 0; i < n; i++) {
        assertTrue(s.fov()[i] == 0 || s.fov()[i] == 1);
        assertTrue(s.vessel()[i] == 0 || s.vessel()[i] == 1);
        assertTrue(s.vessel()[i] == 0 || s.fov()[i] == 1, "vessel pixel " + i + " outside the FOV");
        fov += s.fov()[i];
      }
      double fovFraction = (double) fov / n;
      assertTrue(fovFraction > 0.5 && fovFraction < 0.75, "fov fraction " + fovFraction);
      for (float v : s.rgb()) {
        assertTrue(v >= 0f && v <= 1f, "value " + v);
      }
    }
  }

  @Test
  void vesselsAreDarkerThanNearbyBackgroundInGreen() {
    for (int seed = 0; seed < 5; seed++) {
      Sample s = SyntheticFundus.generate(seed, 192, 192);
      int w = s.width();
      int h = s.height();
      int n = s.pixels();
      double vSum = 0;
      double bSum = 0;
      int vCount = 0;
      int bCount = 0;
      for (int y = 3; y < h - 3; y++) {
        for (int x = 3; x < w - 3; x++) {
          int i = y * w + x;
          if (s.fov()[i] == 0) {
            continue;
          }
          float g = s.rgb()[n + i];
          if (s.vessel()[i] != 0) {
            vSum += g;
            vCount++;
          } else if (nearVessel(s, x, y, 3)) {
            bSum += g;
            bCount++;
          }
        }
      }
      double vessel = vSum / vCount;
      double background = bSum / bCount;
      assertTrue(vessel < background - 0.02, "seed " + seed + ": vessel green " + vessel + " vs " + background);
    }
  }

  private static boolean nearVessel(Sample s, int x, int y, int r) {
    for (int dy = -r; dy <= r; dy++) {
      for (int dx = -r; dx <= r; dx++) {
        if (s.vessel()[(y + dy) * s.width() + x + dx] != 0) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void datasetHasNumberedIdsAndDistinctImages() {
    List<Sample> set = SyntheticFundus.dataset(3, 7L, 64, 64);
    assertEquals(3, set.size());
    assertEquals("synthetic_000", set.get(0).id());
    assertEquals("synthetic_002", set.get(2).id());
    assertFalse(Arrays.equals(set.get(0).rgb(), set.get(1).rgb()));
    assertArrayEquals(set.get(1).rgb(), SyntheticFundus.dataset(3, 7L, 64, 64).get(1).rgb());
  }

}
