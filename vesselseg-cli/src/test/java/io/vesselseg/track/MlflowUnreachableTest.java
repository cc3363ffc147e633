package io.vesselseg.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tracking must never break training: a dead server or a non-HTTP URI only costs a warning. */
class MlflowUnreachableTest {

  @Test
  void deadServerOnlyWarnsAndTrainingSucceeds(@TempDir Path dir) {
    Path out = dir.resolve("run");
    int code = Main.run("train", "--data", "synthetic", "--out", out.toString(), "--epochs", "2",
        "--steps-per-epoch", "5", "--batch-size", "4", "--patch-size", "32", "--depth", "2",
        "--base-channels", "4", "--precision", "fp32", "--mlflow", "http://127.0.0.1:1",
        "--register-as", "never");
    assertEquals(Main.OK, code);
    assertTrue(Files.isRegularFile(out.resolve("best.safetensors")));
  }

  @Test
  void listenerDisablesItselfAfterTheFirstFailure(@TempDir Path dir) throws Exception {
    MlflowListener l = new MlflowListener(new MlflowTracker("http://127.0.0.1:1", Duration.ofSeconds(2)),
        "x", "m", null);
    l.onStart(io.vesselseg.train.TrainConfig.defaults("synthetic", dir), 1, 10);
    assertTrue(l.disabled());
    assertTrue(l.runId().isEmpty());
    l.close(); // nothing to do, no exception
  }

  @Test
  void nonHttpUriIsRefusedUpFront() {
    assertTrue(MlflowListener.fromOptions("file:///tmp/mlruns", null, null).isEmpty());
  }

  @Test
  void artifactFilesAreThoseThatExist(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("best.safetensors"), "x");
    Files.writeString(dir.resolve("metrics.csv"), "x");
    Files.createDirectories(dir.resolve("overlays"));
    Files.writeString(dir.resolve("overlays/epoch_002_a.png"), "x");
    Files.writeString(dir.resolve("overlays/notes.txt"), "x");
    assertEquals(Map.of("model/best.safetensors", dir.resolve("best.safetensors"),
        "metrics.csv", dir.resolve("metrics.csv"), "overlays/epoch_002_a.png",
        dir.resolve("overlays/epoch_002_a.png")), MlflowListener.artifactFiles(dir));
    assertEquals("1/abc/artifacts", MlflowTracker.proxyPath("mlflow-artifacts:/1/abc/artifacts"));
    assertEquals("1/abc/artifacts", MlflowTracker.proxyPath("mlflow-artifacts://host:5000/1/abc/artifacts/"));
  }
}
