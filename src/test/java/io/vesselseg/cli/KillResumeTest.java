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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL during training loses at most the current epoch, and {@code --resume} then ends with weights
 * bit-identical to an uninterrupted run (CPU, fixed seed, same thread count).
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

  @Test
  void sigkillThenResumeReproducesTheUninterruptedWeights(@TempDir Path dir) throws Exception {
    Path reference = dir.resolve("reference");
    assertEquals(Main.OK, CliTest.run(args(reference)).code());

    Path killed = dir.resolve("killed");
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args(killed)));
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("child.log").toFile()).start();
    Path csv = killed.resolve("metrics.csv");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
    while (System.nanoTime() < deadline && child.isAlive()
        && !(Files.exists(csv) && Files.readAllLines(csv).size() >= 2)) {
      Thread.sleep(50);
    }
    assertTrue(child.isAlive(), "the child finished before it could be killed: " + Files.readString(
        dir.resolve("child.log")));
    child.destroyForcibly(); // SIGKILL on Linux
    child.waitFor(30, TimeUnit.SECONDS);
    int epochsDone = Files.readAllLines(csv).size() - 1;
    assertTrue(epochsDone >= 1 && epochsDone < 4, "killed after " + epochsDone + " epochs");

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
