package io.vesselseg.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two ranks as two JVMs on loopback (TCPStore + Gloo), against one process computing the same global batch in
 * two micro-batches (BatchNorm and soft Dice are per shard in both).
 */
class DistributedTest {

  /**
   * Max |Δw| allowed after {@value #STEPS} AdamW steps. With 2 ranks the result is bit-identical as measured
   * ((g0 + g1) / 2 and g0/2 + g1/2 round alike: halving is exact); the tolerance covers what reorders float sums
   * (more ranks in Gloo's ring, other thread counts in the convolutions), a few ulps per gradient that Adam's
   * normalisation can carry into a parameter at lr 1e-2.
   */
  static final double TOLERANCE = 1e-4;
  static final int STEPS = 6;
  static final int BATCH = 4;

  /**
   * {@code overlap} "1": the allreduces overlap backward, in 4 kB buckets (6 for the tiny U-Net), each started
   * by the parameter hooks as soon as its gradients are there; "0": after backward, in one bucket.
   */
  @ParameterizedTest
  @ValueSource(strings = {"1", "0"})
  void twoRanksTrainTheWeightsOneProcessTrainsOnTheSameGlobalBatch(String overlap, @TempDir Path dir)
      throws Exception {
    int port = freePort();
    List<Process> ranks = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      ranks.add(start(dir, r, port, STEPS, "60", Map.of("VESSELSEG_DIST_OVERLAP", overlap,
          "VESSELSEG_DIST_BUCKET_BYTES", overlap.equals("1") ? "4096" : "")));
    }
    for (int r = 0; r < 2; r++) {
      Process p = ranks.get(r);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "rank " + r + " did not finish");
      assertEquals(0, p.exitValue(), Files.readString(dir.resolve("rank" + r + ".log")));
    }
    float[] w0 = read(dir.resolve("w0"));
    float[] w1 = read(dir.resolve("w1"));
    float[] single = DataParallelWorker.train(null, 2, STEPS, BATCH, 0);
    float[] untrained;
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 5)) {
      untrained = DataParallelWorker.parameters(net);
    }
    assertEquals(single.length, w0.length);
    double moved = 0;
    double gap = 0;
    for (int i = 0; i < w0.length; i++) {
      assertEquals(w0[i], w1[i], "both ranks hold the same weights after every step (parameter " + i + ")");
      moved = Math.max(moved, Math.abs(single[i] - untrained[i]));
      gap = Math.max(gap, Math.abs(single[i] - w0[i]));
    }
    System.out.printf("two ranks vs one process in two micro-batches: max |dw| %.3g (weights moved up to %.3g)%n",
        gap, moved);
    assertTrue(moved > 100 * TOLERANCE, "training moved the weights by " + moved);
    assertTrue(gap <= TOLERANCE, "two ranks vs one process: max |dw| " + gap + " > " + TOLERANCE);
    String log = Files.readString(dir.resolve("rank0.log"));
    Matcher m = Pattern.compile("step " + STEPS + " .*allreduce \\d+ bytes .* \\((\\d+) buckets, (\\d+) started "
        + "during backward\\)").matcher(log);
    assertTrue(m.find(), log);
    int buckets = Integer.parseInt(m.group(1));
    int early = Integer.parseInt(m.group(2));
    System.out.printf("overlap %s: %d buckets, %d started during backward%n", overlap, buckets, early);
    if (overlap.equals("1")) {
      assertTrue(buckets > 2 && early == buckets, m.group()); // the hooks started every bucket inside backward
    } else {
      assertEquals("1 buckets, 0 started", buckets + " buckets, " + early + " started", m.group());
    }
  }

  @Test
  void killingOneRankEndsTheOtherWithAMessageInsideTheTimeOut(@TempDir Path dir) throws Exception {
    int port = freePort();
    Process r0 = start(dir, 0, port, 100_000, "20", Map.of());
    Process r1 = start(dir, 1, port, 100_000, "20", Map.of());
    Path log1 = dir.resolve("rank1.log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline && r1.isAlive()
        && !(Files.exists(log1) && Files.readString(log1).contains("step 3 "))) {
      Thread.sleep(50);
    }
    assertTrue(r1.isAlive() && r0.isAlive(), Files.readString(dir.resolve("rank0.log")));
    r1.destroyForcibly();
    long killed = System.nanoTime();
    assertTrue(r0.waitFor(30, TimeUnit.SECONDS), "rank 0 still runs 30 s after rank 1 was killed");
    String out = Files.readString(dir.resolve("rank0.log"));
    System.out.printf("rank 0 ended %.1f s after rank 1 was killed: %s%n", (System.nanoTime() - killed) / 1e9,
        out.lines().filter(l -> l.contains("another rank")).findFirst().orElse(""));
    assertEquals(3, r0.exitValue(), out);
    assertTrue(out.contains("rank 0 of 2") && out.contains("another rank has stopped"), out);
  }

  @Test
  void theEnvironmentIsReadAsTorchrunSetsIt() {
    assertEquals(null, Distributed.Env.from(Map.of()));
    assertEquals(null, Distributed.Env.from(Map.of("WORLD_SIZE", "1")));
    Distributed.Env e = Distributed.Env.from(Map.of("WORLD_SIZE", "4", "RANK", "2", "LOCAL_RANK", "0",
        "MASTER_ADDR", "10.0.0.1", "MASTER_PORT", "23456"));
    assertEquals(new Distributed.Env("10.0.0.1", 23456, 4, 2, 0), e);
    var missing = assertThrows(VesselsegException.Usage.class, () -> Distributed.Env.from(Map.of("WORLD_SIZE", "2")));
    assertTrue(missing.getMessage().contains("RANK is not set"), missing.getMessage());
    var bad = assertThrows(VesselsegException.Usage.class,
        () -> Distributed.Env.from(Map.of("WORLD_SIZE", "2", "RANK", "2")));
    assertTrue(bad.getMessage().contains("RANK 2 must be in [0, WORLD_SIZE 2)"), bad.getMessage());
    assertNotEquals(null, Distributed.timeoutFrom(Map.of()));
  }

  private static Process start(Path dir, int rank, int port, int steps, String timeout, Map<String, String> extra)
      throws IOException {
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), DataParallelWorker.class.getName(),
        Integer.toString(steps), Integer.toString(BATCH), dir.resolve("w" + rank).toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("rank" + rank + ".log").toFile());
    pb.environment().putAll(Map.of("MASTER_ADDR", "127.0.0.1", "MASTER_PORT", Integer.toString(port),
        "WORLD_SIZE", "2", "RANK", Integer.toString(rank), "LOCAL_RANK", Integer.toString(rank),
        "VESSELSEG_DIST_TIMEOUT_S", timeout));
    pb.environment().putAll(extra);
    return pb.start();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static float[] read(Path f) throws IOException {
    int n = (int) (Files.size(f) / 4);
    float[] w = new float[n];
    try (DataInputStream in = new DataInputStream(Files.newInputStream(f))) {
      for (int i = 0; i < n; i++) {
        w[i] = in.readFloat();
      }
    }
    return w;
  }
}
