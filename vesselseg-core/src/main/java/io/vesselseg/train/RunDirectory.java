package io.vesselseg.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vesselseg.AtomicFiles;
import io.vesselseg.VesselsegException;
import io.vesselseg.model.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A training run's folder: {@code run.json} (resolved config, provenance, and the summary once finished),
 * {@code metrics.csv} (one row per epoch), {@code best.safetensors} (the model to use) and
 * {@code last.safetensors} (the resumable checkpoint). As a listener it appends the CSV rows.
 */
public final class RunDirectory implements TrainListener {

  public static final String BEST = Checkpoint.BEST;
  public static final String LAST = Checkpoint.LAST;
  static final String HEADER = "epoch,step,train_loss,val_loss,val_f1,val_auc,threshold,lr,patches_per_s,"
      + "elapsed_s,best";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path dir;
  private Map<String, Object> runJson;

  public RunDirectory(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public Path best() {
    return dir.resolve(BEST);
  }

  public Path last() {
    return dir.resolve(LAST);
  }

  public Path metricsCsv() {
    return dir.resolve("metrics.csv");
  }

  /**
   * Creates the folder and checks it is writable, before any training starts. A fresh run refuses a folder
   * that already holds a run; a resumed run needs one.
   */
  public void prepare(boolean resume) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot create run directory " + dir + ": " + e.getMessage()
          + " (choose a writable --out)", e);
    }
    Path probe = dir.resolve(".write-test");
    try {
      Files.writeString(probe, "ok");
      Files.delete(probe);
    } catch (IOException e) {
      throw new VesselsegException.Data("run directory " + dir + " is not writable (" + e.getMessage()
          + "): choose another --out", e);
    }
    boolean exists = Files.exists(last());
    if (resume && !exists) {
      throw new VesselsegException.Usage("--resume was given but " + last() + " does not exist: start "
          + "without --resume, or point --out at the run to continue");
    }
    if (!resume && exists) {
      throw new VesselsegException.Usage("run directory " + dir + " already holds a run (" + LAST + "): "
          + "pass --resume to continue it, or choose another --out");
    }
  }

  /** Writes run.json (atomically) with the given top-level sections; later calls add/replace sections. */
  public void writeRunJson(Map<String, Object> sections) {
    runJson = runJson == null ? new java.util.LinkedHashMap<>() : runJson;
    runJson.putAll(sections);
    AtomicFiles.write(dir.resolve("run.json"), "run file", out -> JSON.writeValue(out, runJson));
  }

  /** On resume, drops CSV rows past the checkpoint's epoch (a run killed after the row, before the file). */
  public void truncateMetrics(int lastEpoch) {
    Path csv = metricsCsv();
    if (!Files.exists(csv)) {
      return;
    }
    try {
      List<String> lines = Files.readAllLines(csv);
      List<String> keep = lines.stream()
          .filter(l -> l.startsWith("epoch") || Integer.parseInt(l.split(",", 2)[0]) <= lastEpoch)
          .toList();
      Files.write(csv, keep);
    } catch (IOException | NumberFormatException e) {
      throw new VesselsegException.Data("cannot update " + csv + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void onStart(TrainConfig config, int firstEpoch, long totalSteps) {
    if (!Files.exists(metricsCsv())) {
      append(HEADER);
    }
  }

  @Override
  public void onEpoch(Epoch e, TrainState state) {
    append(String.format(Locale.ROOT, "%d,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.3e,%.2f,%.1f,%b", e.epoch(),
        e.globalStep(), e.trainLoss(), e.valLoss(), e.valF1(), e.valAuc(), e.threshold(), e.lr(),
        e.patchesPerSecond(), e.elapsedSeconds(), e.best()));
  }

  @Override
  public void onEnd(TrainSummary s) {
    writeRunJson(Map.of("summary", Map.of(
        "epochs", s.epochs(), "steps", s.steps(), "best_epoch", s.bestEpoch(),
        "best_val_f1", s.bestValF1(), "best_val_auc", s.bestValAuc(), "threshold", s.threshold(),
        "minutes", s.minutes(), "patches_per_second", s.patchesPerSecond(), "stop_reason", s.stopReason())));
  }

  private void append(String line) {
    try {
      Files.writeString(metricsCsv(), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + metricsCsv(), e);
    }
  }
}
