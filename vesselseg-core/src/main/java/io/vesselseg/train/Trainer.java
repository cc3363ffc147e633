package io.vesselseg.train;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.PatchSampler;
import io.vesselseg.model.Distributed;
import io.vesselseg.model.TrainStep;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * The training loop: epochs of {@code stepsPerEpoch} AdamW steps on random patches, each epoch followed by
 * validation. The next batch is sampled on a background thread while the current step runs. Stops after
 * {@code epochs}, or cleanly at the wall-clock budget (finishing the current step, then validating). A stop
 * request (a signal, polled before every step) ends it at once without validating the unfinished epoch, so
 * the last epoch's checkpoint stays the state to resume from; the summary then says {@value #INTERRUPTED}.
 * It reports everything through {@link TrainListener}s and knows nothing of files or logging.
 *
 * <p>Data-parallel (the step has a {@link Distributed} group): every rank draws the same global batch from the
 * same seeds and the step trains on the rank's shard of it, so the union of the shards is exactly the batch one
 * process would draw. The stop and time-budget decisions are rank 0's, broadcast every step, so all ranks
 * take the same number of steps; only rank 0 is given a real validator and listeners that write.
 */
public final class Trainer {

  /** The stop reason of a run ended by a stop request. */
  public static final String INTERRUPTED = "interrupted";

  private final TrainConfig cfg;
  private final TrainStep step;
  private final PatchSampler sampler;
  private final Validator validator;
  private final List<TrainListener> listeners;
  private final BooleanSupplier stopRequested;

  public Trainer(TrainConfig cfg, TrainStep step, PatchSampler sampler, Validator validator,
      List<TrainListener> listeners, BooleanSupplier stopRequested) {
    this.cfg = cfg;
    this.step = step;
    this.sampler = sampler;
    this.validator = validator;
    this.listeners = listeners;
    this.stopRequested = stopRequested;
  }

