package io.vesselseg.cli;

import io.vesselseg.VesselSegmenter;
import io.vesselseg.infer.Models;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.Network;
import io.vesselseg.model.Precision;
import io.vesselseg.model.Tta;
import picocli.CommandLine.Option;

/** The model options shared by evaluate, predict, segment and visualize. */
final class ModelOptions {

  @Option(names = "--model",
      description = "run directory, .safetensors model file, or a model shipped in the jar: builtin (the "
          + "four-network ensemble, the default) or compact (one small network, ~10x faster)")
  String model;

  @Option(names = "--tta", description = "average the four flipped predictions (4x slower, usually a little better)")
  boolean tta;

  @Option(names = "--tta8", description = "average all eight flips and transposes of the image (8x slower)")
  boolean tta8;

  @Option(names = "--members", paramLabel = "N", description = "of an ensemble model, use only the first N networks "
      + "(N times the work of one instead of all of them; default: all)")
  Integer members;

  @Option(names = "--unfolded", description = "predict with the trainable module instead of its BatchNorm-folded "
      + "copy (the same probabilities within 1e-4, ~30%% more memory; for comparisons)")
  boolean unfolded;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda")
  String device;

  @Option(names = "--precision", defaultValue = "fp32", description = "fp32, bf16 (autocast) or int8 (CPU; "
      + "a model calibrated by vesselseg quantize, e.g. compact)")
  String precision;

  @Option(names = "--tile", paramLabel = "PX", defaultValue = "0", description = "run the network on square "
      + "tiles of this side (64..4096, overlapping by a quarter, blended) instead of whole photographs: less "
      + "memory for large photographs, more time (default 0: whole, tiles of 512 above 1.5 Mpixel)")
  int tile;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  Tta tta() {
    return tta8 ? Tta.D8 : tta ? Tta.FLIPS : Tta.NONE;
  }

  /** The model's name in messages and reports. */
  String describe() {
    return Models.describe(model);
  }

  /** The model's threshold for the chosen test-time augmentation. */
  float threshold(Checkpoint.Loaded loaded) {
    return loaded.meta().thresholds().forTta(tta());
  }

  /** A predictor with the chosen test-time augmentation, whole photographs or --tile tiles. */
  Predictor predictor(Network net) {
    VesselSegmenter.Options.defaults().withTile(tile); // the one range check, also for this path
    return tile == 0 ? new Predictor(net, tta()) : new Predictor(net, tta(), tile, tile / 4, 0);
  }

  /**
   * Opens the model through the public API, as {@code predict} and {@code segment} use it: {@code rescale}
   * auto|none, {@code threshold} null for the model's own.
   */
  VesselSegmenter open(String rescale, Float threshold) {
    if (!rescale.equals("auto") && !rescale.equals("none")) {
      throw new io.vesselseg.VesselsegException.Usage("--rescale " + rescale + ": expected auto or none");
    }
    var t = tta8 ? VesselSegmenter.Tta.D8 : tta ? VesselSegmenter.Tta.FLIPS : VesselSegmenter.Tta.NONE;
    var options = VesselSegmenter.Options.defaults().withTta(t).withMembers(members == null ? 0 : members)
        .withRescale(rescale.equals("auto")).withDevice(device).withPrecision(precision)
        .withThreshold(threshold == null ? 0 : threshold).withFoldBatchNorm(!unfolded).withTile(tile);
    return model == null ? VesselSegmenter.builtIn(options)
        : Models.isBuiltIn(model) ? VesselSegmenter.builtIn(model, options)
        : VesselSegmenter.load(java.nio.file.Path.of(model), options);
  }

  /** Loads the model, BatchNorm folded for inference unless --unfolded (the caller closes its network). */
  Checkpoint.Loaded load() {
    Checkpoint.Loaded loaded = Models.load(model, device, Precision.parse(precision),
        members == null ? Checkpoint.MAX_MEMBERS : members);
    if (!unfolded) {
      loaded.network().fuseForInference();
    }
    return loaded;
  }
}
