package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.viz.Overlay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGKILL during training loses at most the current epoch, SIGTERM (or Ctrl-C) stops it cleanly at the next
 * step, and {@code --resume} then ends with weights bit-identical to an uninterrupted run (CPU, fixed seed,
 * same thread count). SIGTERM during a {@code predict} batch stops it after the current photograph, every
 * output written whole, and {@code --skip-existing} finishes the batch.
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

  @Test
  void aStoppedPredictionBatchKeepsWholeOutputsAndSkipExistingFinishesIt(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("in");
    var photo = SyntheticFundus.generate(7, 400, 400);
    ImageFiles.writePng(in.resolve("photo00.png"), Overlay.photo(photo.rgb(), photo.width(), photo.height()));
    int n = 24;
    for (int i = 1; i < n; i++) {
      Files.copy(in.resolve("photo00.png"), in.resolve(String.format("photo%02d.png", i)));
    }
    Path model = dir.resolve("unet.safetensors");
    try (Network net = Network.create(new Architecture(4, 16), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 3)) {
      Checkpoint.save(model, net, 0.5f, java.util.Map.of(), null);
    }
    Path out = dir.resolve("out");
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "predict", "--model",
        model.toString(), "--input", in.toString(), "--output", out.toString(), "--rescale", "none"));
    Path log = dir.resolve("child.log");
    Process child = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (System.nanoTime() < deadline && child.isAlive() && masks(out).isEmpty()) {
      Thread.sleep(20);
    }
    assertTrue(child.isAlive(), "the batch finished before it could be stopped: " + Files.readString(log));
    child.destroy(); // SIGTERM
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), "SIGTERM did not end the batch");
    String text = Files.readString(log);
    assertEquals(143, child.exitValue(), text);
    int done = masks(out).size();
    assertTrue(done >= 1 && done < n, done + " photographs done");
    assertTrue(text.contains("interrupted after " + done + " of " + n + " photographs")
        && text.contains("--skip-existing"), text);
    try (var files = Files.list(out)) {
      assertEquals(2L * done, files.count(), "a probability map and a mask per finished photograph, "
          + "nothing half-written: " + text);
    }
    try (var files = Files.list(dir)) {
      assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("hs_err"))
          .toList(), "JVM crash logs");
    }

    Path first = out.resolve("photo00_mask.png");
    var written = Files.getLastModifiedTime(first);
    Thread.sleep(1100); // coarse file times
    var rest = CliTest.run("predict", "--model", model.toString(), "--input", in.toString(), "--output",
        out.toString(), "--rescale", "none", "--skip-existing");
    assertEquals(Main.OK, rest.code(), rest.err());
    assertTrue(rest.out().contains("skipped " + done + " of " + n + " photographs"), rest.out());
    assertEquals(n, masks(out).size());
    assertEquals(written, Files.getLastModifiedTime(first), "a finished photograph is not predicted again");
  }

  private static List<Path> masks(Path out) throws java.io.IOException {
    if (!Files.isDirectory(out)) {
      return List.of();
    }
    try (var files = Files.list(out)) {
      return files.filter(p -> p.getFileName().toString().endsWith("_mask.png")).toList();
    }
  }
}
