package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.model.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGKILL during training loses at most the current epoch, SIGTERM (or Ctrl-C) stops it cleanly at the next
 * step, and {@code --resume} then ends with weights bit-identical to an uninterrupted run (CPU, fixed seed,
 * same thread count).
 */
class KillResumeTest {

  private static final String[] TRAIN = {"train", "--data", "synthetic", "--epochs", "4",
      "--steps-per-epoch", "15", "--batch-size", "4", "--patch-size", "32", "--depth", "2",
      "--base-channels", "8", "--precision", "fp32", "--threads", "2", "--seed", "3"};

  private static String[] args(Path out, String... more) {
    List<String> a = new ArrayList<>(List.of(TRAIN));
    a.add("--out");
    a.add(out.toString());
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"SIGKILL", "SIGTERM"})
  void killedOrStoppedThenResumeReproducesTheUninterruptedWeights(String signal, @TempDir Path dir)
      throws Exception {
    Path reference = dir.resolve("reference");
    assertEquals(Main.OK, CliTest.run(args(reference)).code());

    Path killed = dir.resolve("killed");
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args(killed)));
    Path log = dir.resolve("child.log");
    Process child = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    Path csv = killed.resolve("metrics.csv");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
    while (System.nanoTime() < deadline && child.isAlive()
        && !(Files.exists(csv) && Files.readAllLines(csv).size() >= 2)) {
      Thread.sleep(50);
    }
    assertTrue(child.isAlive(), "the child finished before it could be killed: " + Files.readString(log));
    if (signal.equals("SIGKILL")) {
      child.destroyForcibly();
    } else {
      child.destroy();
    }
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), signal + " did not end the child");
    int epochsDone = Files.readAllLines(csv).size() - 1;
    assertTrue(epochsDone >= 1 && epochsDone < 4, "killed after " + epochsDone + " epochs");
    if (signal.equals("SIGTERM")) { // a clean stop: 128 + 15, a message that says how to go on, no crash log
      String out = Files.readString(log);
      assertEquals(143, child.exitValue(), out);
      assertTrue(out.contains("interrupted: the checkpoint after epoch " + epochsDone) && out.contains("--resume"),
          out);
      try (var files = Files.list(dir)) {
        assertEquals(List.of(), files.map(p -> p.getFileName().toString())
            .filter(n -> n.startsWith("hs_err")).toList(), "JVM crash logs");
      }
    }

    var resumed = CliTest.run(args(killed, "--resume"));
    assertEquals(Main.OK, resumed.code(), resumed.err());
    assertEquals(5, Files.readAllLines(csv).size(), "header + 4 epochs after resume");

    var a = SafeTensors.read(reference.resolve("last.safetensors")).tensors();
    var b = SafeTensors.read(killed.resolve("last.safetensors")).tensors();
    for (String k : a.keySet()) {
      if (!k.startsWith("optimizer.")) {
        assertArrayEquals(a.get(k).data(), b.get(k).data(), "tensor " + k);
      }
    }
    assertArrayEquals(
        SafeTensors.read(reference.resolve("best.safetensors")).tensors().get("head.weight").data(),
        SafeTensors.read(killed.resolve("best.safetensors")).tensors().get("head.weight").data(),
        "the best model too");
  }
}
