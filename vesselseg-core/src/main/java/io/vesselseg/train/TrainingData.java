package io.vesselseg.train;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.InputChannels;
import io.vesselseg.data.Resize;
import io.vesselseg.data.Sample;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Normalization;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The photographs a training run learns from, before any network sees them: the seeded split into training and
 * validation images (and the {@code --train-images} subset), the input normalisation computed on the training
 * images, and the one FOV scale they are brought to.
 */
public final class TrainingData {

  private static final Logger LOG = LoggerFactory.getLogger(TrainingData.class);

  private TrainingData() {}

  /**
   * Splits {@code all} into (training, validation): a seeded shuffle of the image indices, of which block
   * {@code fold} (1-based) of {@code validationImages} indices is held out. Folds 1..K (K = size /
   * validationImages) are disjoint; fold 1 is the first {@code validationImages} indices, the split of every
   * earlier version. Both lists keep input order.
   */
  public static List<List<Sample>> split(List<Sample> all, int validationImages, int fold, long seed) {
    if (all.size() <= validationImages) {
      throw new VesselsegException.Data("need more than " + validationImages + " training images to hold "
          + validationImages + " out for validation, found " + all.size());
    }
    int folds = validationImages == 0 ? 1 : all.size() / validationImages;
    if (fold > folds) {
      throw new VesselsegException.Usage("--fold " + fold + " does not exist: " + all.size()
          + " training images make " + folds + " folds of " + validationImages + " (--validation-images); "
          + "use --fold 1.." + folds + ", or hold fewer images out per fold");
    }
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      idx.add(i);
    }
    Collections.shuffle(idx, new Random(seed));
    int from = (fold - 1) * validationImages;
    List<Integer> valIdx = idx.subList(from, from + validationImages).stream().sorted().toList();
    List<Sample> train = new ArrayList<>();
    List<Sample> val = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      (valIdx.contains(i) ? val : train).add(all.get(i));
    }
    return List.of(train, val);
  }

  /**
   * The {@code k} images of {@code train} (what {@link #split} leaves to train on) that a run with {@code
   * --train-images k} trains on: a shuffle seeded by {@code seed}, its first {@code k}, in input order; all of
   * them when {@code k} is 0.
   *
   * @throws VesselsegException.Usage when {@code k} exceeds the images there are
   */
  public static List<Sample> trainingSubset(List<Sample> train, int k, long seed) {
    if (k == 0) {
      return train;
    }
    if (k > train.size()) {
      throw new VesselsegException.Usage("--train-images " + k + ": only " + train.size() + " training images "
          + "are left after the validation images are held out; use --train-images 1.." + train.size()
          + " (or hold fewer out with --validation-images)");
    }
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < train.size(); i++) {
      idx.add(i);
    }
    Collections.shuffle(idx, new Random(seed));
    return idx.subList(0, k).stream().sorted().map(train::get).toList();
  }

  /** Per-channel mean and std over the FOV pixels of {@code images} (RGB input). */
  public static Normalization normalization(List<Sample> images) {
    return normalization(images, InputChannels.RGB);
  }

  /** Per-channel mean and std over the FOV pixels of {@code images} already turned into {@code channels}. */
  public static Normalization normalization(List<Sample> images, InputChannels channels) {
    double[] sum = new double[3];
    double[] sq = new double[3];
    long n = 0;
    for (Sample s : images) {
      int plane = s.pixels();
      byte[] fov = s.fov();
      float[] rgb = s.rgb();
      for (int i = 0; i < plane; i++) {
        if (fov[i] != 0) {
          for (int c = 0; c < 3; c++) {
            double v = rgb[c * plane + i];
            sum[c] += v;
            sq[c] += v * v;
          }
          n++;
        }
      }
    }
    float[] mean = new float[3];
    float[] std = new float[3];
    for (int c = 0; c < 3; c++) {
      double m = sum[c] / Math.max(1, n);
      mean[c] = (float) m;
      std[c] = (float) Math.max(Math.sqrt(Math.max(sq[c] / Math.max(1, n) - m * m, 0)), 1e-3);
    }
    return new Normalization(mean, std, channels.label());
  }

  /**
   * The training photographs at one scale: each whose FOV diameter differs from {@code diameter} by more than
   * {@link Predictor#RESCALE_TOLERANCE} is resampled to it (masks cut at one half), as prediction resamples
   * any photograph, so the network learns vessels at the size it will be shown them. Photographs of one
   * camera, such as DRIVE's (FOV 536–541 px), are all kept as they are.
   */
  static List<Sample> atOneScale(List<Sample> images, int diameter) {
    List<Sample> out = new ArrayList<>();
    int resampled = 0;
    for (Sample s : images) {
      int d = Resize.fovDiameter(s.fov(), s.width(), s.height());
      double scale = d > 0 ? (double) diameter / d : 1;
      boolean resample = Math.abs(scale - 1) > Predictor.RESCALE_TOLERANCE;
      out.add(resample ? Resize.scaled(s, scale) : s);
      resampled += resample ? 1 : 0;
    }
    if (resampled > 0) {
      LOG.info("{} of {} training photographs resampled to a FOV diameter of {} px (--fov-diameter, a fine-tuned "
          + "model's or their median), as prediction resamples every photograph", resampled, images.size(), diameter);
    }
    return out;
  }

  /** Median FOV diameter (pixels) of the training photographs: the scale the model learns at. */
  static int medianFovDiameter(List<Sample> images) {
    int[] d = images.stream().mapToInt(s -> Resize.fovDiameter(s.fov(), s.width(), s.height())).sorted()
        .toArray();
    return d[d.length / 2];
  }
}
