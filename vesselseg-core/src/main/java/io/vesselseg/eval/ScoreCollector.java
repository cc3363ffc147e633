package io.vesselseg.eval;

import java.util.Arrays;

/**
 * Accumulates the (probability, label) pairs of FOV pixels from one or more images and computes exact
 * rank-based curve statistics over them: AUC-ROC, AUC-PR (average precision) and the F1-maximising threshold.
 *
 * <p>Scores are kept as exact floats in two primitive arrays, one per class (4 bytes per pixel, no boxing).
 * The first query sorts both arrays ({@link Arrays#parallelSort}, O(n log n), about a second for 5 million
 * pixels on two cores); every query then walks the distinct scores in descending order in O(n). Adding
 * after a query is allowed and simply re-sorts on the next query. {@code -0.0f} is stored as {@code 0.0f} so
 * that ties agree with the {@code prob >= threshold} rule; NaN probabilities are rejected.
 *
 * <p>AUC values are NaN when one of the classes is empty. Not thread-safe.
 */
public final class ScoreCollector {

  private float[] pos = new float[0];
  private float[] neg = new float[0];
  private int nPos;
  private int nNeg;
  private boolean sorted = true;

  /** Creates an empty collector. */
  public ScoreCollector() {}

  /**
   * Adds every pixel with {@code fov != 0}: its score is {@code prob[i]}, it is positive when
   * {@code truth[i] != 0}.
   *
   * @param fov field-of-view mask, or null to add every pixel
   * @throws IllegalArgumentException when the lengths differ or a probability is NaN
   */
  public void add(float[] prob, byte[] truth, byte[] fov) {
    Confusion.checkLengths(prob, truth, fov);
    int p = 0;
    int n = 0;
    for (int i = 0; i < prob.length; i++) {
      if (fov == null || fov[i] != 0) {
        if (truth[i] != 0) {
          p++;
        } else {
          n++;
        }
      }
    }
    pos = ensure(pos, nPos, p);
    neg = ensure(neg, nNeg, n);
    for (int i = 0; i < prob.length; i++) {
      if (fov == null || fov[i] != 0) {
        float s = prob[i];
        if (s != s) {
          throw new IllegalArgumentException("probability at pixel " + i + " is NaN");
        }
        s += 0.0f; // -0.0f -> 0.0f
        if (truth[i] != 0) {
          pos[nPos++] = s;
        } else {
          neg[nNeg++] = s;
        }
      }
    }
    sorted = false;
  }

  /** Adds one pixel. */
  public void add(float score, boolean positive) {
    if (score != score) {
      throw new IllegalArgumentException("score is NaN");
    }
    score += 0.0f;
    if (positive) {
      pos = ensure(pos, nPos, 1);
      pos[nPos++] = score;
    } else {
      neg = ensure(neg, nNeg, 1);
      neg[nNeg++] = score;
    }
    sorted = false;
  }

  /** Number of positive (vessel) pixels added. */
  public long positives() {
    return nPos;
  }

  /** Number of negative (background) pixels added. */
  public long negatives() {
    return nNeg;
  }

  /** Number of pixels added. */
  public long size() {
    return (long) nPos + nNeg;
  }

  /**
   * Exact area under the ROC curve as the Mann–Whitney statistic: the fraction of (positive, negative)
   * pairs in which the positive scores higher, ties counting 1/2 (equivalent to average ranks). The pair
   * count is accumulated exactly in a {@code long} (doubled to keep the halves integral).
   *
   * @return AUC-ROC in [0,1], or NaN when there are no positives or no negatives
   */
  public double aucRoc() {
    if (nPos == 0 || nNeg == 0) {
      return Double.NaN;
    }
    sort();
    long twiceU = 0;
    int i = nPos - 1;
    int j = nNeg - 1;
    while (i >= 0) {
      float s = j >= 0 ? Math.max(pos[i], neg[j]) : pos[i];
      long ps = 0;
      while (i >= 0 && pos[i] == s) {
        i--;
        ps++;
      }
      long ns = 0;
      while (j >= 0 && neg[j] == s) {
        j--;
        ns++;
      }
      // j + 1 negatives remain, all scoring strictly below s
      twiceU += ps * (2L * (j + 1) + ns);
    }
    return twiceU / (2.0 * nPos * (double) nNeg);
  }

