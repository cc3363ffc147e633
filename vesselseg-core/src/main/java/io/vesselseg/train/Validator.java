package io.vesselseg.train;

/** Scores the current model on held-out images; called by the {@link Trainer} after each epoch. */
public interface Validator {

  /**
   * Validation figures: pooled FOV F1 at the F1-maximising threshold (which is returned), exact AUC-ROC,
   * and mean binary cross-entropy over FOV pixels.
   */
  record Result(double f1, double auc, float threshold, double loss) {}

  Result validate();
}
