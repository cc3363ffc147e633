package io.vesselseg.train;

import io.vesselseg.infer.Models;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import io.vesselseg.model.Calibration;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.ThresholdOrigin;
import io.vesselseg.model.Thresholds;
import io.vesselseg.model.Tta;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The thresholds of a model trained on every training image ({@code --validation-images 0}), which has no
 * held-out image to pick them on: they are taken from a run of the same recipe that held images out (the
 * reference), so the choice is still made on training data. The model file records where they came from
 * ({@code thresholds_from}: file, SHA-256, the reference's validation images and figures). The reference may
 * also be a cross-validation of the recipe ({@code crossval --json}): then the thresholds are the ones that
 * maximise F1 on the pooled out-of-fold predictions of all its folds.
 *
 * @param thresholds        the borrowed thresholds (plain, and {@code --tta}/{@code --tta8} where the
 *                          reference has them), under the reference's calibration, with a
 *                          {@link ThresholdOrigin.Borrowed} origin naming the reference
 * @param recipeDifferences recipe settings on which the reference and this run differ, as {@code "key
 *                          reference-value vs run-value"} ({@link TrainConfig.Recipe#differencesFrom}; empty:
 *                          same recipe)
 */
public record BorrowedThresholds(Thresholds thresholds, List<String> recipeDifferences) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads the reference ({@code arg}: a run directory, model file or cross-validation JSON) and compares its
   * recipe with {@code recipe} (the borrowing run's; empty when it records none).
   */
  public static BorrowedThresholds from(String arg, Optional<TrainConfig.Recipe> recipe) {
    Path file = Path.of(arg);
    if (Files.isDirectory(file)) {
      file = file.resolve(RunDirectory.BEST);
    }
    if (!Files.isRegularFile(file)) {
      throw new VesselsegException.Usage("--thresholds-from " + arg + ": expected a run directory holding "
          + RunDirectory.BEST + ", a .safetensors model file or a crossval --json file, found nothing there; "
          + "train the reference run (same recipe, images held out) first");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot read --thresholds-from " + file + ": " + e.getMessage(), e);
    }
    if (file.getFileName().toString().endsWith(".json")) {
      return fromCrossval(file, bytes, recipe);
    }
    Map<String, String> meta = SafeTensors.parse(bytes, file.toString()).metadata();
    Thresholds reference = meta.containsKey(Thresholds.key(Tta.NONE))
        ? Thresholds.fromMetadata(meta, "--thresholds-from " + file) : null;
    if (reference == null || !(reference.origin() instanceof ThresholdOrigin.Validation picked)) {
      throw new VesselsegException.Usage("--thresholds-from " + file + ": expected a model whose threshold was "
          + "picked on held-out images (metadata 'validation_images' and 'threshold'), found "
          + (reference != null && reference.origin() instanceof ThresholdOrigin.Borrowed
              ? "one that borrowed its thresholds too" : "none recorded")
          + "; point at the run that held images out");
    }
    Map<Tta, Float> thresholds = new EnumMap<>(Tta.class);
    for (Tta tta : Tta.values()) {
      if (reference.has(tta)) {
        thresholds.put(tta, reference.forTta(tta));
      }
    }
    // thresholds hold only under the calibration they were picked with, which the reference's keep
    return new BorrowedThresholds(reference.withOrigin(new ThresholdOrigin.Borrowed(file.toString(),
        Models.sha256(bytes), null, picked.images(), thresholds, picked.f1())),
        differences(recipe(meta.get("config")), recipe));
  }

  /** The pooled out-of-fold thresholds of a {@link CrossValidation} JSON. */
  private static BorrowedThresholds fromCrossval(Path file, byte[] bytes, Optional<TrainConfig.Recipe> run) {
    Map<String, Object> doc;
    try {
      doc = JSON.readValue(bytes, new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new VesselsegException.Usage("--thresholds-from " + file + ": expected the JSON written by crossval "
          + "--json, found unreadable JSON (" + e.getMessage() + ")");
    }
    if (!CrossValidation.FORMAT.equals(doc.get("format")) || !(doc.get("pooled_best") instanceof Map<?, ?> best)
        || !(doc.get("recipe") instanceof Map<?, ?> foldRecipe)) {
      throw new VesselsegException.Usage("--thresholds-from " + file + ": expected the JSON written by crossval "
          + "--json (format " + CrossValidation.FORMAT + "), found another JSON file; re-run crossval with --json");
    }
    if (!(best.get(Tta.NONE.label()) instanceof Map<?, ?>)) {
      throw new VesselsegException.Usage("--thresholds-from " + file + ": expected the pooled plain threshold "
          + "(pooled_best.none), found only " + best.keySet() + "; re-run crossval without --tta/--tta8 or with "
          + "--tta-thresholds");
    }
    List<String> held = new java.util.ArrayList<>();
    if (doc.get("folds") instanceof List<?> folds) {
      folds.forEach(f -> {
        if (f instanceof Map<?, ?> fold && fold.get("validation_images") instanceof List<?> ids) {
          ids.forEach(id -> held.add(String.valueOf(id)));
        }
      });
    }
    Map<Tta, Float> thresholds = new EnumMap<>(Tta.class);
    Map<Tta, Double> f1 = new EnumMap<>(Tta.class);
    for (Tta tta : Tta.values()) {
      if (best.get(tta.label()) instanceof Map<?, ?> m) {
        thresholds.put(tta, threshold(m, file));
        if (m.get("f1") instanceof Number n) {
          f1.put(tta, n.doubleValue());
        }
      }
    }
    // an old crossval JSON without "weights" scored the folds' best epochs, as --weights does by default
    String weights = doc.get("weights") instanceof String w ? w : CrossValidation.Weights.BEST.label();
    ThresholdOrigin.Borrowed origin = new ThresholdOrigin.Borrowed(file.toString(), Models.sha256(bytes), weights, held,
        thresholds, f1);
    Thresholds t = Thresholds.of(thresholds.get(Tta.NONE)).withOrigin(origin);
    for (Tta tta : thresholds.keySet()) {
      t = t.with(tta, thresholds.get(tta));
    }
    if (doc.get(Calibration.KEY) != null) { // thresholds hold only under the calibration they were picked with
      t = t.withCalibration(Calibration.parse(json(doc.get(Calibration.KEY)), "--thresholds-from " + file));
    }
    return new BorrowedThresholds(t, differences(recipe(json(foldRecipe)), run));
  }

  public BorrowedThresholds {
    if (!(thresholds.origin() instanceof ThresholdOrigin.Borrowed)) {
      throw new IllegalArgumentException("borrowed thresholds must name their reference, found origin "
          + thresholds.origin());
    }
    recipeDifferences = List.copyOf(recipeDifferences);
  }

  /** Where the thresholds came from: the reference and what it picked them on. */
  public ThresholdOrigin.Borrowed source() {
    return (ThresholdOrigin.Borrowed) thresholds.origin();
  }

  private static float threshold(Map<?, ?> best, Path file) {
    if (best.get("threshold") instanceof Number n && n.doubleValue() > 0 && n.doubleValue() < 1) {
      return n.floatValue();
    }
    throw new VesselsegException.Usage("--thresholds-from " + file + ": expected thresholds in (0, 1) under "
        + "pooled_best, found " + best.get("threshold") + "; re-run crossval with --json");
  }

  /** The settings on which the two recipes differ; a recipe that is not known differs as a whole. */
  static List<String> differences(Optional<TrainConfig.Recipe> reference, Optional<TrainConfig.Recipe> run) {
    if (reference.isEmpty() || run.isEmpty()) {
      return List.of("no readable training config in " + (reference.isEmpty() ? "the reference" : "this run"));
    }
    return run.get().differencesFrom(reference.get());
  }

  /**
   * The recipe of a stored config ({@code config} metadata of a model file, or a crossval JSON's
   * {@code recipe}), grouped or in the flat form of earlier versions; empty when there is no readable config.
   */
  public static Optional<TrainConfig.Recipe> recipe(String json) {
    try {
      return Optional.of(TrainConfig.fromJson(json).recipe());
    } catch (VesselsegException e) {
      return Optional.empty();
    }
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

}
