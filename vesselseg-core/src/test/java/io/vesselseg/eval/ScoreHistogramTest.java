package io.vesselseg.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ScoreHistogramTest {

  private static final double EPS = 1e-12;

  /** Fills an exact collector and a histogram with the same pixels. */
  private record Both(ScoreCollector exact, ScoreHistogram hist) {
    static Both of(float[] scores, byte[] truth) {
      ScoreCollector c = new ScoreCollector();
      c.add(scores, truth, null);
      ScoreHistogram h = new ScoreHistogram();
      h.add(scores, truth, null);
      return new Both(c, h);
    }

    void boundsHold() {
      assertEquals(exact.positives(), hist.positives());
      assertEquals(exact.negatives(), hist.negatives());
      double rocErr = Math.abs(hist.aucRoc() - exact.aucRoc());
      assertTrue(rocErr <= hist.aucRocErrorBound() + EPS,
          "AUC-ROC error " + rocErr + " exceeds the bound " + hist.aucRocErrorBound());
      double prErr = Math.abs(hist.aucPr() - exact.aucPr());
      assertTrue(prErr <= hist.aucPrErrorBound() + EPS,
          "AUC-PR error " + prErr + " exceeds the bound " + hist.aucPrErrorBound());
      ScoreCollector.BestThreshold h = hist.bestF1Threshold();
      // the histogram's threshold is one of the exact candidates: its confusion is the exact one there
      assertEquals(exact.confusionAt(h.threshold()), h.confusion());
      assertTrue(h.f1() <= exact.bestF1Threshold().f1() + EPS);
    }
  }

  /** Sigmoid outputs of a separable-ish problem: positives' logits centred at +2, negatives' at -2. */
  private static Both random(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] s = new float[n];
    byte[] t = new byte[n];
    for (int i = 0; i < n; i++) {
      boolean p = r.nextInt(8) == 0;
      double logit = (p ? 2 : -2) + 3 * r.nextGaussian() * (r.nextBoolean() ? 1 : 4);
      s[i] = (float) (1 / (1 + Math.exp(-logit)));
      t[i] = (byte) (p ? 1 : 0);
    }
    return Both.of(s, t);
  }

  @Test
  void randomScoresAgreeWithTheExactComputationWithinTheStatedBound() {
    for (long seed = 1; seed <= 3; seed++) {
      Both b = random(seed, 400_000);
      b.boundsHold();
      // 1.28 M bins over 400 k distinct-ish scores: the bounds themselves are small, the errors smaller
      assertTrue(b.hist().aucRocErrorBound() < 1e-4, "bound " + b.hist().aucRocErrorBound());
      assertTrue(b.hist().aucPrErrorBound() < 1e-4, "bound " + b.hist().aucPrErrorBound());
      assertEquals(b.exact().aucRoc(), b.hist().aucRoc(), 1e-5);
      assertEquals(b.exact().bestF1Threshold().f1(), b.hist().bestF1Threshold().f1(), 1e-4);
    }
  }

  @Test
  void tiedScoresOnAGridAreExact() {
    // scores k/64 (one distinct value per bin), heavy ties across classes, also 0 and 1 themselves
    SplittableRandom r = new SplittableRandom(7);
    int n = 50_000;
    float[] s = new float[n];
    byte[] t = new byte[n];
    for (int i = 0; i < n; i++) {
      int k = r.nextInt(65);
      s[i] = k / 64f;
      t[i] = (byte) (r.nextInt(64) < k ? 1 : 0);
    }
    Both b = Both.of(s, t);
    b.boundsHold();
    assertEquals(b.exact().aucRoc(), b.hist().aucRoc(), EPS);
    assertEquals(b.exact().aucPr(), b.hist().aucPr(), EPS);
    ScoreCollector.BestThreshold e = b.exact().bestF1Threshold();
    ScoreCollector.BestThreshold h = b.hist().bestF1Threshold();
    assertEquals(e.threshold(), h.threshold());
    assertEquals(e.confusion(), h.confusion());
  }

  @Test
  void binaryMasksAreExact() {
    float[] s = {0f, 1f, 1f, 0f, 1f, 0f, -0.0f};
    byte[] t = {0, 1, 0, 1, 1, 0, 0};
    Both b = Both.of(s, t);
    assertEquals(b.exact().aucRoc(), b.hist().aucRoc(), EPS);
    assertEquals(b.exact().aucPr(), b.hist().aucPr(), EPS);
    assertEquals(1f, b.hist().bestF1Threshold().threshold());
    assertEquals(0.0, b.hist().aucRocErrorBound(), "a bin of one value holds true ties: no error");
    assertEquals(0.0, b.hist().aucPrErrorBound());
  }

  @Test
  void distinctScoresSharingOneBinMakeAnErrorTheBoundCovers() {
    // 100 positives just above 100 negatives, all within 200 ulps of 0.25 (a bin spans 512): exact AUC 1,
    // one bin -> 1/2
    int n = 200;
    float[] s = new float[n];
    byte[] t = new byte[n];
    float x = 0.25f;
    for (int i = 0; i < n; i++) {
      s[i] = x;
      t[i] = (byte) (i >= 100 ? 1 : 0);
      x = Math.nextUp(x);
    }
    Both b = Both.of(s, t);
    assertEquals(1.0, b.exact().aucRoc(), EPS);
    assertEquals(0.5, b.hist().aucRoc(), EPS);
    assertEquals(0.5, b.hist().aucRocErrorBound(), EPS); // the bound is reached here
    assertTrue(b.hist().aucPrErrorBound() > 0);
    b.boundsHold();
  }

  @Test
  void binsFollowTheScoreOrder() {
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < 200_000; i++) {
      float a = (float) Math.pow(r.nextDouble(), 1 + r.nextInt(30));
      float c = r.nextBoolean() ? 1f - a : a;
      float d = Math.nextUp(c);
      if (d <= 1f) {
        assertTrue(ScoreHistogram.bin(c) <= ScoreHistogram.bin(d), c + " vs " + d);
      }
    }
    assertEquals(0, ScoreHistogram.bin(0f));
    assertEquals(ScoreHistogram.BINS - 1, ScoreHistogram.bin(1f));
  }

  @Test
  void memoryDoesNotGrowWithThePixelCount() {
    ScoreHistogram h = new ScoreHistogram();
    long empty = h.binBytes();
    assertEquals(24L * ScoreHistogram.BINS, empty);
    assertEquals(1_277_956, ScoreHistogram.BINS, "about 2^20 bins, as the class comment states");
    SplittableRandom r = new SplittableRandom(5);
    float[] s = new float[1 << 20];
    byte[] t = new byte[s.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = (float) r.nextDouble();
      t[i] = (byte) r.nextInt(2);
    }
    for (int k = 0; k < 8; k++) {
      h.add(s, t, null);
    }
    assertEquals(8L << 20, h.size());
    assertEquals(empty, h.binBytes());
  }

  @Test
  void rejectsScoresOutsideTheUnitIntervalAndEmptyQueries() {
    ScoreHistogram h = new ScoreHistogram();
    assertTrue(Double.isNaN(h.aucRoc()));
    assertTrue(Double.isNaN(h.aucPr()));
    assertThrows(IllegalStateException.class, h::bestF1Threshold);
    assertThrows(IllegalArgumentException.class, () -> h.add(Float.NaN, true));
    assertThrows(IllegalArgumentException.class, () -> h.add(1.0001f, true));
    assertThrows(IllegalArgumentException.class,
        () -> h.add(new float[] {0.2f, -0.1f}, new byte[] {0, 1}, null));
    assertEquals(0, h.size(), "a rejected map adds nothing");
    h.add(new float[] {0.2f, -0.1f}, new byte[] {0, 1}, new byte[] {1, 0}); // outside the FOV: not scored
    assertEquals(1, h.size());
    assertTrue(Double.isNaN(h.aucPr()), "no positives");
    h.add(0.7f, true);
    assertEquals(1.0, h.aucRoc(), EPS);
    assertEquals(1.0, h.aucPr(), EPS);
  }
}
