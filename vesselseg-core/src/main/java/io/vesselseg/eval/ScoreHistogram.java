package io.vesselseg.eval;

/**
 * Pooled AUC-ROC, AUC-PR (average precision) and the F1-maximising threshold over any number of pixels in
 * fixed memory: counts per class in 1,277,956 ({@link #BINS}) bins of the score range [0,1], and each bin's
 * smallest and largest score (two {@code long[]} and two {@code float[]}, about 31 MB, whatever the pixel
 * count). {@link ScoreCollector} is the exact version that keeps every score (4 bytes per pixel); this is the
 * one to pool a whole set with.
 *
 * <p><b>Bins.</b> A score {@code s < 0.5} is binned on the bits of {@code s}, a score {@code s >= 0.5} on the
 * bits of {@code 1 - s} (exact in float for {@code s} in [0.5, 1]), keeping the exponent and the top 14
 * mantissa bits: every bin spans a relative width of 2^-14 of its distance to 0 or to 1, so the resolution is
 * finest where sigmoid outputs crowd; distances below 2^-40 share one bin at each end. Bins are ordered by
 * score, so the rule {@code score >= t} with {@code t} a bin's smallest score counts whole bins.
 *
 * <p><b>Error.</b> Scores in different bins are ordered correctly; two scores in one bin are treated as tied.
 * The exact Mann–Whitney AUC counts a (positive, negative) pair as 1, ½ or 0; the histogram counts a pair that
 * shares bin {@code b} as ½, so {@code |AUC − exact| <= Σ_b pos_b·neg_b / (2·P·N)}
 * ({@link #aucRocErrorBound()}), the sum taken over the bins whose smallest and largest score differ (a bin of
 * one value holds true ties, which the exact statistic counts ½ too). For average precision, the positives of
 * bin {@code b} enter the exact sum at precisions between {@code lo_b = (TP_b+1)/(TP_b+1+FP_b+neg_b)} and
 * {@code hi_b = (TP_b+pos_b)/(TP_b+pos_b+FP_b)} ({@code TP_b, FP_b}: counts in the bins above), and the
 * histogram's value lies in the same interval, so {@code |AP − exact| <= Σ_b pos_b·(hi_b − lo_b) / P} over the
 * same bins ({@link #aucPrErrorBound()}). Both bounds are computed at run time from the counts; they are 0 when
 * no bin holds two distinct scores. The best threshold is chosen among the bins' smallest scores, so its F1 and
 * confusion are exact for it (and it is the exact collector's choice whenever the F1-maximising bin holds one
 * distinct score). On the DRIVE test set (4.5 M pixels) the bounds were 2.0e-7 (AUC-ROC) and 1.7e-6 (AUC-PR).
 *
 * <p>Scores must lie in [0,1] ({@code -0.0f} counts as 0); NaN or anything outside is rejected. AUCs are NaN when
 * a class is empty. Not thread-safe.
 */
public final class ScoreHistogram {

  /** Mantissa bits dropped: 23 − 9 = 14 kept. */
  private static final int SHIFT = 9;
  /** Distances to 0 or 1 below this share the end bins. */
  private static final int LOW_BITS = Float.floatToRawIntBits(0x1p-40f);
  /** Bins per half ([0, 0.5) and [0.5, 1]): the below-2^-40 bin, then up to 0.5 inclusive. */
  private static final int HALF = 2 + ((Float.floatToRawIntBits(0.5f) - LOW_BITS) >>> SHIFT);
  /** Number of bins. */
  public static final int BINS = 2 * HALF;

  private final long[] pos = new long[BINS];
  private final long[] neg = new long[BINS];
  private final float[] min = new float[BINS];
  private final float[] max = new float[BINS];
  private long nPos;
  private long nNeg;

  /** Creates an empty histogram. */
  public ScoreHistogram() {
    java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
    java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
  }

  /**
   * Adds every pixel with {@code fov != 0}: its score is {@code prob[i]}, it is positive when
   * {@code truth[i] != 0}.
   *
   * @param fov field-of-view mask, or null to add every pixel
   * @throws IllegalArgumentException when the lengths differ or a probability is NaN or outside [0,1]
   */
  public void add(float[] prob, byte[] truth, byte[] fov) {
    Confusion.checkLengths(prob, truth, fov);
    for (int i = 0; i < prob.length; i++) { // checked first: a rejected map adds nothing
      float s = prob[i];
      if (!(s >= 0f && s <= 1f) && (fov == null || fov[i] != 0)) {
        throw new IllegalArgumentException("probability at pixel " + i + " is " + s + ", expected [0,1]");
      }
    }
    for (int i = 0; i < prob.length; i++) {
      if (fov == null || fov[i] != 0) {
        count(prob[i], truth[i] != 0);
      }
    }
  }

