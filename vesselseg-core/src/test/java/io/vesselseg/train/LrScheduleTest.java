package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

  @Test
  void warmsUpThenDecaysToZeroByStepsOrTime() {
    LrSchedule s = new LrSchedule(1e-3, 10, 100, 0);
    assertEquals(1e-4, s.at(0, 0), 1e-12);
    assertEquals(1e-3, s.at(9, 0), 1e-6);
    assertEquals(5e-4, s.at(55, 0), 1e-9);
    assertEquals(0, s.at(100, 0), 1e-12);
    LrSchedule timed = new LrSchedule(1e-3, 0, 0, 60);
    assertEquals(5e-4, timed.at(3, 30), 1e-9);
    assertEquals(0, timed.at(4, 61), 1e-12);
  }

  @Test
  void warmUpIsCappedAtATenthOfAShortRun() {
    LrSchedule s = new LrSchedule(2e-3, 200, 200, 0);
    assertEquals(20, s.warmupSteps());
    assertEquals(2e-3, s.at(19, 0), 1e-9);
    assertTrue(s.at(199, 0) < 1e-6, "a 200-step run anneals to ~0 by its last step: " + s.at(199, 0));
    assertEquals(200, new LrSchedule(2e-3, 200, 5000, 0).warmupSteps(), "long runs keep their warm-up");
  }

  @Test
  void aTimeBudgetedRunIsWarmByATenthOfItsBudget() {
    LrSchedule s = new LrSchedule(2e-3, 200, 0, 5 * 60); // --max-minutes 5, no --epochs
    double stepsPerSecond = 3;
    double cosineAt30s = 2e-3 * 0.5 * (1 + Math.cos(Math.PI * 0.1));
    // at 3 steps/s, 30 s is step 90: under half the 200 warm-up steps, and yet the peak is reached
    assertEquals(1.0, s.warmUp(89, 89 / stepsPerSecond), 0.02);
    assertEquals(1.0, s.warmUp(90, 90 / stepsPerSecond));
    assertEquals(cosineAt30s, s.at(90, 90 / stepsPerSecond), 1e-15);
    double previous = 0;
    for (long step = 0; step < 90; step++) { // from the second step on a linear ramp over those 30 s
      double warm = s.warmUp(step, step / stepsPerSecond);
      assertEquals(Math.max((step + 1) / 200.0, step / stepsPerSecond / 30), warm, 1e-12, "step " + step);
      assertTrue(s.at(step, step / stepsPerSecond) > previous, "rising at step " + step);
      previous = s.at(step, step / stepsPerSecond);
    }
    assertEquals(1.0, s.warmUp(30, 30.0), "a slower run is warm by 30 s too");
    assertEquals(1.0, s.warmUp(199, 19.9), "a faster one after its 200 steps, before 30 s");
    assertEquals(0.5, s.warmUp(99, 1.0), 1e-12, "which is what binds it until then");
    assertEquals(1.0, new LrSchedule(2e-3, 0, 0, 300).warmUp(0, 0), "no warm-up asked for: none");
  }

  @Test
  void aRunOfKnownStepsFollowsTheSameCurveAsBefore() {
    // the curve of the version before the time cap: warm-up over min(200, steps / 10) steps, then the cosine
    // over the steps left; with no budget the clock plays no part
    for (long total : new long[] {3200, 1000, 50}) {
      LrSchedule s = new LrSchedule(2e-3, 200, total, 0);
      long warmup = Math.min(200, total / 10);
      for (long k = 0; k < total; k++) {
        double warm = warmup == 0 ? 1 : Math.min(1.0, (k + 1) / (double) warmup);
        double progress = Math.min(1.0, Math.max(0, k - warmup) / (double) Math.max(1, total - warmup));
        double expected = 2e-3 * warm * 0.5 * (1 + Math.cos(Math.PI * progress));
        assertEquals(expected, s.at(k, k * 0.37), 0, total + " steps, step " + k);
      }
    }
  }
}