  /**
   * Area under the precision–recall curve as average precision: the sum over distinct thresholds {@code t_k},
   * in descending order, of {@code (R_k − R_{k−1}) · P_k}, where {@code R_k} and {@code P_k} are recall and
   * precision of the rule {@code score >= t_k} (all pixels with equal scores enter at one threshold) and
   * {@code R_0 = 0}. This is the step-wise (non-interpolated) definition of scikit-learn's
   * {@code average_precision_score}.
   *
   * @return AP in [0,1], or NaN when there are no positives
   */
  public double aucPr() {
    if (nPos == 0) {
      return Double.NaN;
    }
    sort();
    double sum = 0;
    long tp = 0;
    long fp = 0;
    int i = nPos - 1;
    int j = nNeg - 1;
    while (i >= 0) {
      float s = j >= 0 ? Math.max(pos[i], neg[j]) : pos[i];
      long ps = 0;
      while (i >= 0 && pos[i] == s) {
        i--;
        ps++;
      }
      while (j >= 0 && neg[j] == s) {
        j--;
        fp++;
      }
      if (ps > 0) {
        tp += ps;
        sum += ps * ((double) tp / (tp + fp));
      }
    }
    return sum / nPos;
  }

  /**
   * The threshold maximising pooled F1 over all distinct scores {@code t} with the rule
   * {@code prob >= t}; among equal F1 values the highest threshold wins. Used to choose the operating point
   * on the validation split.
   *
   * @throws IllegalStateException when nothing was added
   */
  public BestThreshold bestF1Threshold() {
    if (size() == 0) {
      throw new IllegalStateException("no pixels collected: cannot choose a threshold");
    }
    sort();
    double bestF1 = -1;
    float bestT = Float.NaN;
    long bestTp = 0;
    long bestFp = 0;
    long tp = 0;
    long fp = 0;
    int i = nPos - 1;
    int j = nNeg - 1;
    while (i >= 0 || j >= 0) {
      float s;
      if (i < 0) {
        s = neg[j];
      } else if (j < 0) {
        s = pos[i];
      } else {
        s = Math.max(pos[i], neg[j]);
      }
      while (i >= 0 && pos[i] == s) {
        i--;
        tp++;
      }
      while (j >= 0 && neg[j] == s) {
        j--;
        fp++;
      }
      double f1 = 2.0 * tp / (2.0 * tp + fp + (nPos - tp));
      if (f1 > bestF1) {
        bestF1 = f1;
        bestT = s;
        bestTp = tp;
        bestFp = fp;
      }
    }
    Confusion c = new Confusion(bestTp, bestFp, nPos - bestTp, nNeg - bestFp);
    return new BestThreshold(bestT, c.f1(), c);
  }

  /** Pooled confusion counts of the rule {@code score >= threshold} (binary search on the sorted scores). */
  public Confusion confusionAt(float threshold) {
    if (Float.isNaN(threshold)) {
      throw new IllegalArgumentException("threshold is NaN");
    }
    sort();
    long tp = nPos - lowerBound(pos, nPos, threshold);
    long fp = nNeg - lowerBound(neg, nNeg, threshold);
    return new Confusion(tp, fp, nPos - tp, nNeg - fp);
  }

  /** First index in {@code a[0..n)} whose value is {@code >= key} (numeric comparison). */
  private static int lowerBound(float[] a, int n, float key) {
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private void sort() {
    if (!sorted) {
      Arrays.parallelSort(pos, 0, nPos);
      Arrays.parallelSort(neg, 0, nNeg);
      sorted = true;
    }
  }

  private static float[] ensure(float[] a, int used, int extra) {
    long need = (long) used + extra;
    if (need > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("too many pixels for one collector: " + need);
    }
    if (need <= a.length) {
      return a;
    }
    long cap = Math.max(need, Math.min(Integer.MAX_VALUE - 8L, Math.max(16L, (long) a.length * 3 / 2)));
    return Arrays.copyOf(a, (int) cap);
  }

  /**
   * The F1-maximising operating point.
   *
   * @param threshold the chosen probability threshold (predict vessel when {@code prob >= threshold})
   * @param f1        pooled F1 at that threshold
   * @param confusion pooled confusion counts at that threshold
   */
  public record BestThreshold(float threshold, double f1, Confusion confusion) {}
}
