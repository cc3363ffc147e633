package io.vesselseg.infer;

import io.vesselseg.data.Sample;
import io.vesselseg.eval.EvaluationAccumulator;
import io.vesselseg.eval.EvaluationReport;
import io.vesselseg.eval.Evaluation;
import io.vesselseg.eval.ImageScore;
import io.vesselseg.eval.ScoredImage;
import java.util.function.Consumer;

/**
 * The {@code evaluate} service: predicts every image of a split and scores it inside the FOV against the
 * 1st observer at the model's own threshold (chosen on validation images during training). Optionally
 * scores the 2nd observer the same way, as the human reference.
 *
 * <p>Photographs stream through one at a time (load, predict, score, hand to the {@link ImageSink}, drop): with
 * a lazy {@link io.vesselseg.data.SampleSource} the memory held is one photograph, its map, the per-image
 * scores and the pooled score histograms, whatever the set's size.
 */
public final class ModelEvaluation {

  /** The model's report and the human reference (null when not asked for). */
  public record Result(EvaluationReport model, EvaluationReport human) {}

  /** Hears of each photograph after it is scored, while its probability map is still at hand. */
  @FunctionalInterface
  public interface ImageSink {
    void accept(Sample sample, float[] probabilities, ImageScore score);
  }

  private ModelEvaluation() {}

  public static Result run(Predictor predictor, Iterable<Sample> samples, float threshold, boolean human,
      Consumer<String> progress) {
    return run(predictor, samples, threshold, human, 0, progress);
  }

  /**
   * As above; with {@code modelFovDiameter > 0} each photograph is first resampled so that its FOV has that
   * diameter (the training set's), and the probabilities are resampled back to score at full resolution.
   */
  public static Result run(Predictor predictor, Iterable<Sample> samples, float threshold, boolean human,
      double modelFovDiameter, Consumer<String> progress) {
    return run(predictor, samples, threshold, human, modelFovDiameter, (s, p, score) -> progress.accept(s.id()));
  }

  /** As above, handing each photograph, its map and its scores to {@code sink} before dropping them. */
  public static Result run(Predictor predictor, Iterable<Sample> samples, float threshold, boolean human,
      double modelFovDiameter, ImageSink sink) {
    return run(s -> predictor.probabilities(s, modelFovDiameter), samples, threshold, human, sink);
  }

  /** As above with the probabilities of each photograph from {@code predict}. */
  public static Result run(java.util.function.Function<Sample, float[]> predict, Iterable<Sample> samples,
      float threshold, boolean human, ImageSink sink) {
    EvaluationAccumulator model = new EvaluationAccumulator("model", threshold);
    EvaluationAccumulator second = human
        ? new EvaluationAccumulator("2nd observer", Evaluation.BINARY_THRESHOLD) : null;
    for (Sample s : samples) {
      float[] p = predict.apply(s);
      model.add(ScoredImage.of(s, p));
      if (second != null) {
        second.add(ScoredImage.secondObserver(s));
      }
      sink.accept(s, p, model.last());
    }
    return new Result(model.report(), second == null ? null : second.report());
  }
}