  /** Trains from {@code start} (a fresh state or one read from a checkpoint). */
  public TrainSummary run(TrainState start) {
    TrainConfig.Schedule plan = cfg.schedule();
    int b = plan.batchSize();
    int p = cfg.sampling().patchSize();
    long totalSteps = plan.totalSteps();
    double budget = plan.maxMinutes() * 60;
    LrSchedule schedule = plan.lrSchedule();
    listeners.forEach(l -> l.onStart(cfg, start.epoch() + 1, totalSteps));

    float[][] xs = {new float[b * 3 * p * p], new float[b * 3 * p * p]};
    float[][] ys = {new float[b * p * p], new float[b * p * p]};
    // soft targets (a teacher's probabilities) beside the labels when distilling
    float[][] ts = sampler.hasSoftTargets() ? new float[][] {new float[b * p * p], new float[b * p * p]}
        : new float[][] {null, null};
    ExecutorService prefetch = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "patch-prefetch");
      t.setDaemon(true);
      return t;
    });
    TrainState state = start;
    String stopReason = "epochs";
    double lastValidationSeconds = 0;
    long runStart = System.nanoTime();
    Distributed group = step.distributed();
    try {
      for (int epoch = start.epoch() + 1; plan.epochs() == 0 || epoch <= plan.epochs(); epoch++) {
        long seed = epochSeed(cfg.runtime().seed(), epoch);
        Random rng = new Random(seed);
        step.seedNoise(seed ^ NOISE_SEED);
        Future<?> next = prefetch.submit(() -> sampler.fill(rng, xs[0], ys[0], ts[0], b));
        double lossSum = 0;
        int steps = 0;
        double lr = 0;
        double epochTrainSeconds = 0;
        boolean outOfTime = false;
        boolean interrupted = false;
        for (int s = 0; s < plan.stepsPerEpoch(); s++) {
          if (agreed(group, stopRequested.getAsBoolean())) {
            interrupted = true;
            break;
          }
          int cur = s % 2;
          await(next);
          if (s + 1 < plan.stepsPerEpoch()) {
            int nxt = 1 - cur;
            next = prefetch.submit(() -> sampler.fill(rng, xs[nxt], ys[nxt], ts[nxt], b));
          }
          double elapsed = state.elapsedSeconds() + seconds(runStart);
          lr = schedule.at(state.globalStep() + steps, elapsed);
          long t0 = System.nanoTime();
          float loss = step.step(xs[cur], ys[cur], ts[cur], b, p, lr);
          double dt = seconds(t0);
          epochTrainSeconds += dt;
          if (!Float.isFinite(loss)) {
            throw new VesselsegException.Usage("training diverged: the loss became " + loss + " at epoch "
                + epoch + ", step " + (state.globalStep() + steps + 1) + " (lr " + String.format("%.2e", lr)
                + "); lower --lr (now " + plan.lr() + ") or train with --precision fp32. The last good "
                + "checkpoint in " + cfg.runtime().out() + " is intact and --resume continues from it");
          }
          lossSum += loss;
          steps++;
          double now = state.elapsedSeconds() + seconds(runStart);
          for (TrainListener l : listeners) {
            l.onStep(new TrainListener.Step(epoch, state.globalStep() + steps, s + 1, loss, lr,
                b / dt, now));
          }
          if (agreed(group, budget > 0 && now + lastValidationSeconds + dt >= budget)) {
            outOfTime = true;
            break;
          }
        }
        if (interrupted) {
          stopReason = INTERRUPTED;
          break;
        }
        long v0 = System.nanoTime();
        Validator.Result val = validator.validate();
        lastValidationSeconds = seconds(v0);
        // without validation images (NaN figures) every epoch replaces the last: the final weights are the model
        boolean best = Double.isNaN(val.f1()) || val.f1() > state.bestValF1();
        double trainSeconds = state.trainSeconds() + epochTrainSeconds;
        long global = state.globalStep() + steps;
        double elapsed = state.elapsedSeconds() + seconds(runStart);
        state = new TrainState(epoch, global, elapsed, trainSeconds,
            best ? val.f1() : state.bestValF1(), best ? epoch : state.bestEpoch(),
            best ? val.auc() : state.bestValAuc(), best ? val.threshold() : state.bestThreshold());
        runStart = System.nanoTime();
        var ep = new TrainListener.Epoch(epoch, global, lossSum / Math.max(1, steps), val.loss(), val.f1(),
            val.auc(), val.threshold(), lr, steps * b / Math.max(epochTrainSeconds, 1e-9), elapsed, best);
        for (TrainListener l : listeners) {
          l.onEpoch(ep, state);
        }
        if (outOfTime) {
          stopReason = "time budget of " + plan.maxMinutes() + " min";
          break;
        }
      }
    } finally {
      prefetch.shutdownNow();
    }
    TrainSummary summary = new TrainSummary(state.epoch(), state.globalStep(), state.bestEpoch(),
        state.bestValF1(), state.bestValAuc(), state.bestThreshold(), state.elapsedSeconds() / 60,
        state.globalStep() * b / Math.max(state.trainSeconds(), 1e-9), stopReason);
    listeners.forEach(l -> l.onEnd(summary));
    return summary;
  }

  /** Rank 0's {@code decision} on every rank of {@code group}; this process's own without a group. */
  private static boolean agreed(Distributed group, boolean decision) {
    return group == null ? decision : group.fromRankZero(decision ? 1 : 0) == 1;
  }

  /** Mixed into the epoch seed for libtorch's RNG (DropBlock), so it does not repeat the patch sampler's. */
  private static final long NOISE_SEED = 0x5DEECE66DL;

  /** Patch sampling of each epoch is seeded from the run seed and the epoch, so a resumed run repeats it. */
  static long epochSeed(long seed, int epoch) {
    return seed * 1_000_003L + epoch * 7919L;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static void await(Future<?> f) {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sampling patches", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    }
  }
}