  private void count(float score, boolean positive) {
    float s = score + 0.0f; // -0.0f -> 0.0f
    int b = bin(s);
    if (positive) {
      pos[b]++;
      nPos++;
    } else {
      neg[b]++;
      nNeg++;
    }
    min[b] = Math.min(min[b], s);
    max[b] = Math.max(max[b], s);
  }

  /** Adds one pixel. */
  public void add(float score, boolean positive) {
    if (!(score >= 0f && score <= 1f)) {
      throw new IllegalArgumentException("score is " + score + ", expected [0,1]");
    }
    count(score, positive);
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
    return nPos + nNeg;
  }

  /** Bytes held by the bins: fixed, {@code 24 · BINS}, whatever was added. */
  public long binBytes() {
    return 8L * (pos.length + neg.length) + 4L * (min.length + max.length);
  }

  /** True when bin {@code b} holds two distinct scores (only such bins can make an error). */
  private boolean mixed(int b) {
    return min[b] < max[b];
  }

  /**
   * AUC-ROC as the Mann–Whitney statistic over bins (pairs within a bin count ½).
   *
   * @return AUC-ROC in [0,1], or NaN when there are no positives or no negatives
   */
  public double aucRoc() {
    if (nPos == 0 || nNeg == 0) {
      return Double.NaN;
    }
    double twiceU = 0;
    long negBelow = 0;
    for (int b = 0; b < BINS; b++) {
      if (pos[b] != 0) {
        twiceU += (double) pos[b] * (2.0 * negBelow + neg[b]);
      }
      negBelow += neg[b];
    }
    return twiceU / (2.0 * nPos * (double) nNeg);
  }

  /** Upper bound of {@code |aucRoc() − exact AUC-ROC|}: {@code Σ pos_b·neg_b / (2PN)}; NaN when AUC is. */
  public double aucRocErrorBound() {
    if (nPos == 0 || nNeg == 0) {
      return Double.NaN;
    }
    double ties = 0;
    for (int b = 0; b < BINS; b++) {
      if (mixed(b)) {
        ties += (double) pos[b] * neg[b];
      }
    }
    return ties / (2.0 * nPos * (double) nNeg);
  }

  /**
   * Average precision with each bin one threshold: {@code Σ_b pos_b · precision(score >= bin b) / P}, the
   * step-wise definition of {@link ScoreCollector#aucPr()}.
   *
   * @return AP in [0,1], or NaN when there are no positives
   */
  public double aucPr() {
    return averagePrecision(false);
  }

  /** Upper bound of {@code |aucPr() − exact AP|} (see the class comment); NaN when AP is. */
  public double aucPrErrorBound() {
    return averagePrecision(true);
  }

  private double averagePrecision(boolean bound) {
    if (nPos == 0) {
      return Double.NaN;
    }
    double sum = 0;
    long tp = 0;
    long fp = 0;
    for (int b = BINS - 1; b >= 0; b--) {
      long p = pos[b];
      if (p != 0 && !bound) {
        sum += p * ((double) (tp + p) / (tp + p + fp + neg[b]));
      } else if (p != 0 && mixed(b)) {
        double hi = (double) (tp + p) / (tp + p + fp);
        double lo = (double) (tp + 1) / (tp + 1 + fp + neg[b]);
        sum += p * (hi - lo);
      }
      tp += p;
      fp += neg[b];
    }
    return sum / nPos;
  }

  /**
   * The threshold {@code t}, among the bins' smallest scores, maximising pooled F1 of the rule
   * {@code prob >= t}; among equal F1 values the highest threshold wins. Its F1 and confusion are exact.
   *
   * @throws IllegalStateException when nothing was added
   */
  public ScoreCollector.BestThreshold bestF1Threshold() {
    if (size() == 0) {
      throw new IllegalStateException("no pixels collected: cannot choose a threshold");
    }
    double bestF1 = -1;
    int bestBin = -1;
    long bestTp = 0;
    long bestFp = 0;
    long tp = 0;
    long fp = 0;
    for (int b = BINS - 1; b >= 0; b--) {
      if (pos[b] == 0 && neg[b] == 0) {
        continue;
      }
      tp += pos[b];
      fp += neg[b];
      double f1 = 2.0 * tp / (2.0 * tp + fp + (nPos - tp));
      if (f1 > bestF1) {
        bestF1 = f1;
        bestBin = b;
        bestTp = tp;
        bestFp = fp;
      }
    }
    Confusion c = new Confusion(bestTp, bestFp, nPos - bestTp, nNeg - bestFp);
    return new ScoreCollector.BestThreshold(min[bestBin], c.f1(), c);
  }

  /** The bin of a score in [0,1]; monotone non-decreasing in the score. */
  static int bin(float s) {
    return s < 0.5f ? half(s) : BINS - 1 - half(1f - s);
  }

  /** Bin of a distance {@code t} in [0, 0.5] within one half. */
  private static int half(float t) {
    int bits = Float.floatToRawIntBits(t + 0.0f);
    return bits < LOW_BITS ? 0 : 1 + ((bits - LOW_BITS) >>> SHIFT);
  }
}
