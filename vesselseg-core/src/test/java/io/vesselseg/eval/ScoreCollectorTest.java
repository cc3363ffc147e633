package io.vesselseg.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ScoreCollectorTest {

  private static final double EPS = 1e-12;

  private static ScoreCollector of(float[] scores, int... labels) {
    byte[] truth = new byte[labels.length];
    for (int i = 0; i < labels.length; i++) {
      truth[i] = (byte) labels[i];
    }
    ScoreCollector c = new ScoreCollector();
    c.add(scores, truth, null);
    return c;
  }

  @Test
  void aucRocHandExamples() {
    // pos {0.35, 0.8}, neg {0.1, 0.4}: 0.35>0.1, 0.35<0.4, 0.8>both -> 3/4
    assertEquals(0.75, of(new float[] {0.1f, 0.4f, 0.35f, 0.8f}, 0, 0, 1, 1).aucRoc(), EPS);
    // pos {0.5, 0.9}, neg {0.5, 0.5}: (0.5 vs 0.5) = 1/2 twice, (0.9 vs 0.5) = 1 twice -> 3/4
    assertEquals(0.75, of(new float[] {0.5f, 0.5f, 0.5f, 0.9f}, 0, 1, 0, 1).aucRoc(), EPS);
    assertEquals(0.5, of(new float[] {0.3f, 0.3f, 0.3f, 0.3f, 0.3f}, 0, 1, 0, 1, 1).aucRoc(), EPS);
    assertEquals(1.0, of(new float[] {0.1f, 0.2f, 0.7f, 0.9f}, 0, 0, 1, 1).aucRoc(), EPS);
    assertEquals(0.0, of(new float[] {0.8f, 0.9f, 0.1f, 0.2f}, 0, 0, 1, 1).aucRoc(), EPS);
    // -0.0 and 0.0 are one tie group
    assertEquals(0.5, of(new float[] {-0.0f, 0.0f}, 1, 0).aucRoc(), EPS);
    assertTrue(Double.isNaN(of(new float[] {0.1f, 0.2f}, 1, 1).aucRoc()));
  }

  @Test
  void aucPrHandExamples() {
    // descending 0.9(+) 0.8(-) 0.7(+) 0.6(-), P=2:
    // t=0.9: R=1/2 P=1 -> 0.5; t=0.8: dR=0; t=0.7: R=1 P=2/3 -> 1/3; t=0.6: dR=0. AP = 5/6
    assertEquals(5.0 / 6.0, of(new float[] {0.9f, 0.8f, 0.7f, 0.6f}, 1, 0, 1, 0).aucPr(), EPS);
    // ties: 0.9(+) | 0.5(+,-,-) | 0.1(+), P=3
    // t=0.9: tp=1 fp=0 P=1 dR=1/3 -> 1/3; t=0.5: tp=2 fp=2 P=1/2 dR=1/3 -> 1/6;
    // t=0.1: tp=3 fp=2 P=3/5 dR=1/3 -> 1/5. AP = 1/3 + 1/6 + 1/5 = 0.7
    assertEquals(0.7, of(new float[] {0.9f, 0.5f, 0.5f, 0.5f, 0.1f}, 1, 1, 0, 0, 1).aucPr(), EPS);
    // all scores tied: one threshold, AP = prevalence = 2/5
    assertEquals(0.4, of(new float[] {0.3f, 0.3f, 0.3f, 0.3f, 0.3f}, 0, 1, 0, 1, 0).aucPr(), EPS);
    assertEquals(1.0, of(new float[] {0.1f, 0.2f, 0.7f, 0.9f}, 0, 0, 1, 1).aucPr(), EPS);
    assertTrue(Double.isNaN(of(new float[] {0.1f, 0.2f}, 0, 0).aucPr()));
  }

  @Test
  void bestF1ThresholdHandExample() {
    // descending: 0.9+ 0.8+ 0.7- 0.6+ 0.3- 0.2-, P=3, F1 = 2tp/(2tp+fp+fn):
    // t=0.9: 2/4; t=0.8: 4/5; t=0.7: 4/6; t=0.6: 6/7 (best); t=0.3: 6/8; t=0.2: 6/9
    ScoreCollector c = of(new float[] {0.3f, 0.9f, 0.6f, 0.2f, 0.8f, 0.7f}, 0, 1, 1, 0, 1, 0);
    ScoreCollector.BestThreshold best = c.bestF1Threshold();
    assertEquals(0.6f, best.threshold());
    assertEquals(6.0 / 7.0, best.f1(), EPS);
    assertEquals(new Confusion(3, 1, 0, 2), best.confusion());
    assertEquals(best.confusion(), c.confusionAt(0.6f));
    // 0.9+ 0.5- 0.4+: t=0.9 -> 2/3, t=0.5 -> 2/4, t=0.4 -> 4/5 (best)
    assertEquals(0.4f, of(new float[] {0.9f, 0.5f, 0.4f}, 1, 0, 1).bestF1Threshold().threshold());
    // equal best F1 at two thresholds, the higher wins. 0.9+ 0.5- 0.4- 0.3+: t=0.9 -> 2/3, t=0.3 -> 4/6
    assertEquals(0.9f, of(new float[] {0.9f, 0.5f, 0.4f, 0.3f}, 1, 0, 0, 1).bestF1Threshold().threshold());
    assertThrows(IllegalStateException.class, () -> new ScoreCollector().bestF1Threshold());
  }

  @Test
  void fovAndIncrementalAdds() {
    ScoreCollector c = new ScoreCollector();
    c.add(new float[] {0.1f, 0.4f, 0.99f}, new byte[] {0, 0, 0}, new byte[] {1, 1, 0});
    c.add(0.8f, true);
    c.add(new float[] {0.35f, 0.0f}, new byte[] {1, 1}, new byte[] {1, 0});
    assertEquals(2, c.positives());
    assertEquals(2, c.negatives());
    assertEquals(0.75, c.aucRoc(), EPS);
    c.add(0.05f, true); // adding after a query re-sorts: pos {0.05,0.35,0.8} vs neg {0.1,0.4} -> 3/6
    assertEquals(0.5, c.aucRoc(), EPS);
    assertThrows(IllegalArgumentException.class, () -> c.add(new float[2], new byte[3], null));
  }

  /** Random scores with many ties (quantised to 1/1000) checked against an exact histogram count. */
  @Test
  void aucOnHundredThousandPixelsMatchesHistogramCount() {
    SplittableRandom rnd = new SplittableRandom(7);
    int n = 100_000;
    int bins = 1001;
    float[] prob = new float[n];
    byte[] truth = new byte[n];
    long[] posHist = new long[bins];
    long[] negHist = new long[bins];
    for (int i = 0; i < n; i++) {
      boolean p = rnd.nextDouble() < 0.13;
      double x = rnd.nextDouble() * 0.7 + (p ? 0.3 : 0.0);
      int k = (int) Math.round(x * 1000);
      prob[i] = k / 1000f;
      truth[i] = (byte) (p ? 1 : 0);
      (p ? posHist : negHist)[k]++;
    }
    long twiceU = 0;
    long negBelow = 0;
    long nPos = 0;
    for (int k = 0; k < bins; k++) {
      twiceU += posHist[k] * (2 * negBelow + negHist[k]);
      negBelow += negHist[k];
      nPos += posHist[k];
    }
    double expected = twiceU / (2.0 * nPos * negBelow);
    ScoreCollector c = new ScoreCollector();
    c.add(prob, truth, null);
    assertEquals(expected, c.aucRoc(), 1e-12);
  }

  /** Exact float scores (plus deliberate ties) on 2000 pixels against O(n·m) and O(n·k) brute force. */
  @Test
  void matchesBruteForceOnSubset() {
    SplittableRandom rnd = new SplittableRandom(11);
    int n = 2000;
    float[] prob = new float[n];
    byte[] truth = new byte[n];
    for (int i = 0; i < n; i++) {
      boolean p = rnd.nextDouble() < 0.2;
      prob[i] = i % 7 == 0 ? 0.5f : (float) (rnd.nextDouble() * 0.8 + (p ? 0.2 : 0.0));
      truth[i] = (byte) (p ? 1 : 0);
    }
    double pairs = 0;
    long nPos = 0;
    long nNeg = 0;
    for (int i = 0; i < n; i++) {
      if (truth[i] == 0) {
        nNeg++;
        continue;
      }
      nPos++;
      for (int j = 0; j < n; j++) {
        if (truth[j] == 0) {
          pairs += prob[i] > prob[j] ? 1.0 : prob[i] == prob[j] ? 0.5 : 0.0;
        }
      }
    }
    ScoreCollector c = new ScoreCollector();
    c.add(prob, truth, null);
    assertEquals(pairs / ((double) nPos * nNeg), c.aucRoc(), 1e-12);

    TreeSet<Float> thresholds = new TreeSet<>();
    for (float p : prob) {
      thresholds.add(p);
    }
    double ap = 0;
    double prevRecall = 0;
    double bestF1 = -1;
    float bestT = Float.NaN;
    for (float t : thresholds.descendingSet()) {
      Confusion k = Confusion.of(prob, truth, null, t);
      ap += (k.sensitivity() - prevRecall) * k.precision();
      prevRecall = k.sensitivity();
      if (k.f1() > bestF1) {
        bestF1 = k.f1();
        bestT = t;
      }
    }
    assertEquals(ap, c.aucPr(), 1e-12);
    assertEquals(bestT, c.bestF1Threshold().threshold());
    assertEquals(bestF1, c.bestF1Threshold().f1(), 1e-12);
  }

  /** DRIVE-test-sized input: 20 images × 250k FOV pixels. */
  @Test
  void fiveMillionPixelsTiming() {
    SplittableRandom rnd = new SplittableRandom(3);
    int images = 20;
    int per = 250_000;
    float[][] probs = new float[images][per];
    byte[][] truths = new byte[images][per];
    byte[] fov = new byte[per];
    java.util.Arrays.fill(fov, (byte) 1);
    for (int k = 0; k < images; k++) {
      for (int i = 0; i < per; i++) {
        boolean p = rnd.nextDouble() < 0.12;
        double z = rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() - 1.5 + (p ? 1.5 : 0.0);
        probs[k][i] = (float) (1.0 / (1.0 + Math.exp(-3 * z)));
        truths[k][i] = (byte) (p ? 1 : 0);
      }
    }
    long t0 = System.nanoTime();
    ScoreCollector c = new ScoreCollector();
    for (int k = 0; k < images; k++) {
      c.add(probs[k], truths[k], fov);
    }
    double roc = c.aucRoc();
    double pr = c.aucPr();
    ScoreCollector.BestThreshold best = c.bestF1Threshold();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("ScoreCollector on %d pixels: add+sort+AUC-ROC+AUC-PR+bestF1 in %d ms"
        + " (auc_roc=%.4f auc_pr=%.4f best t=%.4f f1=%.4f)%n", c.size(), ms, roc, pr, best.threshold(), best.f1());
    assertEquals((long) images * per, c.size());
    assertTrue(roc > 0.8 && roc < 1.0, "auc_roc " + roc);
    assertTrue(pr > 0.3 && pr < 1.0, "auc_pr " + pr);
    assertEquals(best.confusion(), c.confusionAt(best.threshold()));
    assertTrue(ms < 30_000, "took " + ms + " ms");
  }
}
