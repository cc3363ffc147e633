package io.vesselseg.track;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.train.TrainConfig;
import io.vesselseg.train.TrainListener;
import io.vesselseg.train.TrainState;
import io.vesselseg.train.TrainSummary;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors a training run into an MLflow tracking server: on start a run (or the one named by
 * {@code MLFLOW_RUN_ID}, as {@code mlflow run} sets it) with the config as params and the git commit, device
 * and precision as tags; after every epoch the losses, validation F1/AUC, threshold, learning rate and
 * throughput with {@code step} = epoch; at the end the run directory's files as artifacts
 * ({@code model/best.safetensors}, {@code run.json}, {@code metrics.csv}, {@code curves.png},
 * {@code report.html}, {@code overlays/}), an optional model registration, and status {@code FINISHED}
 * ({@code KILLED}, without registration, when a stop request interrupted the run).
 *
 * <p>Tracking never stops training: the first failure (server down, HTTP error) is logged once as a warning
 * and the listener then does nothing more. It must run after the listeners that write the run directory's
 * files, i.e. as one of {@code TrainingRun.execute}'s extra listeners. {@link #close()} marks a run this
 * listener created as {@code FAILED} when training ended without reaching {@link #onEnd}.
 *
 * <p>A run this listener creates is named in the run directory's {@value #RUN_FILE}; {@code train --resume}
 * against the same tracking server reopens that MLflow run (status back to {@code RUNNING}) and goes on
 * logging into it, so one training is one MLflow run however often it was interrupted.
 */
public final class MlflowListener implements TrainListener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MlflowListener.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Default experiment name. */
  public static final String DEFAULT_EXPERIMENT = "vesselseg";
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** The file in the run directory that names the MLflow run this listener created. */
  public static final String RUN_FILE = "mlflow-run.json";

  private final MlflowTracker tracker;
  private final String experiment;
  private final String registerAs;
  private final String existingRunId;
  private Path runDir;
  private MlflowTracker.RunInfo run;
  private boolean ownRun;
  private boolean artifacts;
  private boolean ended;
  private boolean disabled;

  /**
   * @param tracker       the server client
   * @param experiment    experiment name (created when missing)
   * @param registerAs    registered model name for {@code model/}, or null for no registration
   * @param existingRunId log into this run instead of creating one (null: create)
   */
  public MlflowListener(MlflowTracker tracker, String experiment, String registerAs, String existingRunId) {
    this.tracker = tracker;
    this.experiment = experiment == null || experiment.isBlank() ? DEFAULT_EXPERIMENT : experiment;
    this.registerAs = registerAs == null || registerAs.isBlank() ? null : registerAs;
    this.existingRunId = existingRunId == null || existingRunId.isBlank() ? null : existingRunId;
  }

  /**
   * The listener for the CLI options: the tracking URI is {@code uri}, else {@code MLFLOW_TRACKING_URI};
   * empty when neither is set, or (with a warning) when it is not an http(s) server. {@code MLFLOW_RUN_ID}
   * (set by {@code mlflow run}) names the run to log into, when the URI is that of {@code MLFLOW_TRACKING_URI}.
   */
  public static Optional<MlflowListener> fromOptions(String uri, String experiment, String registerAs) {
    String env = System.getenv("MLFLOW_TRACKING_URI");
    String u = uri != null && !uri.isBlank() ? uri : env;
    if (u == null || u.isBlank()) {
      if (registerAs != null) {
        LOG.warn("--register-as {} ignored: no --mlflow URI and no MLFLOW_TRACKING_URI", registerAs);
      }
      return Optional.empty();
    }
    try {
      return Optional.of(new MlflowListener(new MlflowTracker(u, CONNECT_TIMEOUT), experiment, registerAs,
          u.equals(env) ? System.getenv("MLFLOW_RUN_ID") : null));
    } catch (IllegalArgumentException e) {
      LOG.warn("MLflow tracking disabled: {} (only tracking servers are supported)", e.getMessage());
      return Optional.empty();
    }
  }

  /** The MLflow run id once started (empty before, or when tracking failed before a run existed). */
  public Optional<String> runId() {
    return Optional.ofNullable(run).map(MlflowTracker.RunInfo::runId);
  }

  /** True once a tracking failure has switched this listener off. */
  public boolean disabled() {
    return disabled;
  }

  @Override
  public void onStart(TrainConfig config, int firstEpoch, long totalSteps) {
    runDir = config.runtime().out();
    guard("start the run", () -> {
      JsonNode prov = provenance(runDir);
      Map<String, String> tags = new LinkedHashMap<>();
      String commit = prov.path("git_commit").asText("");
      if (commit.matches("[0-9a-f]{40}(-dirty)?")) {
        tags.put("mlflow.source.git.commit", commit.substring(0, 40));
        tags.put("git_dirty", Boolean.toString(commit.endsWith("-dirty")));
      }
      tags.put("device", prov.path("device").asText(config.runtime().device()));
      tags.put("precision", config.runtime().precision().label());
      tags.put("vesselseg.version", prov.path("vesselseg").asText(""));
      String name = config.runtime().out().toAbsolutePath().normalize().getFileName().toString();
      Optional<String> interrupted = config.runtime().resume() ? interruptedRun(runDir) : Optional.empty();
      if (existingRunId != null) {
        run = tracker.getRun(existingRunId);
      } else if (interrupted.isPresent()) {
        run = tracker.getRun(interrupted.get());
        tracker.reopen(run.runId());
        ownRun = true;
        LOG.info("MLflow: resuming run {}", run.runId());
      } else {
        tags.put("mlflow.runName", name);
        run = tracker.createRun(tracker.experimentId(experiment), name, tags);
        ownRun = true;
        rememberRun(runDir, run);
      }
      Map<String, String> params = new LinkedHashMap<>();
      config.flat().forEach((k, v) -> { // the flat keys of earlier versions: batch_size, seed, ...
        if (!run.params().containsKey(k)) { // a run made by `mlflow run` already holds its entry-point params
          params.put(k, String.valueOf(v));
        }
      });
      if (!params.isEmpty()) {
        tracker.logParams(run.runId(), params);
      }
      if (!ownRun) {
        tracker.setTags(run.runId(), tags);
      }
      artifacts = MlflowTracker.proxied(run);
      if (!artifacts) {
        LOG.warn("MLflow run {} stores artifacts at {}, which this client cannot write: artifacts will not be "
            + "uploaded (start the server with --serve-artifacts)", run.runId(), run.artifactUri());
      }
      LOG.info("MLflow: run {} in experiment {} at {}", run.runId(), run.experimentId(), tracker.trackingUri());
    });
  }

  @Override
  public void onEpoch(Epoch e, TrainState state) {
    if (run == null) {
      return;
    }
    guard("log metrics", () -> {
      long now = System.currentTimeMillis();
      long step = e.epoch();
      tracker.logMetrics(run.runId(), List.of(
          new MlflowTracker.Metric("train_loss", e.trainLoss(), step, now),
          new MlflowTracker.Metric("val_loss", e.valLoss(), step, now),
          new MlflowTracker.Metric("val_f1", e.valF1(), step, now),
          new MlflowTracker.Metric("val_auc", e.valAuc(), step, now),
          new MlflowTracker.Metric("threshold", e.threshold(), step, now),
          new MlflowTracker.Metric("lr", e.lr(), step, now),
          new MlflowTracker.Metric("patches_per_s", e.patchesPerSecond(), step, now)));
    });
  }

  @Override
  public void onEnd(TrainSummary s) {
    ended = true;
    if (run == null) {
      return;
    }
    guard("record the end of the run", () -> {
      Map<String, String> tags = new LinkedHashMap<>();
      tags.put("best_epoch", Integer.toString(s.bestEpoch()));
      tags.put("best_val_f1", Double.toString(s.bestValF1()));
      tags.put("stop_reason", String.valueOf(s.stopReason()));
      tracker.setTags(run.runId(), tags);
    });
    if (artifacts) {
      guard("upload artifacts", () -> {
        for (Map.Entry<String, Path> a : artifactFiles(runDir).entrySet()) {
          tracker.uploadArtifact(run, a.getKey(), a.getValue());
        }
      });
    }
    if (registerAs != null && !s.interrupted() && Files.isRegularFile(runDir.resolve("best.safetensors"))) {
      guard("register the model", () -> {
        String version = tracker.registerModel(registerAs, run.artifactUri() + "/model", run.runId());
        LOG.info("MLflow: registered {} version {}", registerAs, version);
      });
    }
    if (ownRun) {
      // KILLED, as MLflow names a run stopped by its user; train --resume reopens it
      String status = s.interrupted() ? "KILLED" : "FINISHED";
      guard("finish the run", () -> tracker.terminate(run.runId(), status));
    }
  }

  /** Marks a run this listener created as FAILED when training stopped before {@link #onEnd}. */
  @Override
  public void close() {
    if (!ended && ownRun && run != null) {
      guard("mark the run failed", () -> tracker.terminate(run.runId(), "FAILED"));
    }
    ended = true;
  }

  /**
   * The run directory's files to upload, by artifact path: {@code model/best.safetensors}, {@code run.json},
   * {@code metrics.csv}, {@code curves.png}, {@code report.html} and {@code overlays/*.png}, those that exist.
   */
  static Map<String, Path> artifactFiles(Path dir) throws IOException {
    Map<String, Path> out = new LinkedHashMap<>();
    put(out, "model/best.safetensors", dir.resolve("best.safetensors"));
    for (String f : List.of("run.json", "metrics.csv", "curves.png", "report.html")) {
      put(out, f, dir.resolve(f));
    }
    Path overlays = dir.resolve("overlays");
    if (Files.isDirectory(overlays)) {
      List<Path> pngs = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(overlays, "*.png")) {
        ds.forEach(pngs::add);
      }
      pngs.stream().sorted().forEach(p -> put(out, "overlays/" + p.getFileName(), p));
    }
    return out;
  }

  private static void put(Map<String, Path> out, String name, Path p) {
    if (Files.isRegularFile(p)) {
      out.put(name, p);
    }
  }

  /** The run id in {@value #RUN_FILE} when it names a run on this listener's tracking server. */
  private Optional<String> interruptedRun(Path dir) {
    Path f = dir.resolve(RUN_FILE);
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(f.toFile());
      if (!tracker.trackingUri().equals(n.path("tracking_uri").asText())) {
        LOG.info("MLflow: {} names a run on {}, not {}: starting a new run", f, n.path("tracking_uri").asText(),
            tracker.trackingUri());
        return Optional.empty();
      }
      return Optional.of(n.path("run_id").asText()).filter(id -> !id.isBlank());
    } catch (IOException e) {
      LOG.warn("MLflow: {} is unreadable ({}): starting a new run", f, e.getMessage());
      return Optional.empty();
    }
  }

  private void rememberRun(Path dir, MlflowTracker.RunInfo r) {
    var node = JSON.createObjectNode().put("tracking_uri", tracker.trackingUri()).put("run_id", r.runId())
        .put("experiment_id", r.experimentId());
    io.vesselseg.AtomicFiles.write(dir.resolve(RUN_FILE), "MLflow run file",
        out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, node));
  }

  private static JsonNode provenance(Path dir) {
    try {
      Path f = dir.resolve("run.json");
      return Files.isRegularFile(f) ? JSON.readTree(f.toFile()).path("provenance") : JSON.createObjectNode();
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  private interface Action {
    void run() throws Exception;
  }

  private void guard(String what, Action action) {
    if (disabled) {
      return;
    }
    try {
      action.run();
    } catch (Exception e) {
      disabled = true;
      LOG.warn("MLflow tracking disabled for the rest of this run: could not {}: {}", what, e.getMessage());
      LOG.debug("MLflow failure", e);
    }
  }
}
