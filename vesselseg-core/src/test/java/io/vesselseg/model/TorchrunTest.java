package io.vesselseg.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two ranks started by PyTorch's real {@code torchrun --no-python} (torch 2.10.0 of .venv-bench/, static
 * rendezvous): its agent hosts the store on MASTER_PORT and sets {@code TORCHELASTIC_USE_AGENT_STORE=True}, so
 * both ranks connect to it as clients. They must end with identical weights, equal to one process computing the
 * same global batch in two micro-batches within {@link DistributedTest#TOLERANCE}. Tagged {@code torch}
 * ({@code mvn test -Dgroups=torch}); skipped when no torchrun is found: {@code VESSELSEG_TORCHRUN} (a path),
 * else {@code .venv-bench/bin/torchrun} in the checkout ({@code bash scripts/bench-venv.sh} makes it).
 */
@Tag("torch")
class TorchrunTest {

  static final String MISSING = "skipped: no torchrun: set VESSELSEG_TORCHRUN to a torchrun of torch 2.x, or run "
      + "'bash scripts/bench-venv.sh' in the checkout (installs torch 2.10.0 into .venv-bench/, several GB)";

  static Path torchrun() {
    String env = System.getenv("VESSELSEG_TORCHRUN");
    if (env != null && !env.isBlank()) {
      return Path.of(env.trim());
    }
    return Path.of(System.getProperty("vesselseg.checkout", ".."), ".venv-bench", "bin", "torchrun");
  }

  @Test
  void torchrunsTwoRanksTrainAsOneProcessDoes(@TempDir Path dir) throws Exception {
    String out = torchrun(dir, 0, false);
    checkRank(dir, 0, 0);
    checkRank(dir, 1, 0);
    checkWeights(dir, out);
  }

  /**
   * Rank 1 exits right after joining in attempt 0; torchrun's agent (which keeps its store) restarts both ranks,
   * and attempt 1 joins under its own key prefix: stale keys of attempt 0 would point Gloo at dead peers.
   */
  @Test
  void aRestartedAttemptJoinsAgainAndTrains(@TempDir Path dir) throws Exception {
    String out = torchrun(dir, 1, true);
    assertTrue(Files.readString(rankLog(dir, 1, 0)).contains("rank 1 fails in attempt 0"), out);
    checkRank(dir, 0, 1);
    checkRank(dir, 1, 1);
    checkWeights(dir, out);
  }

  /** Runs the two ranks under torchrun and returns its output (exit 0 asserted). */
  private static String torchrun(Path dir, int restarts, boolean failFirst) throws Exception {
    Path torchrun = torchrun();
    assumeTrue(Files.isExecutable(torchrun), MISSING + " (looked for " + torchrun + ")");
    int port = DistributedTest.freePort();
    List<String> cmd = new ArrayList<>();
    Path python = torchrun.resolveSibling("python");
    if (Files.isExecutable(python)) { // the venv's interpreter runs the script: its #! line may be stale (a moved venv)
      cmd.add(python.toString());
    }
    cmd.addAll(List.of(torchrun.toString(), "--nnodes", "1", "--nproc-per-node", "2",
        "--rdzv-backend", "static", "--node-rank", "0", "--master-addr", "127.0.0.1",
        "--master-port", Integer.toString(port), "--max-restarts", Integer.toString(restarts),
        "--log-dir", dir.resolve("logs").toString(), "--redirects", "3", "--no-python",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), DataParallelWorker.class.getName(),
        Integer.toString(DistributedTest.STEPS), Integer.toString(DistributedTest.BATCH),
        dir.resolve("w{rank}").toString()));
    Path log = dir.resolve("torchrun.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("VESSELSEG_DIST_TIMEOUT_S", "60");
    pb.environment().remove("WORLD_SIZE");
    if (failFirst) {
      pb.environment().put("VESSELSEG_TEST_FAIL_FIRST_ATTEMPT", "1");
    }
    Process p = pb.start();
    boolean done = p.waitFor(240, TimeUnit.SECONDS);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    String out = Files.readString(log);
    assertTrue(done, "torchrun did not finish in 240 s:\n" + out);
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  /** torchrun's log of a rank: {@code <log-dir>/<run id>/attempt_<attempt>/<rank>/stdout.log}. */
  private static Path rankLog(Path dir, int rank, int attempt) throws Exception {
    try (var files = Files.walk(dir.resolve("logs"))) {
      return files.filter(x -> x.endsWith(Path.of("attempt_" + attempt, Integer.toString(rank), "stdout.log")))
          .findFirst().orElseThrow(() -> new AssertionError("no log of rank " + rank + " in attempt " + attempt));
    }
  }

  /** The rank joined torchrun's agent store under the attempt's prefix. */
  private static void checkRank(Path dir, int rank, int attempt) throws Exception {
    String log = Files.readString(rankLog(dir, rank, attempt));
    assertTrue(log.contains("rank " + rank + " of 2, store at 127.0.0.1:") && log.contains("hosted by torchrun's "
        + "agent (keys of attempt " + attempt + ")"), log);
  }

  /** Both ranks hold the same weights, those of one process in two micro-batches within the tolerance. */
  private static void checkWeights(Path dir, String out) throws Exception {
    float[] w0 = DistributedTest.read(dir.resolve("w0"));
    float[] w1 = DistributedTest.read(dir.resolve("w1"));
    float[] single = DataParallelWorker.train(null, 2, DistributedTest.STEPS, DistributedTest.BATCH, 0);
    assertEquals(single.length, w0.length, out);
    double gap = 0;
    for (int i = 0; i < w0.length; i++) {
      assertEquals(w0[i], w1[i], "both ranks hold the same weights (parameter " + i + ")");
      gap = Math.max(gap, Math.abs(single[i] - w0[i]));
    }
    System.out.printf("torchrun, two ranks vs one process in two micro-batches: max |dw| %.3g%n", gap);
    assertTrue(gap <= DistributedTest.TOLERANCE, "max |dw| " + gap + " > " + DistributedTest.TOLERANCE);
  }
}
