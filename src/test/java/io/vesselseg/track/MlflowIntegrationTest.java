package io.vesselseg.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.cli.Main;
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

  private static Map<String, String> keyValues(JsonNode arr) {
    Map<String, String> m = new HashMap<>();
    arr.forEach(p -> m.put(p.path("key").asText(), p.path("value").asText()));
    return m;
  }
}
