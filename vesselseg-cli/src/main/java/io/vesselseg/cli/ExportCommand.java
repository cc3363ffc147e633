package io.vesselseg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.Datasets;
import io.vesselseg.data.Sample;
import io.vesselseg.infer.Models;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.ThresholdOrigin;
import io.vesselseg.model.Thresholds;
import io.vesselseg.train.BorrowedThresholds;
import io.vesselseg.train.TtaThresholds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vesselseg export}: a distributable model file (weights + metadata, no optimizer state), optionally
 * carrying the figures an {@code evaluate --json} run measured, e.g. to become the jar's built-in model.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write a model file without optimizer state, optionally with evaluation figures in its "
        + "metadata.")
final class ExportCommand implements Callable<Integer> {

  @Option(names = "--model", required = true, description = "run directory or .safetensors model file")
  String model;

  @Option(names = "--out", required = true, description = "the .safetensors file to write")
  Path out;

  @Option(names = "--figures", description = "an 'evaluate --json' file whose pooled figures to embed")
  Path figures;

  @Option(names = "--figures-key", defaultValue = "drive_test",
      description = "metadata key for the figures (default: ${DEFAULT-VALUE})")
  String figuresKey;

  @Option(names = "--meta", description = "extra metadata KEY=VALUE (repeatable), e.g. fov_diameter=540 or "
      + "calibration={\"type\":\"fov-median-logit\",\"offset\":-6} (see docs/model-format.md)")
  Map<String, String> meta = new LinkedHashMap<>();

  @Option(names = "--calibrate-on", paramLabel = "DATASET",
      description = "pick the thresholds for --tta/--tta8 on the model's validation images, read from this "
          + "dataset's training split (for models trained before training did it)")
  String calibrateOn;

  @Option(names = "--thresholds-from", paramLabel = "REFERENCE",
      description = "for a model trained on every image (--validation-images 0): replace its thresholds with "
          + "those of a crossval --json file (picked on all the folds' held-out images) or of a run of the same "
          + "recipe that held images out")
  String thresholdsFrom;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() {
    Map<String, String> extra = new LinkedHashMap<>(meta);
    extra.forEach((k, v) -> Thresholds.check(k, v, "--meta " + k)); // refused before writing
    if (figures != null) {
      ObjectMapper json = new ObjectMapper();
      try {
        JsonNode doc = json.readTree(figures.toFile());
        Map<String, Object> pooled = new LinkedHashMap<>();
        for (String k : List.of("f1", "iou", "accuracy", "sensitivity", "specificity", "mcc", "auc_roc",
            "auc_pr", "precision", "threshold", "images", "pixels", "split", "data", "tta",
            "inference_precision")) {
          if (doc.has(k)) {
            pooled.put(k, json.treeToValue(doc.get(k), Object.class));
          }
        }
        if (!pooled.containsKey("f1")) {
          throw new VesselsegException.Usage("--figures " + figures + " has no 'f1': pass the file written "
              + "by 'vesselseg evaluate --json'");
        }
        extra.put(figuresKey, json.writeValueAsString(pooled));
      } catch (IOException e) {
        throw new VesselsegException.Data("cannot read --figures " + figures + ": " + e.getMessage(), e);
      }
    }
    Thresholds borrowed = thresholdsFrom != null ? borrowedThresholds(Models.resolve(model)) : null;
    List<Sample> validation = calibrateOn != null ? validationImages(Models.resolve(model)) : null;
    Path written = Models.export(model, out, extra, borrowed);
    if (validation != null) {
      try {
        System.out.println("test-time augmentation, thresholds and F1 on the validation images: "
            + TtaThresholds.addTo(written, validation, ComputeDevice.CPU));
      } catch (RuntimeException e) {
        try {
          Files.deleteIfExists(written); // no model file without the thresholds that were asked for
        } catch (IOException ignored) {
          // the error below is the one to report
        }
        throw e;
      }
    }
    System.out.println("wrote " + written);
    return Main.OK;
  }

  /**
   * The thresholds of --thresholds-from for a model trained on every image: the plain threshold, the
   * --tta/--tta8 ones where the reference has them (the model's own are dropped), their source and the
   * reference's calibration (or none).
   */
  private Thresholds borrowedThresholds(Path modelFile) {
    Map<String, String> meta = SafeTensors.read(modelFile).metadata();
    if (!Checkpoint.validationImages(meta).isEmpty()) {
      throw new VesselsegException.Usage("--thresholds-from: " + model + " held images out and picked its "
          + "thresholds on them; borrowed thresholds are for a model trained on every image "
          + "(--validation-images 0): export the refit of this recipe");
    }
    BorrowedThresholds b = BorrowedThresholds.from(thresholdsFrom, BorrowedThresholds.recipe(meta.get("config")));
    if (!b.recipeDifferences().isEmpty()) {
      System.err.println("warning: --thresholds-from " + thresholdsFrom + " comes from another recipe ("
          + String.join(", ", b.recipeDifferences()) + "): its thresholds may not suit this model");
    }
    return b.thresholds();
  }

  /** The model's validation images (ids in its metadata) from the training split of --calibrate-on. */
  private List<Sample> validationImages(Path modelFile) {
    Map<String, String> meta = SafeTensors.read(modelFile).metadata();
    if (Thresholds.fromMetadata(meta, "model file " + modelFile).origin() instanceof ThresholdOrigin.Borrowed) {
      throw new VesselsegException.Usage("--calibrate-on: " + model + " was trained on every training image, so "
          + "none is left to pick thresholds on; it already carries those of its reference run (metadata "
          + "'thresholds_from'): export it without --calibrate-on");
    }
    List<String> wanted = Checkpoint.validationImages(meta);
    if (wanted.isEmpty()) {
      throw new VesselsegException.Usage("--calibrate-on: " + model + " does not list its validation images "
          + "(metadata 'validation_images'), so thresholds cannot be picked without touching other data");
    }
    List<Sample> found = Datasets.load(calibrateOn, "training").stream().filter(s -> wanted.contains(s.id()))
        .toList();
    if (found.size() != wanted.size()) {
      throw new VesselsegException.Usage("--calibrate-on " + calibrateOn + ": expected the model's validation "
          + "images " + wanted + " in its training split, found " + found.stream().map(Sample::id).toList()
          + "; pass the dataset the model was trained on");
    }
    return found;
  }
}
