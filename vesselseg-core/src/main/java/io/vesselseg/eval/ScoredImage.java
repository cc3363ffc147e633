package io.vesselseg.eval;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.Sample;

/**
 * One image to score: per-pixel vessel probabilities with the reference and FOV masks, all of the same length
 * and in the same (row-major) order.
 *
 * @param id    image id used in reports
 * @param prob  vessel probabilities (or 0/1 for a binary mask, see {@link #ofMask})
 * @param truth reference vessel mask, 0/1
 * @param fov   field-of-view mask, 0/1; only pixels with {@code fov != 0} are scored
 */
public record ScoredImage(String id, float[] prob, byte[] truth, byte[] fov) {

  public ScoredImage {
    if (id == null || fov == null) {
      throw new IllegalArgumentException("image id and fov mask are required");
    }
    try {
      Confusion.checkLengths(prob, truth, fov);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("image " + id + ": " + e.getMessage(), e);
    }
  }

  /**
   * Wraps a binary prediction (e.g. the 2nd observer's mask) as probabilities 0/1, to be scored with threshold
   * 0.5. Its AUC-ROC is then the area under the single-point ROC curve, {@code (Se + Sp) / 2}, and its AUC-PR is
   * {@code Se · P + (1 − Se) · prevalence} (the two-threshold average precision) - threshold-free only in name.
   */
  public static ScoredImage ofMask(String id, byte[] mask, byte[] truth, byte[] fov) {
    if (mask == null) {
      throw new IllegalArgumentException("image " + id + ": mask must not be null");
    }
    float[] prob = new float[mask.length];
    for (int i = 0; i < mask.length; i++) {
      prob[i] = mask[i] != 0 ? 1f : 0f;
    }
    return new ScoredImage(id, prob, truth, fov);
  }

  /**
   * Pairs a model's probabilities with a sample's 1st-observer reference and FOV.
   *
   * @throws VesselsegException.Data when the sample has no reference mask or the sizes disagree
   */
  public static ScoredImage of(Sample sample, float[] prob) {
    if (sample.vessel() == null) {
      throw new VesselsegException.Data("sample " + sample.id() + " has no reference vessel mask to score against;"
          + " evaluate only labelled images");
    }
    if (prob == null || prob.length != sample.pixels()) {
      throw new VesselsegException.Data("sample " + sample.id() + ": prediction has "
          + (prob == null ? "no" : String.valueOf(prob.length)) + " values, expected " + sample.pixels()
          + " (" + sample.width() + "x" + sample.height() + ")");
    }
    return new ScoredImage(sample.id(), prob, sample.vessel(), sample.fov());
  }

  /**
   * The 2nd observer's mask of a sample scored against the 1st observer's, as a binary prediction.
   *
   * @throws VesselsegException.Data when either mask is missing
   */
  public static ScoredImage secondObserver(Sample sample) {
    if (sample.vessel() == null || sample.vessel2() == null) {
      throw new VesselsegException.Data("sample " + sample.id() + " needs both the 1st and the 2nd observer's"
          + " masks to score the human reference; score the 2nd observer only on images that have one"
          + " (in DRIVE, the test images)");
    }
    return ofMask(sample.id(), sample.vessel2(), sample.vessel(), sample.fov());
  }
}
