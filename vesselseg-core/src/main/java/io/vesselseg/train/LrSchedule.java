package io.vesselseg.train;

/**
 * Linear warm-up over {@code warmupSteps}, then cosine decay to zero. Progress through the decay is the
 * larger of the step fraction (of the steps after warm-up) and the time fraction, so a run with a wall-clock
 * budget anneals fully by the end of its budget whatever its speed. Warm-up takes at most a tenth of the run:
 * when the step count is known it is capped at a tenth of the steps (200 warm-up steps in a 200-step run would
 * leave nothing to decay), and with a budget it also ends once a tenth of the budget has elapsed (a 5-minute
 * run at 3 steps/s is warm after 30 s, not after 200 steps). The rate is a function of the step and the
 * elapsed training time only, both of which a checkpoint records, so {@code --resume} continues the same
 * curve.
 *
 * @param base          peak learning rate
 * @param warmupSteps   warm-up steps (capped at a tenth of {@code totalSteps} when that is known)
 * @param totalSteps    steps of the run (0: unknown, the run ends with its budget)
 * @param budgetSeconds wall-clock budget (0: none)
 */
public record LrSchedule(double base, int warmupSteps, long totalSteps, double budgetSeconds) {

  /** The largest share of the run (its steps, or its budget) that warm-up takes. */
  public static final double WARMUP_SHARE = 0.1;

  public LrSchedule {
    if (totalSteps > 0) {
      warmupSteps = (int) Math.min(warmupSteps, (long) (totalSteps * WARMUP_SHARE));
    }
  }

  /** Learning rate for {@code step} (0-based) after {@code elapsedSeconds} of training. */
  public double at(long step, double elapsedSeconds) {
    double byStep = totalSteps > 0
        ? Math.max(0, step - warmupSteps) / (double) Math.max(1, totalSteps - warmupSteps) : 0;
    double byTime = budgetSeconds > 0 ? elapsedSeconds / budgetSeconds : 0;
    double progress = Math.min(1.0, Math.max(byStep, byTime));
    return base * warmUp(step, elapsedSeconds) * 0.5 * (1 + Math.cos(Math.PI * progress));
  }

  /**
   * The warm-up factor in (0, 1]: linear in the steps over {@code warmupSteps}, and with a budget at least
   * linear in the time over its first tenth, so it reaches 1 at whichever comes first.
   */
  double warmUp(long step, double elapsedSeconds) {
    if (warmupSteps == 0) {
      return 1;
    }
    double bySteps = (step + 1) / (double) warmupSteps;
    double byTime = budgetSeconds > 0 ? elapsedSeconds / (WARMUP_SHARE * budgetSeconds) : 0;
    return Math.min(1.0, Math.max(bySteps, byTime));
  }
}
