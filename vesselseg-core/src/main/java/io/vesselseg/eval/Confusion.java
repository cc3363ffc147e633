package io.vesselseg.eval;

/**
 * Pixel confusion counts of a binary vessel segmentation, scored inside the field-of-view (FOV) mask only;
 * vessel pixels are the positives.
 *
 * <p>Every ratio returns 0 when its denominator is 0 (e.g. {@link #precision()} of an empty prediction).
 * All arithmetic is done in {@code double}, so products of large counts cannot overflow.
 *
 * @param tp vessel pixels predicted vessel
 * @param fp background pixels predicted vessel
 * @param fn vessel pixels predicted background
 * @param tn background pixels predicted background
 */
public record Confusion(long tp, long fp, long fn, long tn) {

  /** All counts zero; the identity of {@link #plus(Confusion)}. */
  public static final Confusion ZERO = new Confusion(0, 0, 0, 0);

  public Confusion {
    if (tp < 0 || fp < 0 || fn < 0 || tn < 0) {
      throw new IllegalArgumentException(
          "confusion counts must be non-negative, got tp=" + tp + " fp=" + fp + " fn=" + fn + " tn=" + tn);
    }
  }

  /**
   * Counts one image. A pixel is predicted positive when {@code prob >= threshold}; it is a true vessel pixel
   * when {@code truth != 0}; only pixels with {@code fov != 0} count (masks are 0/1).
   *
   * @param prob      vessel probabilities, one per pixel
   * @param truth     reference mask (0/1), same length
   * @param fov       field-of-view mask (0/1), same length, or null to count every pixel
   * @param threshold decision threshold
   * @throws IllegalArgumentException when the lengths differ or a probability is NaN
   */
  public static Confusion of(float[] prob, byte[] truth, byte[] fov, float threshold) {
    checkLengths(prob, truth, fov);
    if (Float.isNaN(threshold)) {
      throw new IllegalArgumentException("threshold is NaN");
    }
    long tp = 0;
    long fp = 0;
    long fn = 0;
    long tn = 0;
    for (int i = 0; i < prob.length; i++) {
      if (fov != null && fov[i] == 0) {
        continue;
      }
      float p = prob[i];
      if (p != p) {
        throw new IllegalArgumentException("probability at pixel " + i + " is NaN");
      }
      boolean predicted = VesselMask.isVessel(p, threshold);
      if (truth[i] != 0) {
        if (predicted) {
          tp++;
        } else {
          fn++;
        }
      } else if (predicted) {
        fp++;
      } else {
        tn++;
      }
    }
    return new Confusion(tp, fp, fn, tn);
  }

  /**
   * Checks that probability, truth and (optional) FOV arrays have the same length.
   *
   * @throws IllegalArgumentException naming the lengths when they differ or an array is null
   */
  static void checkLengths(float[] prob, byte[] truth, byte[] fov) {
    if (prob == null || truth == null) {
      throw new IllegalArgumentException("prob and truth must not be null");
    }
    if (prob.length != truth.length || (fov != null && fov.length != prob.length)) {
      throw new IllegalArgumentException("array lengths differ: prob has " + prob.length + " values, truth has "
          + truth.length + (fov == null ? "" : ", fov has " + fov.length));
    }
  }

  /** Element-wise sum, for pooling images. */
  public Confusion plus(Confusion other) {
    return new Confusion(tp + other.tp, fp + other.fp, fn + other.fn, tn + other.tn);
  }

  /** Number of scored (FOV) pixels. */
  public long total() {
    return tp + fp + fn + tn;
  }

  /** Number of reference vessel pixels, {@code tp + fn}. */
  public long positives() {
    return tp + fn;
  }

  /** Number of reference background pixels, {@code tn + fp}. */
  public long negatives() {
    return tn + fp;
  }

  /** F1 score, equal to the Dice coefficient: {@code 2tp / (2tp + fp + fn)}. */
  public double f1() {
    return ratio(2.0 * tp, 2.0 * tp + fp + fn);
  }

  /** Intersection over union (Jaccard): {@code tp / (tp + fp + fn)}. */
  public double iou() {
    return ratio(tp, (double) tp + fp + fn);
  }

  /** Accuracy: {@code (tp + tn) / total}. */
  public double accuracy() {
    return ratio((double) tp + tn, total());
  }

  /** Sensitivity (recall, true positive rate): {@code tp / (tp + fn)}. */
  public double sensitivity() {
    return ratio(tp, (double) tp + fn);
  }

  /** Specificity (true negative rate): {@code tn / (tn + fp)}. */
  public double specificity() {
    return ratio(tn, (double) tn + fp);
  }

  /** Precision (positive predictive value): {@code tp / (tp + fp)}. */
  public double precision() {
    return ratio(tp, (double) tp + fp);
  }

  /**
   * Matthews correlation coefficient, {@code (tp·tn − fp·fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn))}; 0 when any
   * factor of the denominator is 0.
   */
  public double mcc() {
    double a = (double) tp + fp;
    double b = (double) tp + fn;
    double c = (double) tn + fp;
    double d = (double) tn + fn;
    if (a == 0 || b == 0 || c == 0 || d == 0) {
      return 0;
    }
    double num = (double) tp * tn - (double) fp * fn;
    return num / (Math.sqrt(a) * Math.sqrt(b) * Math.sqrt(c) * Math.sqrt(d));
  }

  private static double ratio(double num, double den) {
    return den == 0 ? 0 : num / den;
  }
}
