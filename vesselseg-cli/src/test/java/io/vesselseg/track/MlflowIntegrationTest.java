package io.vesselseg.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.cli.Main;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Precision;
import io.vesselseg.train.ConsoleProgress;
import io.vesselseg.train.TrainConfig;
import io.vesselseg.train.TrainListener;
import io.vesselseg.train.TrainState;
import io.vesselseg.train.TrainingRun;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short synthetic training logged to a real, local MLflow tracking server (from {@code .venv-mlflow/},
 * see {@code scripts/mlflow-venv.sh}), then everything read back through the REST API.
 */
@Tag("mlflow")
class MlflowIntegrationTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> METRICS =
      List.of("train_loss", "val_loss", "val_f1", "val_auc", "threshold", "lr", "patches_per_s");

  @TempDir
  static Path serverDir;
  private static MlflowServer server;

  @BeforeAll
  static void startServer() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(MlflowServer.EXECUTABLE), "skipped: " + MlflowServer.EXECUTABLE
        + " does not exist; run `bash scripts/mlflow-venv.sh` to install the MLflow server these tests start");
    server = MlflowServer.start(serverDir, Duration.ofSeconds(90));
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void trainingIsTrackedAndModelRegistered(@TempDir Path dir) {
    int code = Main.run("train", "--data", "synthetic", "--out", dir.resolve("run").toString(), "--epochs", "2",
        "--steps-per-epoch", "5", "--batch-size", "4", "--patch-size", "32", "--depth", "2",
        "--base-channels", "4", "--precision", "fp32", "--mlflow", server.uri(), "--experiment", "it",
        "--register-as", "vesselseg-test");
    assertEquals(Main.OK, code);

    MlflowTracker api = new MlflowTracker(server.uri(), Duration.ofSeconds(5));
    String exp = api.experimentId("it");
    JsonNode runs = api.post("runs/search", JSON.createObjectNode().set("experiment_ids",
        JSON.createArrayNode().add(exp))).path("runs");
    assertEquals(1, runs.size(), "one run in the experiment");
    JsonNode run = runs.get(0);
    String runId = run.path("info").path("run_id").asText();
    assertEquals("FINISHED", run.path("info").path("status").asText());
    assertTrue(run.path("info").path("artifact_uri").asText().startsWith("mlflow-artifacts:/"));

    Map<String, String> params = keyValues(run.path("data").path("params"));
    assertEquals("4", params.get("batch_size"));
    assertEquals("2", params.get("epochs"));
    assertEquals("synthetic", params.get("data"));
    Map<String, String> tags = keyValues(run.path("data").path("tags"));
    assertEquals("run", tags.get("mlflow.runName"));
    assertEquals("fp32", tags.get("precision"));
    assertEquals("cpu", tags.get("device").toLowerCase());

    for (String m : METRICS) {
      List<Long> steps = new ArrayList<>();
      api.get("metrics/get-history", Map.of("run_id", runId, "metric_key", m)).path("metrics")
          .forEach(v -> steps.add(v.path("step").asLong()));
      assertEquals(List.of(1L, 2L), steps.stream().sorted().toList(), "steps of " + m);
    }

    List<String> root = api.listArtifacts(runId, "");
    for (String f : List.of("run.json", "metrics.csv", "curves.png", "report.html", "model", "overlays")) {
      assertTrue(root.contains(f), f + " in " + root);
    }
    assertEquals(List.of("model/best.safetensors"), api.listArtifacts(runId, "model"));
    assertFalse(api.listArtifacts(runId, "overlays").isEmpty());

    JsonNode versions = api.get("model-versions/search", Map.of("filter", "name='vesselseg-test'"))
        .path("model_versions");
    assertEquals(1, versions.size());
    assertEquals(runId, versions.get(0).path("run_id").asText());
    assertTrue(versions.get(0).path("source").asText().endsWith(runId + "/artifacts/model"),
        versions.get(0).path("source").asText());
  }

  @Test
  void aResumedTrainingLogsIntoTheSameRun(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("crashy");
    List<Sample> images = SyntheticFundus.dataset(8, 31, 64, 64);
    TrainListener crash = new TrainListener() {
      @Override
      public void onEpoch(Epoch e, TrainState state) {
        throw new IllegalStateException("simulated crash after epoch " + e.epoch());
      }
    };
    ConsoleProgress quiet = new ConsoleProgress(new PrintStream(OutputStream.nullOutputStream()), false);
    try (MlflowListener first = listener()) {
      assertThrows(IllegalStateException.class,
          () -> TrainingRun.execute(config(out, false), images, quiet, List.of(first, crash)));
    }
    String runId = JSON.readTree(out.resolve(MlflowListener.RUN_FILE).toFile()).path("run_id").asText();
    MlflowTracker api = new MlflowTracker(server.uri(), Duration.ofSeconds(5));
    assertEquals("FAILED", api.get("runs/get", Map.of("run_id", runId)).path("run").path("info")
        .path("status").asText(), "an interrupted run is marked FAILED");

    try (MlflowListener second = listener()) {
      TrainingRun.execute(config(out, true), images, quiet, List.of(second));
      assertEquals(runId, second.runId().orElseThrow(), "--resume logs into the interrupted run");
    }
    JsonNode runs = api.post("runs/search", JSON.createObjectNode().set("experiment_ids",
        JSON.createArrayNode().add(api.experimentId("resume-it")))).path("runs");
    assertEquals(1, runs.size(), "one MLflow run for one training");
    assertEquals("FINISHED", runs.get(0).path("info").path("status").asText());
    List<Long> steps = new ArrayList<>();
    api.get("metrics/get-history", Map.of("run_id", runId, "metric_key", "val_f1")).path("metrics")
        .forEach(v -> steps.add(v.path("step").asLong()));
    assertEquals(List.of(1L, 2L), steps.stream().sorted().toList(), "epoch 1 before the crash, 2 after");
  }

  @Test
  void aStoppedTrainingIsMarkedKilledAndNotRegistered(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("stopped");
    List<Sample> images = SyntheticFundus.dataset(8, 31, 64, 64);
    ConsoleProgress quiet = new ConsoleProgress(new PrintStream(OutputStream.nullOutputStream()), false);
    MlflowTracker api = new MlflowTracker(server.uri(), Duration.ofSeconds(5));
    try (MlflowListener l = new MlflowListener(api, "stop-it", "vesselseg-stopped", null)) {
      int[] polls = {0}; // a stop request before step 2 of epoch 2 (4 steps an epoch)
      var s = TrainingRun.execute(config(out, false), images, quiet, List.of(l), () -> ++polls[0] > 5);
      assertTrue(s.interrupted(), s.stopReason());
    }
    String runId = JSON.readTree(out.resolve(MlflowListener.RUN_FILE).toFile()).path("run_id").asText();
    JsonNode run = api.get("runs/get", Map.of("run_id", runId)).path("run");
    assertEquals("KILLED", run.path("info").path("status").asText());
    assertEquals("interrupted", keyValues(run.path("data").path("tags")).get("stop_reason"));
    assertEquals(0, api.get("model-versions/search", Map.of("filter", "name='vesselseg-stopped'"))
        .path("model_versions").size(), "an unfinished model is not registered");
  }

  private static MlflowListener listener() {
    return new MlflowListener(new MlflowTracker(server.uri(), Duration.ofSeconds(5)), "resume-it", null, null);
  }

  private static TrainConfig config(Path out, boolean resume) {
    return new TrainConfig(new TrainConfig.Data("synthetic", 2, 1, null, ""),
        new TrainConfig.Schedule(2, 4, 0, 4, 3e-3, 1e-4, 1), new TrainConfig.Sampling(32, "basic", "rgb"),
        TrainConfig.Objective.defaults(), new Architecture(2, 4),
        new TrainConfig.Runtime(out, "cpu", Precision.FP32, 0, 3, resume));
  }

  private static Map<String, String> keyValues(JsonNode arr) {
    Map<String, String> m = new HashMap<>();
    arr.forEach(p -> m.put(p.path("key").asText(), p.path("value").asText()));
    return m;
  }
}
