package io.vesselseg.train;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SampleSource;
import io.vesselseg.eval.Confusion;
import io.vesselseg.eval.ScoreCollector;
import io.vesselseg.eval.ScoreHistogram;
import io.vesselseg.infer.Models;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Calibration;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.Thresholds;
import io.vesselseg.model.Tta;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
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
 *
 * <p>The F1-maximising threshold on the pooled out-of-fold pixels is the threshold for a refit of the recipe on
 * every training image ({@code train --validation-images 0 --thresholds-from <crossval JSON>}): picked on all
 * held-out images instead of one run's three. A refit keeps its last epoch, so the folds' last epochs
 * ({@link Weights#LAST}) are the ones to pick it on.
 */
public final class CrossValidation {

  /** Marks the JSON written by {@link Result#toJson()}, so {@code --thresholds-from} can recognise it. */
  public static final String FORMAT = "vesselseg-crossval-1";

  /** Which weights of each fold run are scored. */
  public enum Weights {
    /** The epoch that scored best on the fold's held-out images ({@code best.safetensors}). */
    BEST(RunDirectory.BEST),
    /** The last finished epoch ({@code last.safetensors}): what a refit on every image keeps. */
    LAST(RunDirectory.LAST);

    private final String file;

    Weights(String file) {
      this.file = file;
    }

    /** {@code best} or {@code last}, as the {@code --weights} option takes it. */
    public static Weights parse(String s) {
      return switch (s) {
        case "best" -> BEST;
        case "last" -> LAST;
        default -> throw new VesselsegException.Usage("--weights: expected best or last, found '" + s + "'");
      };
    }

    /** The run directory's model file for these weights. */
    public String file() {
      return file;
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One fold: its model, held-out images, the threshold maximising F1 on those images (for the best epoch,
   * the one picked when it was trained), and its scores there.
   */
  public record Fold(String model, int fold, List<String> validation, float threshold, Confusion confusion,
      double auc) {

    public double f1() {
      return confusion.f1();
    }
  }

  /**
   * The folds, the out-of-fold pixels pooled over all of them (each fold thresholded at its own threshold),
   * their AUC-ROC, and per test-time augmentation mode scored ({@code tta} and, when asked for, the others)
   * the one threshold that maximises the pooled F1 with the F1 it reaches. {@code recipe} is the first fold's
   * training config, whose recipe every fold shares.
   */
  public record Result(Tta tta, Weights weights, int trainingImages, TrainConfig recipe,
      List<Fold> folds, Confusion pooled, double pooledAuc, Map<Tta, ScoreCollector.BestThreshold> pooledBest,
      Calibration calibration) {

    public float bestThreshold() {
      return pooledBest.get(tta).threshold();
    }

    public double bestF1() {
      return pooledBest.get(tta).f1();
    }

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
          + "(%s epochs; test-time augmentation: %s)%n", folds.size(), held, trainingImages, weights.label(),
          tta.label()));
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
          + "%.4f", bestThreshold(), bestF1()));
      pooledBest.forEach((mode, best) -> {
        if (mode != tta) {
          b.append(String.format(Locale.ROOT, "%n  with test-time augmentation %s: threshold %.3f, F1 %.4f",
              mode.label(), best.threshold(), best.f1()));
        }
      });
      return b.toString();
    }

    public Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("format", FORMAT);
      m.put("tta", tta.label());
      m.put("weights", weights.label());
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
      m.put("pooled_best_threshold", bestThreshold());
      m.put("pooled_best_f1", bestF1());
      Map<String, Object> thresholds = new LinkedHashMap<>();
      pooledBest.forEach((mode, best) -> thresholds.put(mode.label(),
          Map.of("threshold", best.threshold(), "f1", best.f1())));
      m.put("pooled_best", thresholds);
      m.put("recipe", recipe.toJson());
      if (calibration.active()) { // the thresholds above hold under it only
        m.put(Calibration.KEY, Map.of("type", Calibration.TYPE, "offset", calibration.offset()));
      }
      return m;
    }
  }

  private CrossValidation() {}

  /** {@link #run(List, List, Tta, Weights, boolean, String, Consumer)} of the best epochs, {@code tta} only. */
  public static Result run(List<String> models, SampleSource training, Tta tta, String device,
      Consumer<String> progress) {
    return run(models, training, tta, Weights.BEST, false, device, progress);
  }

  /**
   * Checks that {@code models} (run directories, whose {@code weights} are taken, or model files) are folds of
   * one recipe over {@code training}, then predicts each fold's held-out images with {@code tta} and scores
   * them; with {@code allModes} it also picks the pooled thresholds of the other test-time augmentation
   * modes. Everything is checked before the first prediction; {@code progress} hears of each one. Held-out
   * photographs are decoded one at a time (each once, for every mode) and scores pool in fixed-size
   * {@link ScoreHistogram}s, so memory does not grow with the set.
   */
  public static Result run(List<String> models, SampleSource training, Tta tta, Weights weights,
      boolean allModes, String device, Consumer<String> progress) {
    if (models.size() < 2) {
      throw new VesselsegException.Usage("cross-validation needs the runs of at least 2 folds, found "
          + models.size() + ": train them with --fold 1, --fold 2, ... and pass every run directory");
    }
    java.util.Set<String> known = new HashSet<>(training.ids());
    List<SafeTensors.Contents> files = new ArrayList<>();
    List<Path> paths = new ArrayList<>();
    List<Integer> foldNumbers = new ArrayList<>();
    Map<String, String> heldBy = new HashMap<>();
    TrainConfig firstRecipe = null;
    Calibration calibration = null;
    for (String arg : models) {
      Path p = Models.resolve(arg, weights.file);
      SafeTensors.Contents c = SafeTensors.read(p);
      List<String> ids = Checkpoint.validationImages(c.metadata());
      if (ids.isEmpty()) {
        throw new VesselsegException.Usage(p + " held no training images out (trained with --validation-images "
            + "0?), so it has no out-of-fold predictions: pass the runs of train --fold 1..K");
      }
      for (String id : ids) {
        if (!known.contains(id)) {
          throw new VesselsegException.Usage(p + " held out " + id + ", which this dataset's training split "
              + "lacks: pass the --data the folds were trained on");
        }
        String other = heldBy.put(id, p.toString());
        if (other != null) {
          throw new VesselsegException.Usage(id + " is held out by both " + other + " and " + p
              + ": folds must hold out disjoint images (same --split-seed and --validation-images, different --fold)");
        }
      }
      TrainConfig recipe;
      try {
        recipe = TrainConfig.fromJson(c.metadata().get("config"));
      } catch (VesselsegException.Model e) {
        throw new VesselsegException.Model(p + " records no readable training config (" + e.getMessage()
            + "): cross-validation compares the folds' recipes; pass run directories or files written by train", e);
      }
      if (weights == Weights.LAST && recipe.objective().ema() > 0) {
        throw new VesselsegException.Usage(p + " was trained with --ema: its last checkpoint's weights are the "
            + "trained ones, not the average such a run keeps; score its best epochs (--weights best)");
      }
      if (firstRecipe == null) {
        firstRecipe = recipe;
      } else {
        List<String> diff = recipe.recipe().differencesFrom(firstRecipe.recipe());
        if (!diff.isEmpty()) {
          throw new VesselsegException.Usage(p + " was trained with another recipe than " + paths.get(0) + " ("
              + String.join("; ", diff) + "): cross-validate the folds of one recipe");
        }
      }
      Calibration cal = Thresholds.fromMetadata(c.metadata(), p.toString()).calibration();
      if (calibration != null && !calibration.equals(cal)) {
        throw new VesselsegException.Usage(p + " calibrates its maps otherwise than " + paths.get(0) + " ("
            + (cal.active() ? cal.toJson() : "none") + " against " + (calibration.active() ? calibration.toJson()
            : "none") + "): give every fold the same calibration (export --meta calibration=...)");
      }
      calibration = cal;
      files.add(c);
      paths.add(p);
      foldNumbers.add(recipe.data().fold());
    }
    List<Tta> modes = new ArrayList<>(List.of(tta));
    if (allModes) {
      Arrays.stream(Tta.values()).filter(m -> m != tta).forEach(modes::add);
    }
    Scored scored = score(files, paths, foldNumbers, training, modes, ComputeDevice.resolve(device), progress);
    return new Result(tta, weights, training.size(), firstRecipe, scored.folds(), scored.pooled(),
        scored.pooledAuc(), scored.pooledBest(), calibration);
  }

  /** The folds' scores in the first mode, and the pooled best threshold of every mode. */
  private record Scored(List<Fold> folds, Confusion pooled, double pooledAuc,
      Map<Tta, ScoreCollector.BestThreshold> pooledBest) {}

  /** Predicts every fold's held-out images in each of {@code modes} (the first is the scored one). */
  private static Scored score(List<SafeTensors.Contents> files, List<Path> paths, List<Integer> foldNumbers,
      SampleSource training, List<Tta> modes, ComputeDevice device, Consumer<String> progress) {
    List<Fold> folds = new ArrayList<>();
    Map<Tta, ScoreHistogram> all = new EnumMap<>(Tta.class);
    modes.forEach(m -> all.put(m, new ScoreHistogram()));
    Confusion pooled = Confusion.ZERO;
    for (int i = 0; i < files.size(); i++) {
      SafeTensors.Contents c = files.get(i);
      List<String> ids = Checkpoint.validationImages(c.metadata());
      Checkpoint.Loaded loaded = Checkpoint.load(c, paths.get(i).toString(), device, Precision.FP32);
      double diameter = Models.fovDiameter(loaded, "auto");
      try (Network net = loaded.network()) {
        net.fuseForInference();
        ScoreHistogram scores = new ScoreHistogram();
        Map<Tta, Predictor> predictors = new EnumMap<>(Tta.class);
        modes.forEach(m -> predictors.put(m, new Predictor(net, m)));
        for (String id : ids) {
          Sample s = training.get(id);
          for (Tta mode : modes) {
            float[] p = predictors.get(mode).probabilities(s, diameter);
            all.get(mode).add(p, s.vessel(), s.fov());
            if (mode == modes.get(0)) {
              scores.add(p, s.vessel(), s.fov());
            }
            progress.accept(modes.size() > 1 ? id + " (test-time augmentation " + mode.label() + ")" : id);
          }
        }
        // the threshold is a bin's smallest score: the confusion counted by the histogram there is exact
        ScoreCollector.BestThreshold best = scores.bestF1Threshold();
        pooled = pooled.plus(best.confusion());
        folds.add(new Fold(paths.get(i).toString(), foldNumbers.get(i), ids, best.threshold(), best.confusion(),
            scores.aucRoc()));
      }
    }
    Map<Tta, ScoreCollector.BestThreshold> best = new EnumMap<>(Tta.class);
    modes.forEach(m -> best.put(m, all.get(m).bestF1Threshold()));
    return new Scored(folds, pooled, all.get(modes.get(0)).aucRoc(), best);
  }
}
