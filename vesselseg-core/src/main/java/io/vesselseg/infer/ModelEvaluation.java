package io.vesselseg.infer;

import io.vesselseg.data.Sample;
import io.vesselseg.eval.Evaluation;
import io.vesselseg.eval.EvaluationReport;
import io.vesselseg.eval.ScoredImage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@code evaluate} service: predicts every image of a split and scores it inside the FOV against the
 * 1st observer at the model's own threshold (chosen on validation images during training). Optionally
 * scores the 2nd observer the same way, as the human reference.
 */
public final class ModelEvaluation {

  /** The model's report, the human reference (null when not asked for), and the probability maps. */
  public record Result(EvaluationReport model, EvaluationReport human, List<float[]> probabilities) {}

  private ModelEvaluation() {}

  public static Result run(Predictor predictor, List<Sample> samples, float threshold, boolean human,
      Consumer<String> progress) {
    return run(predictor, samples, threshold, human, 0, progress);
  }

  /**
   * As above; with {@code modelFovDiameter > 0} each photograph is first resampled so that its FOV has that
   * diameter (the training set's), and the probabilities are resampled back to score at full resolution.
   */
  public static Result run(Predictor predictor, List<Sample> samples, float threshold, boolean human,
      double modelFovDiameter, Consumer<String> progress) {
    List<ScoredImage> scored = new ArrayList<>();
    List<float[]> probs = new ArrayList<>();
    for (Sample s : samples) {
      float[] p = predictor.probabilities(s, modelFovDiameter);
      probs.add(p);
      scored.add(ScoredImage.of(s, p));
      progress.accept(s.id());
    }
    EvaluationReport model = Evaluation.evaluate("model", scored, threshold);
    EvaluationReport ref = null;
    if (human) {
      List<ScoredImage> second = new ArrayList<>();
      for (Sample s : samples) {
        second.add(ScoredImage.secondObserver(s));
      }
      ref = Evaluation.evaluateBinary("2nd observer", second);
    }
    return new Result(model, ref, probs);
  }
}
