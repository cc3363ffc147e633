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
        "--master-port", Integer.toString(port), "--max-restarts", "0", "--log-dir", dir.resolve("logs").toString(), "--redirects", "3", "--no-python",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), DataParallelWorker.class.getName(),
        Integer.toString(DistributedTest.STEPS), Integer.toString(DistributedTest.BATCH),
        dir.resolve("w{rank}").toString()));
    Path log = dir.resolve("torchrun.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("VESSELSEG_DIST_TIMEOUT_S", "60");
    pb.environment().remove("WORLD_SIZE");
    Process p = pb.start();
    boolean done = p.waitFor(180, TimeUnit.SECONDS);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    String out = Files.readString(log);
    assertTrue(done, "torchrun did not finish in 180 s:\n" + out);
    assertEquals(0, p.exitValue(), out);
    for (int r = 0; r < 2; r++) { // torchrun's log of each rank: <log-dir>/<run id>/attempt_0/<rank>/stdout.log
      final String rank = Integer.toString(r);
      String rankLog;
      try (var files = Files.walk(dir.resolve("logs"))) {
        Path f = files.filter(x -> x.endsWith(Path.of("attempt_0", rank, "stdout.log"))).findFirst().orElseThrow();
        rankLog = Files.readString(f);
      }
      assertTrue(rankLog.contains("rank " + r + " of 2, store at 127.0.0.1:" + port + " hosted by torchrun's agent "
          + "(keys of attempt 0)"), rankLog);
    }
    float[] w0 = DistributedTest.read(dir.resolve("w0"));
    float[] w1 = DistributedTest.read(dir.resolve("w1"));
    float[] single = DataParallelWorker.train(null, 2, DistributedTest.STEPS, DistributedTest.BATCH, 0);
    assertEquals(single.length, w0.length);
    double gap = 0;
    for (int i = 0; i < w0.length; i++) {
      assertEquals(w0[i], w1[i], "both ranks hold the same weights (parameter " + i + ")");
      gap = Math.max(gap, Math.abs(single[i] - w0[i]));
    }
    System.out.printf("torchrun, two ranks vs one process in two micro-batches: max |dw| %.3g%n", gap);
    assertTrue(gap <= DistributedTest.TOLERANCE, "max |dw| " + gap + " > " + DistributedTest.TOLERANCE);
  }
}
