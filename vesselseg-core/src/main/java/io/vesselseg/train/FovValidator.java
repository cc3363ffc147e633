package io.vesselseg.train;

import io.vesselseg.data.Sample;
import io.vesselseg.eval.ScoreCollector;
import io.vesselseg.eval.ScoreHistogram;
import io.vesselseg.infer.Predictor;
import java.util.List;

/**
 * Validates on held-out training images: whole-image prediction, then pooled FOV F1 at the F1-maximising
 * threshold, AUC-ROC and mean BCE inside the FOV, the pixels pooled in a fixed-size {@link ScoreHistogram}.
 * The threshold chosen here is the one shipped with the model, so the test split never influences it.
 */
public final class FovValidator implements Validator {

  private final Predictor predictor;
  private final List<Sample> images;
  private final double modelFovDiameter;
  private volatile List<float[]> lastProbabilities = List.of();

  /**
   * Validates as inference predicts: each photograph resampled so that its FOV diameter matches
   * {@code modelFovDiameter} (the training photographs', see {@link Predictor}; 0: as they are), the map
   * scored at the photograph's own size.
   */
  public FovValidator(Predictor predictor, List<Sample> images, double modelFovDiameter) {
    this.predictor = predictor;
    this.images = images;
    this.modelFovDiameter = modelFovDiameter;
  }

  /** The validation images, in the order of {@link #lastProbabilities()}. */
  public List<Sample> images() {
    return images;
  }

  /** Probability maps of the latest {@link #validate()} call (empty before the first). */
  public List<float[]> lastProbabilities() {
    return lastProbabilities;
  }

  @Override
  public Result validate() {
    ScoreHistogram scores = new ScoreHistogram();
    List<float[]> probabilities = new java.util.ArrayList<>();
    double bce = 0;
    long n = 0;
    for (Sample s : images) {
      float[] p = predictor.probabilities(s, modelFovDiameter);
      probabilities.add(p);
      scores.add(p, s.vessel(), s.fov());
      byte[] fov = s.fov();
      byte[] v = s.vessel();
      for (int i = 0; i < p.length; i++) {
        if (fov[i] != 0) {
          double q = Math.min(Math.max(p[i], 1e-7), 1 - 1e-7);
          bce -= v[i] != 0 ? Math.log(q) : Math.log(1 - q);
          n++;
        }
      }
    }
    lastProbabilities = List.copyOf(probabilities);
    ScoreCollector.BestThreshold best = scores.bestF1Threshold();
    return new Result(best.f1(), scores.aucRoc(), best.threshold(), bce / Math.max(1, n));
  }
}
