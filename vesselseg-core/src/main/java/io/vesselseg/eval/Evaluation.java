package io.vesselseg.eval;

import java.util.List;

/**
 * Scores a set of images the way the retinal-vessel literature does: inside the FOV only, vessels positive,
 * reporting both pooled figures (all FOV pixels of all images as one population) and the mean over images of
 * each image's own figures.
 */
public final class Evaluation {

  /** Threshold used for binary (0/1) predictions such as the 2nd observer's mask. */
  public static final float BINARY_THRESHOLD = 0.5f;

  private Evaluation() {}

  /**
   * Scores probability maps at a fixed threshold (predict vessel when {@code prob >= threshold}).
   *
   * @param label     row label for the report, e.g. "model" or "2nd observer"
   * @param images    the images; each image's AUCs use only its own FOV pixels, pooled AUCs use all of them
   *                  (from a {@link ScoreHistogram}, with its error bounds; see {@link EvaluationAccumulator}
   *                  to score images one at a time)
   * @param threshold decision threshold, typically {@link #chooseThreshold} on validation
   * @throws IllegalArgumentException when there are no images, the threshold is NaN or arrays are inconsistent
   */
  public static EvaluationReport evaluate(String label, List<ScoredImage> images, float threshold) {
    if (images == null || images.isEmpty()) {
      throw new IllegalArgumentException("no images to evaluate for '" + label + "'");
    }
    if (Float.isNaN(threshold)) {
      throw new IllegalArgumentException("threshold is NaN");
    }
    EvaluationAccumulator acc = new EvaluationAccumulator(label, threshold);
    images.forEach(acc::add);
    return acc.report();
  }

  /**
   * Scores binary predictions (e.g. images built with {@link ScoredImage#ofMask} or
   * {@link ScoredImage#secondObserver}) at threshold {@link #BINARY_THRESHOLD}. Their AUCs are single-point
   * areas, see {@link ScoredImage#ofMask}.
   */
  public static EvaluationReport evaluateBinary(String label, List<ScoredImage> images) {
    return evaluate(label, images, BINARY_THRESHOLD);
  }

  /**
   * Chooses the threshold maximising pooled F1 over the FOV pixels of the given (validation) images (see
   * {@link ScoreHistogram#bestF1Threshold()}).
   *
   * @throws IllegalArgumentException when there are no images
   */
  public static ScoreCollector.BestThreshold chooseThreshold(List<ScoredImage> images) {
    if (images == null || images.isEmpty()) {
      throw new IllegalArgumentException("no images to choose a threshold on");
    }
    ScoreHistogram pooled = new ScoreHistogram();
    for (ScoredImage im : images) {
      pooled.add(im.prob(), im.truth(), im.fov());
    }
    return pooled.bestF1Threshold();
  }
}
