package io.vesselseg.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress for people: on a terminal, a live bar (epoch, loss, patches/s, ETA) redrawn at most twice a
 * second; otherwise (logs, CI) one plain line per epoch.
 */
public final class ConsoleProgress implements TrainListener {

  private final PrintStream out;
  private final boolean tty;
  private TrainConfig cfg;
  private long totalSteps;
  private long lastDraw;
  private double emaLoss = Double.NaN;

  public ConsoleProgress(PrintStream out, boolean tty) {
    this.out = out;
    this.tty = tty;
  }

  @Override
  public void onStart(TrainConfig config, int firstEpoch, long totalSteps) {
    this.cfg = config;
    this.totalSteps = totalSteps;
  }

  @Override
  public void onStep(Step s) {
    emaLoss = Double.isNaN(emaLoss) ? s.loss() : 0.95 * emaLoss + 0.05 * s.loss();
    long now = System.nanoTime();
    if (!tty || now - lastDraw < 500_000_000L) {
      return;
    }
    lastDraw = now;
    double frac = fraction(s.globalStep(), s.elapsedSeconds());
    int width = 24;
    int filled = (int) Math.round(frac * width);
    String bar = "#".repeat(filled) + ".".repeat(width - filled);
    double eta = frac > 0 ? s.elapsedSeconds() * (1 - frac) / frac : Double.NaN;
    String epochs = cfg.schedule().epochs() > 0 ? "/" + cfg.schedule().epochs() : "";
    out.print(String.format(Locale.ROOT, "\repoch %d%s [%s] %3.0f%% loss %.4f %.1f patches/s ETA %s   ",
        s.epoch(), epochs, bar, 100 * frac, emaLoss, s.patchesPerSecond(), clock(eta)));
    out.flush();
  }

  private double fraction(long step, double elapsed) {
    double byStep = totalSteps > 0 ? step / (double) totalSteps : 0;
    double byTime = cfg.schedule().maxMinutes() > 0 ? elapsed / (cfg.schedule().maxMinutes() * 60) : 0;
    return Math.min(1, Math.max(byStep, byTime));
  }

  @Override
  public void onEpoch(Epoch e, TrainState state) {
    if (tty) {
      out.print("\r" + " ".repeat(100) + "\r");
    }
    String val = Double.isNaN(e.valF1()) ? "no validation images"
        : String.format(Locale.ROOT, "val loss %.4f  val F1 %.4f  val AUC %.4f", e.valLoss(), e.valF1(),
            e.valAuc());
    out.println(String.format(Locale.ROOT,
        "epoch %d: loss %.4f  %s  thr %.3f  lr %.2e  %.1f patches/s  %s elapsed%s",
        e.epoch(), e.trainLoss(), val, e.threshold(), e.lr(), e.patchesPerSecond(), clock(e.elapsedSeconds()),
        e.best() && !Double.isNaN(e.valF1()) ? "  *best" : ""));
    out.flush();
  }

  @Override
  public void onEnd(TrainSummary s) {
    String kept = Double.isNaN(s.bestValF1())
        ? String.format(Locale.ROOT, "kept the last epoch (no validation images), borrowed threshold %.3f",
            s.threshold())
        : String.format(Locale.ROOT, "best epoch %d: val F1 %.4f, AUC %.4f, threshold %.3f", s.bestEpoch(),
            s.bestValF1(), s.bestValAuc(), s.threshold());
    if (s.interrupted() && s.epochs() == 0) {
      out.println("interrupted before the first epoch ended: no checkpoint was written, so run the same "
          + "command again (without --resume) to start over");
    } else if (s.interrupted()) {
      out.println(String.format(Locale.ROOT, "interrupted: the checkpoint after epoch %d (step %d) is intact "
          + "and the unfinished epoch is dropped; the same command with --resume continues from it; %s",
          s.epochs(), s.steps(), kept));
    } else {
      out.println(String.format(Locale.ROOT, "done (%s): %d epochs, %d steps in %.1f min, %.1f patches/s; %s",
          s.stopReason(), s.epochs(), s.steps(), s.minutes(), s.patchesPerSecond(), kept));
    }
    out.flush();
  }

  static String clock(double seconds) {
    if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
      return "--:--";
    }
    long s = Math.round(seconds);
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format("%02d:%02d", s / 60, s % 60);
  }
}
