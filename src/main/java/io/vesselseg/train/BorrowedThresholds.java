package io.vesselseg.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
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
import java.util.Objects;

/**
 * The thresholds of a model trained on every training image ({@code --validation-images 0}), which has no
 * held-out image to pick them on: they are taken from a run of the same recipe that held images out (the
 * reference), so the choice is still made on training data. The model file records where they came from
 * ({@code thresholds_from}: file, SHA-256, the reference's validation images and figures).
 *
 * @param threshold the plain threshold
 * @param metadata  model-file entries: {@code threshold_flips}/{@code threshold_d8} when the reference has
 *                  them, and {@code thresholds_from}
 * @param recipeDifferences config keys on which this run and the reference differ (empty: same recipe)
 */
public record BorrowedThresholds(float threshold, Map<String, String> metadata,
    List<String> recipeDifferences) {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Config keys that make the recipe: a reference that differs on any of them is warned about. */
  static final List<String> RECIPE = List.of("data", "epochs", "steps_per_epoch", "max_minutes", "batch_size",
      "patch_size", "lr", "weight_decay", "warmup_steps", "precision", "depth", "base_channels", "augment",
      "loss", "input", "ema", "dropblock");

  /** Reads the reference ({@code arg}: a run directory or model file) and compares its recipe with {@code cfg}. */
  public static BorrowedThresholds from(String arg, TrainConfig cfg) {
    Path file = Path.of(arg);
    if (Files.isDirectory(file)) {
      file = file.resolve(RunDirectory.BEST);
    }
    if (!Files.isRegularFile(file)) {
      throw new VesselsegException.Usage("--thresholds-from " + arg + ": expected a run directory holding "
          + RunDirectory.BEST + " or a .safetensors model file, found nothing there; train the reference run "
          + "(same recipe, images held out) first");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot read --thresholds-from " + file + ": " + e.getMessage(), e);
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
    return new BorrowedThresholds(threshold, out, differences(recipe(meta.get("config")), cfg.toMap()));
  }

  private static void copy(Map<String, String> meta, String key, Map<String, Object> to) {
    if (meta.containsKey(key)) {
      to.put(key, Double.parseDouble(meta.get(key)));
    }
  }

  /** The {@link #RECIPE} keys whose values differ (numbers compared as numbers). */
  static List<String> differences(Map<String, Object> reference, Map<String, Object> run) {
    return RECIPE.stream().filter(k -> !same(reference.get(k), run.get(k)))
        .map(k -> k + " " + reference.get(k) + " vs " + run.get(k)).toList();
  }

  private static boolean same(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return x.doubleValue() == y.doubleValue();
    }
    return Objects.equals(a, b);
  }

  /**
   * A model file's stored config ({@code config} metadata) as {@link TrainConfig#toMap()}, with the defaults of
   * keys older versions did not write filled in; empty when there is no readable config.
   */
  static Map<String, Object> recipe(String json) {
    try {
      Map<String, Object> m = JSON.readValue(json, new TypeReference<Map<String, Object>>() {});
      return TrainConfig.fromMap(m, Path.of("."), "cpu", false).toMap();
    } catch (JsonProcessingException | RuntimeException e) {
      return Map.of(); // no readable config: every recipe key is reported as differing
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
