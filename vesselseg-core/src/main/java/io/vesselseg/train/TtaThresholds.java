package io.vesselseg.train;

import io.vesselseg.data.Sample;
import io.vesselseg.infer.Models;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.Tta;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Averaging flipped predictions smooths the probabilities, so the F1-maximising threshold moves. For each
 * test-time augmentation this picks that threshold on the model's validation images (training data) and
 * stores it in the model file as {@code threshold_flips} / {@code threshold_d8}, which
 * {@link Checkpoint.Meta#threshold(Tta)} then returns, with the validation F1 reached ({@code val_f1_flips} /
 * {@code val_f1_d8}).
 */
public final class TtaThresholds {

  private TtaThresholds() {}

  /**
   * Metadata entries {@code threshold_<tta>} for every augmenting {@link Tta}, picked on {@code validation},
   * and {@code val_f1_<tta>}, the validation F1 at that threshold; each photograph is resampled to the model's
   * FOV diameter {@code modelFovDiameter} as inference does (0: as it is).
   */
  public static Map<String, String> pick(Network net, List<Sample> validation, double modelFovDiameter) {
    return pick(net, validation, false, modelFovDiameter);
  }

  /**
   * {@link #pick(Network, List, double)}, and with {@code plain} also the threshold for predictions without
   * augmentation ({@code threshold}, {@code val_f1}, {@code val_auc}): for a model whose training did not pick
   * it, such as an ensemble of runs that each picked their own.
   */
  public static Map<String, String> pick(Network net, List<Sample> validation, boolean plain,
      double modelFovDiameter) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Tta tta : Tta.values()) {
      if (tta != Tta.NONE || plain) {
        Validator.Result r = new FovValidator(new Predictor(net, tta), validation, modelFovDiameter).validate();
        String suffix = tta == Tta.NONE ? "" : "_" + tta.label();
        out.put(tta == Tta.NONE ? "threshold" : Checkpoint.thresholdKey(tta), Float.toString((float) r.threshold()));
        out.put("val_f1" + suffix, Double.toString(r.f1()));
        if (tta == Tta.NONE) {
          out.put("val_auc", Double.toString(r.auc()));
        }
      }
    }
    return out;
  }

  /** Loads {@code model}, picks the thresholds on {@code validation} and rewrites the file with them added. */
  public static Map<String, String> addTo(Path model, List<Sample> validation, ComputeDevice device) {
    SafeTensors.Contents c = SafeTensors.read(model); // read once: loaded here, written back below
    Map<String, String> picked;
    Checkpoint.Loaded loaded = Checkpoint.load(c, model.toString(), device, Precision.FP32);
    try (Network net = loaded.network()) {
      net.fuseForInference();
      picked = pick(net, validation, Models.fovDiameter(loaded, "auto"));
    }
    Map<String, String> meta = new LinkedHashMap<>(c.metadata());
    meta.putAll(picked);
    SafeTensors.write(model, c.tensors(), meta);
    return picked;
  }
}
