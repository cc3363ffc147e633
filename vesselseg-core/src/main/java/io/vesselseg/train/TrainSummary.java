package io.vesselseg.train;

/**
 * How a training run ended: the best validation epoch and its F1/AUC/threshold, the work done, and the
 * throughput (training patches per second, validation excluded).
 */
public record TrainSummary(int epochs, long steps, int bestEpoch, double bestValF1, double bestValAuc,
    float threshold, double minutes, double patchesPerSecond, String stopReason) {

  /** True when a stop request ended the run before its epochs or time budget: it can be resumed. */
  public boolean interrupted() {
    return Trainer.INTERRUPTED.equals(stopReason);
  }
}
