package io.vesselseg.train;

import io.vesselseg.data.Sample;
import io.vesselseg.infer.Models;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.ThresholdOrigin;
import io.vesselseg.model.Thresholds;
import io.vesselseg.model.Tta;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Averaging flipped predictions smooths the probabilities, so the F1-maximising threshold moves. For each
 * test-time augmentation this picks that threshold on the model's validation images (training data) and
 * stores it in the model's {@link Thresholds} ({@code threshold_flips} / {@code threshold_d8}, which
 * {@link Thresholds#forTta(Tta)} then returns), with the validation F1 reached ({@code val_f1_flips} /
 * {@code val_f1_d8}).
 */
public final class TtaThresholds {

  /** The augmenting modes, whose thresholds {@link #addTo} picks. */
  private static final Set<Tta> AUGMENTING = EnumSet.complementOf(EnumSet.of(Tta.NONE));

  private TtaThresholds() {}

  /**
   * {@code base} with the threshold of every augmenting {@link Tta} picked on {@code validation} and the
   * validation F1 reached at it, and with {@code plain} also the threshold for predictions without
   * augmentation (with its F1 and AUC): for a model whose training did not pick it, such as an ensemble of runs
   * that each picked their own. Each photograph is resampled to the model's FOV diameter {@code modelFovDiameter}
   * as inference does (0: as it is). The result's origin is {@code base}'s validation images (or, when
   * {@code base} records none, those of {@code validation}) with the figures of both.
   */
  public static Thresholds pick(Network net, List<Sample> validation, Thresholds base, boolean plain,
      double modelFovDiameter) {
    Map<Tta, Double> f1 = new EnumMap<>(Tta.class);
    double auc = Double.NaN;
    List<String> images = validation.stream().map(Sample::id).toList();
    if (base.origin() instanceof ThresholdOrigin.Validation v) {
      f1.putAll(v.f1());
      auc = v.auc();
      images = v.images();
    }
    Thresholds out = base;
    for (Tta tta : Tta.values()) {
      if (tta != Tta.NONE || plain) {
        Validator.Result r = new FovValidator(new Predictor(net, tta), validation, modelFovDiameter).validate();
        out = out.with(tta, r.threshold());
        f1.put(tta, r.f1());
        if (tta == Tta.NONE) {
          auc = r.auc();
        }
      }
    }
    return out.withOrigin(new ThresholdOrigin.Validation(images, f1, auc));
  }

  /**
   * Loads {@code model}, picks the thresholds of the augmenting modes on {@code validation} and rewrites the
   * file with them added; returns their metadata entries ({@code threshold_flips}, {@code val_f1_flips}, …).
   */
  public static Map<String, String> addTo(Path model, List<Sample> validation, ComputeDevice device) {
    SafeTensors.Contents c = SafeTensors.read(model); // read once: loaded here, written back below
    Thresholds picked;
    Checkpoint.Loaded loaded = Checkpoint.load(c, model.toString(), device, Precision.FP32);
    try (Network net = loaded.network()) {
      net.fuseForInference();
      picked = pick(net, validation, loaded.meta().thresholds(), false, Models.fovDiameter(loaded, "auto"));
    }
    Map<String, String> meta = new LinkedHashMap<>(c.metadata());
    picked.writeTo(meta);
    SafeTensors.write(model, c.tensors(), meta);
    return picked.toMetadata(AUGMENTING);
  }
}
