package io.vesselseg.train;

/**
 * Hooks into the training loop. The loop itself knows nothing of logging, files, MLflow or checkpoints:
 * each of those is a listener. Listeners run on the training thread; keep {@link #onStep} cheap.
 */
public interface TrainListener {

  /** One optimisation step finished. */
  record Step(int epoch, long globalStep, int stepInEpoch, float loss, double lr, double patchesPerSecond,
      double elapsedSeconds) {}

  /** One epoch finished and was validated; {@code state} is what a checkpoint must record. */
  record Epoch(int epoch, long globalStep, double trainLoss, double valLoss, double valF1, double valAuc,
      float threshold, double lr, double patchesPerSecond, double elapsedSeconds, boolean best) {}

  default void onStart(TrainConfig config, int firstEpoch, long totalSteps) {}

  default void onStep(Step step) {}

  default void onEpoch(Epoch epoch, TrainState state) {}

  default void onEnd(TrainSummary summary) {}
}
