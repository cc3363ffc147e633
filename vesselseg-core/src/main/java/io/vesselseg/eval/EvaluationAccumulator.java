package io.vesselseg.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * An {@link Evaluation} built one image at a time, so that a set of any size is scored while holding one
 * image: each {@link #add} computes the image's own figures (exact, {@link ScoreCollector} over its FOV pixels)
 * and adds its pixels to the pooled {@link ScoreHistogram}; the caller may then drop the image. What stays is
 * one small {@link ImageScore} per image and the histogram's fixed ~31 MB. Pooled confusion counts are exact;
 * pooled AUCs come with the histogram's error bounds ({@link EvaluationReport#aucRocErrorBound()}).
 */
public final class EvaluationAccumulator {

  private final String label;
  private final float threshold;
  private final ScoreHistogram pooled = new ScoreHistogram();
  private final List<ImageScore> perImage = new ArrayList<>();
  private Confusion total = Confusion.ZERO;

  /**
   * @param label     row label for the report, e.g. "model" or "2nd observer"
   * @param threshold decision threshold (predict vessel when {@code prob >= threshold})
   * @throws IllegalArgumentException when the threshold is NaN
   */
  public EvaluationAccumulator(String label, float threshold) {
    if (Float.isNaN(threshold)) {
      throw new IllegalArgumentException("threshold is NaN");
    }
    this.label = label;
    this.threshold = threshold;
  }

  /** Scores one image and pools its FOV pixels; the image is not kept. */
  public void add(ScoredImage im) {
    Confusion c = Confusion.of(im.prob(), im.truth(), im.fov(), threshold);
    ScoreCollector own = new ScoreCollector();
    own.add(im.prob(), im.truth(), im.fov());
    pooled.add(im.prob(), im.truth(), im.fov());
    perImage.add(new ImageScore(im.id(), c, own.aucRoc(), own.aucPr()));
    total = total.plus(c);
  }

  /** Number of images added. */
  public int images() {
    return perImage.size();
  }

  /** The last image's scores (after {@link #add}). */
  public ImageScore last() {
    return perImage.get(perImage.size() - 1);
  }

  /**
   * The report over every image added so far.
   *
   * @throws IllegalArgumentException when no image was added
   */
  public EvaluationReport report() {
    if (perImage.isEmpty()) {
      throw new IllegalArgumentException("no images to evaluate for '" + label + "'");
    }
    List<Metrics> rows = new ArrayList<>(perImage.size());
    for (ImageScore s : perImage) {
      rows.add(s.metrics());
    }
    return new EvaluationReport(label, threshold, total, Metrics.of(total, pooled.aucRoc(), pooled.aucPr()),
        Metrics.mean(rows), perImage, pooled.aucRocErrorBound(), pooled.aucPrErrorBound());
  }
}
