package io.vesselseg.train;

import java.util.Map;

/**
 * Where a run stands after a completed epoch: what a checkpoint must hold (besides weights and optimizer
 * state) for {@code --resume} to continue exactly. Patch sampling is seeded per epoch from the run seed,
 * so no RNG state beyond {@code epoch} is needed.
 */
public record TrainState(int epoch, long globalStep, double elapsedSeconds, double trainSeconds,
    double bestValF1, int bestEpoch, double bestValAuc, float bestThreshold) {

  public static TrainState fresh() {
    return new TrainState(0, 0, 0, 0, -1, 0, 0, 0.5f);
  }

  public Map<String, String> toMetadata() {
    return Map.of(
        "epoch", Integer.toString(epoch),
        "global_step", Long.toString(globalStep),
        "elapsed_seconds", Double.toString(elapsedSeconds),
        "train_seconds", Double.toString(trainSeconds),
        "best_val_f1", Double.toString(bestValF1),
        "best_epoch", Integer.toString(bestEpoch),
        "best_val_auc", Double.toString(bestValAuc),
        "best_threshold", Float.toString(bestThreshold));
  }

  public static TrainState fromMetadata(Map<String, String> m) {
    try {
      return new TrainState(Integer.parseInt(m.get("epoch")), Long.parseLong(m.get("global_step")),
          Double.parseDouble(m.get("elapsed_seconds")), Double.parseDouble(m.get("train_seconds")),
          Double.parseDouble(m.get("best_val_f1")), Integer.parseInt(m.get("best_epoch")),
          Double.parseDouble(m.get("best_val_auc")), Float.parseFloat(m.get("best_threshold")));
    } catch (RuntimeException e) {
      throw new io.vesselseg.VesselsegException.Model(
          "the checkpoint lacks training state (" + e.getMessage() + "): it is an exported model, not a "
              + "run's last.safetensors; start a new run without --resume");
    }
  }
}
