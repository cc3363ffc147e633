package io.vesselseg.train;

/**
 * Linear warm-up over {@code warmupSteps}, then cosine decay to zero. Progress through the decay is the
 * larger of the step fraction (of the steps after warm-up) and the time fraction, so a run with a wall-clock
 * budget anneals fully by the end of its budget whatever its speed. When the step count is known the warm-up
 * is capped at a tenth of it, so a short run still decays (200 warm-up steps in a 200-step run would not).
 */
public record LrSchedule(double base, int warmupSteps, long totalSteps, double budgetSeconds) {

  public LrSchedule {
    if (totalSteps > 0) {
      warmupSteps = (int) Math.min(warmupSteps, totalSteps / 10);
    }
  }

  /** Learning rate for {@code step} (0-based) after {@code elapsedSeconds} of training. */
  public double at(long step, double elapsedSeconds) {
    double warm = warmupSteps == 0 ? 1 : Math.min(1.0, (step + 1) / (double) warmupSteps);
    double byStep = totalSteps > 0
        ? Math.max(0, step - warmupSteps) / (double) Math.max(1, totalSteps - warmupSteps) : 0;
    double byTime = budgetSeconds > 0 ? elapsedSeconds / budgetSeconds : 0;
    double progress = Math.min(1.0, Math.max(byStep, byTime));
    return base * warm * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
}
