package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --nproc 2}: two child JVMs train one run (rank 0 validates and writes); a rank killed mid-run
 * makes the launcher stop the other and exit non-zero naming the rank.
 */
class DataParallelTrainTest {

  private static final String[] TRAIN = {"train", "--data", "synthetic", "--steps-per-epoch", "3",
      "--batch-size", "4", "--patch-size", "32", "--depth", "2", "--base-channels", "4", "--precision", "fp32",
      "--seed", "3", "--nproc", "2"};

  private static List<String> command(Path out, String epochs) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(TRAIN));
    cmd.addAll(List.of("--epochs", epochs, "--out", out.toString()));
    return cmd;
  }

  @Test
  void twoProcessesTrainOneRunAndOnlyRankZeroWrites(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("run");
    Path log = dir.resolve("launcher.log");
    Process p = new ProcessBuilder(command(out, "2")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "--nproc 2 did not finish in 180 s: " + Files.readString(log));
    String text = Files.readString(log);
    assertEquals(0, p.exitValue(), text);
    assertTrue(text.contains("[rank 0]") && text.contains("[rank 1]"), text);
    assertTrue(text.contains("data-parallel rank 1 of 2"), text);
    assertTrue(Files.exists(out.resolve("best.safetensors")) && Files.exists(out.resolve("last.safetensors")));
    assertEquals(3, Files.readAllLines(out.resolve("metrics.csv")).size(), "a header and two epochs");
    assertEquals(1, text.lines().filter(l -> l.contains("model: ")).count(), "only rank 0 reports the model");
  }

  /** Tagged slow (about 45 s on the shared 2 cores); DistributedTest covers a killed rank in the default suite. */
  @Test
  @Tag("slow")
  void aKilledRankStopsTheOthersAndTheLauncherNamesIt(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("launcher.log");
    Process p = new ProcessBuilder(command(dir.resolve("run"), "1000")).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    long rank1 = -1;
    while (System.nanoTime() < deadline && p.isAlive()) {
      String text = Files.readString(log);
      Matcher m = Pattern.compile("pids \\[(\\d+), (\\d+)\\]").matcher(text);
      if (m.find() && text.contains("data-parallel rank 1 of 2")) {
        rank1 = Long.parseLong(m.group(2));
        break;
      }
      Thread.sleep(100);
    }
    assertTrue(rank1 > 0, "the ranks did not start: " + Files.readString(log));
    Thread.sleep(1000);
    ProcessHandle.of(rank1).ifPresent(ProcessHandle::destroyForcibly);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher still runs 60 s after rank 1 was killed");
    String text = Files.readString(log);
    assertTrue(p.exitValue() != 0, text);
    assertTrue(text.contains("error: rank 1 exited with code 137"), text);
    assertTrue(p.descendants().findAny().isEmpty(), "a rank outlived the launcher");
  }

  /**
   * SIGTERM to the launcher after the first epoch stops both ranks (rank 0 decides, the others follow), and
   * {@code --resume} in 2 processes finishes the run from rank 0's checkpoint. Tagged slow (three launches).
   */
  @Test
  @Tag("slow")
  void aStoppedDataParallelRunResumesInTwoProcesses(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("run");
    Path log = dir.resolve("first.log");
    Process p = new ProcessBuilder(command(out, "3")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Path csv = out.resolve("metrics.csv");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline && p.isAlive() && !(Files.exists(csv) && Files.readAllLines(csv).size() >= 2)) {
      Thread.sleep(100);
    }
    assertTrue(p.isAlive(), "the run ended before it could be stopped: " + Files.readString(log));
    p.destroy();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "SIGTERM did not stop the launcher: " + Files.readString(log));
    assertTrue(p.descendants().findAny().isEmpty(), "a rank outlived the launcher");
    int done = Files.readAllLines(csv).size() - 1;
    assertTrue(done >= 1 && done < 3, "stopped after " + done + " epochs");
    List<String> resume = command(out, "3");
    resume.add("--resume");
    Path log2 = dir.resolve("resume.log");
    Process r = new ProcessBuilder(resume).redirectErrorStream(true).redirectOutput(log2.toFile()).start();
    assertTrue(r.waitFor(180, TimeUnit.SECONDS), Files.readString(log2));
    assertEquals(0, r.exitValue(), Files.readString(log2));
    assertEquals(4, Files.readAllLines(csv).size(), "a header and three epochs: " + Files.readString(log2));
  }
}
