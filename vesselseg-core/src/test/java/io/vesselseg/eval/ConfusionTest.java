package io.vesselseg.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConfusionTest {

  private static final double EPS = 1e-12;

  @Test
  void countsAndMetricsOnHandExample() {
    // idx:   0     1     2     3     4     5     6     7     8     9
    float[] prob = {0.9f, 0.2f, 0.7f, 0.4f, 0.6f, 0.55f, 0.8f, 0.3f, 0.95f, 0.05f};
    byte[] truth = {1, 0, 1, 1, 0, 0, 1, 0, 1, 1};
    byte[] fov = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    // threshold 0.5, pixels 8 and 9 outside the FOV are ignored:
    // 0 TP, 1 TN, 2 TP, 3 FN, 4 FP, 5 FP, 6 TP, 7 TN  ->  tp=3 fp=2 fn=1 tn=2
    Confusion c = Confusion.of(prob, truth, fov, 0.5f);
    assertEquals(new Confusion(3, 2, 1, 2), c);
    assertEquals(8, c.total());
    assertEquals(6.0 / 9.0, c.f1(), EPS); // 2*3 / (6+2+1)
    assertEquals(3.0 / 6.0, c.iou(), EPS); // 3 / (3+2+1)
    assertEquals(5.0 / 8.0, c.accuracy(), EPS); // (3+2)/8
    assertEquals(3.0 / 4.0, c.sensitivity(), EPS); // 3/(3+1)
    assertEquals(2.0 / 4.0, c.specificity(), EPS); // 2/(2+2)
    assertEquals(3.0 / 5.0, c.precision(), EPS); // 3/(3+2)
    // (3*2 - 2*1) / sqrt(5*4*4*3) = 4 / sqrt(240) = 0.2581988897...
    assertEquals(4.0 / Math.sqrt(240.0), c.mcc(), EPS);
    assertEquals(0.2581988897471611, c.mcc(), 1e-15);
  }

  @Test
  void diceEqualsF1AndThresholdIsInclusive() {
    float[] prob = {0.5f, 0.49999997f, 0.5f};
    byte[] truth = {1, 1, 0};
    Confusion c = Confusion.of(prob, truth, null, 0.5f);
    assertEquals(new Confusion(1, 1, 1, 0), c);
    // Dice = 2|A∩B| / (|A|+|B|) = 2 / (2+2)
    assertEquals(0.5, c.f1(), EPS);
  }

  @Test
  void plusAddsCounts() {
    assertEquals(new Confusion(5, 7, 9, 11), new Confusion(1, 2, 3, 4).plus(new Confusion(4, 5, 6, 7)));
    assertEquals(new Confusion(1, 2, 3, 4), Confusion.ZERO.plus(new Confusion(1, 2, 3, 4)));
  }

  @Test
  void zeroDenominatorsGiveZero() {
    Confusion none = Confusion.ZERO;
    assertEquals(0, none.f1());
    assertEquals(0, none.iou());
    assertEquals(0, none.accuracy());
    assertEquals(0, none.sensitivity());
    assertEquals(0, none.specificity());
    assertEquals(0, none.precision());
    assertEquals(0, none.mcc());
    Confusion allNegativePredicted = new Confusion(0, 0, 5, 10);
    assertEquals(0, allNegativePredicted.precision());
    assertEquals(0, allNegativePredicted.mcc());
    assertEquals(10.0 / 15.0, allNegativePredicted.accuracy(), EPS);
  }

  @Test
  void mccDoesNotOverflowOnHugeCounts() {
    long big = 3_000_000_000L; // big*big overflows long
    Confusion c = new Confusion(big, big / 3, big / 3, big);
    // tp=tn=a, fp=fn=b: mcc = (a^2 - b^2) / (a+b)^2 = (a-b)/(a+b) = (3-1)/(3+1)
    assertEquals(0.5, c.mcc(), 1e-9);
    Confusion perfect = new Confusion(big, 0, 0, 4 * big);
    assertEquals(1.0, perfect.mcc(), 1e-12);
    assertTrue(new Confusion(0, big, big, 0).mcc() < -0.999999);
  }

  @Test
  void lengthMismatchNamesLengths() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Confusion.of(new float[3], new byte[4], new byte[3], 0.5f));
    assertTrue(e.getMessage().contains("3") && e.getMessage().contains("4"), e.getMessage());
    IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
        () -> Confusion.of(new float[3], new byte[3], new byte[2], 0.5f));
    assertTrue(f.getMessage().contains("fov has 2"), f.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Confusion.of(new float[] {Float.NaN}, new byte[1], null, 0.5f));
    assertThrows(IllegalArgumentException.class, () -> new Confusion(-1, 0, 0, 0));
  }
}
