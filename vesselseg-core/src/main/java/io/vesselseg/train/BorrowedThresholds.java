package io.vesselseg.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import io.vesselseg.model.Calibration;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.Tta;
import io.vesselseg.track.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
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
 * @param threshold the plain threshold
 * @param metadata  model-file entries: {@code threshold_flips}/{@code threshold_d8} when the reference has
 *                  them, and {@code thresholds_from}
 * @param recipeDifferences recipe settings on which the reference and this run differ, as {@code "key
 *                          reference-value vs run-value"} ({@link TrainConfig.Recipe#differencesFrom}; empty:
 *                          same recipe)
 */
public record BorrowedThresholds(float threshold, Map<String, String> metadata,
    List<String> recipeDifferences) {

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
    List<String> validation = Checkpoint.validationImages(meta);
    if (meta.containsKey("thresholds_from") || validation.isEmpty() || !meta.containsKey("threshold")) {
      throw new VesselsegException.Usage("--thresholds-from " + file + ": expected a model whose threshold was "
          + "picked on held-out images (metadata 'validation_images' and 'threshold'), found "
          + (meta.containsKey("thresholds_from") ? "one that borrowed its thresholds too" : "none recorded")
          + "; point at the run that held images out");
    }
    float threshold = Float.parseFloat(meta.get("threshold"));
    Map<String, String> out = new LinkedHashMap<>();
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("file", file.toString());
    source.put("sha256", sha256(bytes));
    source.put("validation_images", validation);
    source.put("threshold", threshold);
    copy(meta, "val_f1", source);
    for (Tta tta : Tta.values()) {
      if (tta != Tta.NONE && meta.containsKey(Checkpoint.thresholdKey(tta))) {
        out.put(Checkpoint.thresholdKey(tta), meta.get(Checkpoint.thresholdKey(tta)));
        source.put(Checkpoint.thresholdKey(tta), Float.parseFloat(meta.get(Checkpoint.thresholdKey(tta))));
        copy(meta, "val_f1_" + tta.label(), source);
      }
    }
    out.put("thresholds_from", json(source));
    if (meta.containsKey(Calibration.KEY)) { // thresholds hold only under the calibration they were picked with
      out.put(Calibration.KEY, Calibration.parse(meta.get(Calibration.KEY), file.toString()).toJson());
    }
    return new BorrowedThresholds(threshold, out, differences(recipe(meta.get("config")), recipe));
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
    if (!(best.get(Tta.NONE.label()) instanceof Map<?, ?> plain)) {
      throw new VesselsegException.Usage("--thresholds-from " + file + ": expected the pooled plain threshold "
          + "(pooled_best.none), found only " + best.keySet() + "; re-run crossval without --tta/--tta8 or with "
          + "--tta-thresholds");
    }
    Map<String, String> out = new LinkedHashMap<>();
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("file", file.toString());
    source.put("sha256", sha256(bytes));
    source.put("crossval_weights", doc.get("weights"));
    List<Object> held = new java.util.ArrayList<>();
    if (doc.get("folds") instanceof List<?> folds) {
      folds.forEach(f -> {
        if (f instanceof Map<?, ?> fold && fold.get("validation_images") instanceof List<?> ids) {
          held.addAll(ids);
        }
      });
    }
    source.put("validation_images", held);
    float threshold = threshold(plain, file);
    source.put("threshold", threshold);
    source.put("val_f1", plain.get("f1"));
    for (Tta tta : Tta.values()) {
      if (tta != Tta.NONE && best.get(tta.label()) instanceof Map<?, ?> m) {
        float t = threshold(m, file);
        out.put(Checkpoint.thresholdKey(tta), Float.toString(t));
        source.put(Checkpoint.thresholdKey(tta), t);
        source.put("val_f1_" + tta.label(), m.get("f1"));
      }
    }
    out.put("thresholds_from", json(source));
    if (doc.get(Calibration.KEY) != null) { // thresholds hold only under the calibration they were picked with
      out.put(Calibration.KEY, Calibration.parse(json(doc.get(Calibration.KEY)), "--thresholds-from " + file)
          .toJson());
    }
    return new BorrowedThresholds(threshold, out, differences(recipe(json(foldRecipe)), run));
  }

  private static float threshold(Map<?, ?> best, Path file) {
    if (best.get("threshold") instanceof Number n && n.doubleValue() > 0 && n.doubleValue() < 1) {
      return n.floatValue();
    }
    throw new VesselsegException.Usage("--thresholds-from " + file + ": expected thresholds in (0, 1) under "
        + "pooled_best, found " + best.get("threshold") + "; re-run crossval with --json");
  }

  private static void copy(Map<String, String> meta, String key, Map<String, Object> to) {
    if (meta.containsKey(key)) {
      to.put(key, Double.parseDouble(meta.get(key)));
    }
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

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
