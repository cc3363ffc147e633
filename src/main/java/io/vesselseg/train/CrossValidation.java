package io.vesselseg.train;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.Sample;
import io.vesselseg.eval.Confusion;
import io.vesselseg.eval.ScoreCollector;
import io.vesselseg.infer.Models;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.Tta;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * K-fold cross-validation of a recipe on training data: the runs of {@code train --fold 1..K} each predict
 * the images they held out, and those out-of-fold predictions are scored per fold and pooled. The pooled
 * figure covers every held-out image once, so it is a steadier yardstick for comparing recipes than one run's
 * three validation images. The runs must share their recipe and hold out disjoint images.
 */
public final class CrossValidation {

  /** One fold: its model, held-out images, its own threshold, and its scores on those images. */
  public record Fold(String model, int fold, List<String> validation, float threshold, Confusion confusion,
      double auc) {

    public double f1() {
      return confusion.f1();
    }
  }

  /**
   * The folds, the out-of-fold pixels pooled over all of them (each fold thresholded at its own threshold),
   * their AUC-ROC, and the one threshold that maximises the pooled F1 with the F1 it reaches.
   */
  public record Result(Tta tta, int trainingImages, List<Fold> folds, Confusion pooled, double pooledAuc,
      float bestThreshold, double bestF1) {

    public double meanF1() {
      return folds.stream().mapToDouble(Fold::f1).average().orElse(Double.NaN);
    }

    /** Sample standard deviation of the fold F1s. */
    public double sdF1() {
      double m = meanF1();
      double ss = folds.stream().mapToDouble(f -> (f.f1() - m) * (f.f1() - m)).sum();
      return Math.sqrt(ss / Math.max(1, folds.size() - 1));
    }

    public String toTable() {
      StringBuilder b = new StringBuilder();
      int held = folds.stream().mapToInt(f -> f.validation().size()).sum();
      b.append(String.format(Locale.ROOT, "cross-validation: %d folds, %d of %d training images held out once "
          + "(test-time augmentation: %s)%n", folds.size(), held, trainingImages, tta.label()));
      b.append(String.format(Locale.ROOT, "%-5s %-9s %-7s %-7s %s%n", "fold", "threshold", "F1", "AUC-ROC",
          "held-out images / model"));
      for (Fold f : folds) {
        b.append(String.format(Locale.ROOT, "%-5d %-9.3f %-7.4f %-7.4f %s  %s%n", f.fold(), f.threshold(),
            f.f1(), f.auc(), String.join(" ", f.validation()), f.model()));
      }
      b.append(String.format(Locale.ROOT, "fold F1 mean %.4f, sd %.4f%n", meanF1(), sdF1()));
      b.append(String.format(Locale.ROOT, "out-of-fold, pooled, each fold at its threshold: F1 %.4f  AUC-ROC "
          + "%.4f  Se %.4f  Sp %.4f%n", pooled.f1(), pooledAuc, pooled.sensitivity(), pooled.specificity()));
      b.append(String.format(Locale.ROOT, "out-of-fold, pooled, at the one F1-maximising threshold %.3f: F1 "
          + "%.4f", bestThreshold, bestF1));
      return b.toString();
    }

    public Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("tta", tta.label());
      m.put("training_images", trainingImages);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Fold f : folds) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("fold", f.fold());
        r.put("model", f.model());
        r.put("validation_images", f.validation());
        r.put("threshold", f.threshold());
        r.put("f1", f.f1());
        r.put("auc_roc", f.auc());
        rows.add(r);
      }
      m.put("folds", rows);
      m.put("fold_f1_mean", meanF1());
      m.put("fold_f1_sd", sdF1());
      m.put("pooled_f1", pooled.f1());
      m.put("pooled_auc_roc", pooledAuc);
      m.put("pooled_sensitivity", pooled.sensitivity());
      m.put("pooled_specificity", pooled.specificity());
      m.put("pooled_best_threshold", bestThreshold);
      m.put("pooled_best_f1", bestF1);
      return m;
    }
  }

  private CrossValidation() {}

  /**
   * Checks that {@code models} (run directories or model files) are folds of one recipe over
   * {@code training}, then predicts each fold's held-out images with {@code tta} and scores them. Everything
   * is checked before the first prediction.
   */
  public static Result run(List<String> models, List<Sample> training, Tta tta, String device,
      Consumer<String> progress) {
    if (models.size() < 2) {
      throw new VesselsegException.Usage("cross-validation needs the runs of at least 2 folds, found "
          + models.size() + ": train them with --fold 1, --fold 2, ... and pass every run directory");
    }
    Map<String, Sample> byId = new HashMap<>();
    training.forEach(s -> byId.put(s.id(), s));
    List<SafeTensors.Contents> files = new ArrayList<>();
    List<Path> paths = new ArrayList<>();
    List<Integer> foldNumbers = new ArrayList<>();
    Map<String, String> heldBy = new HashMap<>();
    Map<String, Object> firstRecipe = null;
    for (String arg : models) {
      Path p = Models.resolve(arg);
      SafeTensors.Contents c = SafeTensors.read(p);
      List<String> ids = Checkpoint.validationImages(c.metadata());
      if (ids.isEmpty()) {
        throw new VesselsegException.Usage(p + " held no training images out (trained with --validation-images "
            + "0?), so it has no out-of-fold predictions: pass the runs of train --fold 1..K");
      }
      for (String id : ids) {
        if (!byId.containsKey(id)) {
          throw new VesselsegException.Usage(p + " held out " + id + ", which this dataset's training split "
              + "lacks: pass the --data the folds were trained on");
        }
        String other = heldBy.put(id, p.toString());
        if (other != null) {
          throw new VesselsegException.Usage(id + " is held out by both " + other + " and " + p
              + ": folds must hold out disjoint images (same seed and --validation-images, different --fold)");
        }
      }
      Map<String, Object> recipe = BorrowedThresholds.recipe(c.metadata().get("config"));
      if (recipe.isEmpty()) {
        throw new VesselsegException.Model(p + " records no readable training config: cross-validation compares "
            + "the folds' recipes; pass run directories or files written by train");
      }
      if (firstRecipe == null) {
        firstRecipe = recipe;
      } else {
        List<String> diff = BorrowedThresholds.differences(firstRecipe, recipe);
        if (!diff.isEmpty()) {
          throw new VesselsegException.Usage(p + " was trained with another recipe than " + paths.get(0) + " ("
              + String.join("; ", diff) + "): cross-validate the folds of one recipe");
        }
      }
      files.add(c);
      paths.add(p);
      foldNumbers.add(((Number) recipe.get("fold")).intValue());
    }
    return score(files, paths, foldNumbers, byId, training.size(), tta, ComputeDevice.resolve(device),
        progress);
  }

  private static Result score(List<SafeTensors.Contents> files, List<Path> paths, List<Integer> foldNumbers,
      Map<String, Sample> byId, int trainingImages, Tta tta, ComputeDevice device, Consumer<String> progress) {
    List<Fold> folds = new ArrayList<>();
    ScoreCollector all = new ScoreCollector();
    Confusion pooled = Confusion.ZERO;
    for (int i = 0; i < files.size(); i++) {
      SafeTensors.Contents c = files.get(i);
      List<String> ids = Checkpoint.validationImages(c.metadata());
      Checkpoint.Loaded loaded = Checkpoint.load(c, paths.get(i).toString(), device, Precision.FP32);
      try (Network net = loaded.network()) {
        net.fuseForInference();
        Predictor predictor = new Predictor(net, tta);
        float threshold = loaded.meta().threshold(tta);
        ScoreCollector scores = new ScoreCollector();
        Confusion confusion = Confusion.ZERO;
        for (String id : ids) {
          Sample s = byId.get(id);
          float[] p = predictor.probabilities(s);
          scores.add(p, s.vessel(), s.fov());
          all.add(p, s.vessel(), s.fov());
          confusion = confusion.plus(Confusion.of(p, s.vessel(), s.fov(), threshold));
          progress.accept(id);
        }
        pooled = pooled.plus(confusion);
        folds.add(new Fold(paths.get(i).toString(), foldNumbers.get(i), ids, threshold, confusion,
            scores.aucRoc()));
      }
    }
    ScoreCollector.BestThreshold best = all.bestF1Threshold();
    return new Result(tta, trainingImages, folds, pooled, all.aucRoc(), best.threshold(), best.f1());
  }
}
