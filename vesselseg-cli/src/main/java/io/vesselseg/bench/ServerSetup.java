package io.vesselseg.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import io.vesselseg.infer.Models;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How {@code bench serve} and {@code bench serve-soak} start the servers they load: our {@code serve} in a
 * child JVM on this process's class path, and the Python peer ({@code scripts/serve_peer.py}), both on
 * 127.0.0.1 with the same thread count and workers.
 *
 * <p>Threads: the child JVM gets {@code -XX:ActiveProcessorCount=threads}, so that {@code serve} gives each of
 * its {@code workers} {@code threads / workers} libtorch threads; the peer gets {@code --threads threads} and
 * splits them the same way. Both get {@code OMP_NUM_THREADS = threads / workers}.
 *
 * <p>Networks: {@code members} (e.g. 1 of the built-in 4-network ensemble) is passed to {@code serve} as
 * {@code --members} when {@code serve} has that option ({@code serveHasMembers}) and to the peer; without it both
 * sides run every network of the file. A {@code --members} inside {@code serverArgs} wins on both sides.
 *
 * @param mainClass       our command line's main class (its {@code serve} command)
 * @param model           {@code builtin} or a model file / run directory
 * @param threads         threads per server, >= 1
 * @param workers         inference workers (ours: {@code --workers}; the peer: requests computed at once)
 * @param maxQueue        our {@code --max-queue}; the peer has no queue limit
 * @param members         networks of an ensemble to use, 0: all
 * @param serveHasMembers whether our {@code serve} understands {@code --members}
 * @param serverArgs      extra arguments for our {@code serve}, passed as they are
 * @param peerArgs        extra arguments for {@code serve_peer.py}, passed as they are
 * @param heap            our child JVM's {@code -Xmx} value, e.g. {@code 2g}
 */
public record ServerSetup(String mainClass, String model, int threads, int workers, int maxQueue, int members,
    boolean serveHasMembers, List<String> serverArgs, List<String> peerArgs, String heap) {

  /** Seconds a server may take from start to ready (model load and warm-up). */
  static final double START_SECONDS = 300;

  public ServerSetup {
    if (threads < 1 || workers < 1 || maxQueue < 0 || members < 0) {
      throw new VesselsegException.Usage("--threads " + threads + " and --workers " + workers + " must be >= 1, "
          + "--max-queue " + maxQueue + " and --members " + members + " >= 0");
    }
    if (!heap.matches("[0-9]+[kmgKMG]?")) {
      throw new VesselsegException.Usage("--heap '" + heap + "': expected a JVM size such as 2g or 1500m");
    }
    serverArgs = List.copyOf(serverArgs);
    peerArgs = List.copyOf(peerArgs);
  }

  /** Splits a pass-through argument string at white space (no quoting). */
  public static List<String> split(String args) {
    return args == null || args.isBlank() ? List.of() : List.of(args.strip().split("\\s+"));
  }

  /** The networks both sides run: serverArgs' --members, else members (when serve has the option), else 0. */
  int effectiveMembers() {
    int i = serverArgs.indexOf("--members");
    if (i >= 0) {
      if (i + 1 >= serverArgs.size() || !serverArgs.get(i + 1).matches("[0-9]+")) {
        throw new VesselsegException.Usage("--server-args: --members needs a number, got " + serverArgs);
      }
      return Integer.parseInt(serverArgs.get(i + 1));
    }
    return serveHasMembers ? members : 0;
  }

  ServerProcess startOurs() {
    int port = ServerProcess.freePort();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:ActiveProcessorCount=" + threads, "-Xmx" + heap, "-Djava.awt.headless=true",
        "-Djavacpp.platform=" + System.getProperty("javacpp.platform", "linux-x86_64"),
        "-cp", System.getProperty("java.class.path"), mainClass, "serve", "--host", "127.0.0.1",
        "--port", Integer.toString(port), "--model", model, "--workers", Integer.toString(workers),
        "--max-queue", Integer.toString(maxQueue)));
    if (serveHasMembers && members > 0 && !serverArgs.contains("--members")) {
      cmd.addAll(List.of("--members", Integer.toString(members)));
    }
    cmd.addAll(serverArgs);
    return ServerProcess.start("vesselseg", cmd, env(), port, "/v2/health/ready", START_SECONDS);
  }

  /** Starts the peer on {@code modelFile} (a .safetensors file; see {@link #modelFile(Path)}). */
  ServerProcess startPeer(TorchPeer peer, Path modelFile) {
    int port = ServerProcess.freePort();
    List<String> cmd = new ArrayList<>(List.of(peer.python().toString(),
        peer.home().resolve("scripts/serve_peer.py").toString(), "--model", modelFile.toString(),
        "--port", Integer.toString(port), "--threads", Integer.toString(threads),
        "--workers", Integer.toString(workers), "--members", Integer.toString(effectiveMembers())));
    cmd.addAll(peerArgs);
    return ServerProcess.start("peer", cmd, env(), port, "/health", START_SECONDS);
  }

  /** The model as a .safetensors file the peer can read: the built-in one is written into {@code dir}. */
  Path modelFile(Path dir) {
    if (!model.equals("builtin")) {
      return Models.resolve(model);
    }
    try {
      return Files.write(dir.resolve("builtin.safetensors"), Models.builtInBytes());
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot write the built-in model for the peer into " + dir + ": "
          + e.getMessage(), e);
    }
  }

  /** Networks stored in the model file (its architecture's {@code members}; 1 when absent). */
  int storedMembers() {
    String where = model.equals("builtin") ? "the built-in model" : Models.resolve(model).toString();
    try (var in = model.equals("builtin") ? new java.io.ByteArrayInputStream(Models.builtInBytes())
        : Files.newInputStream(Models.resolve(model))) {
      long n = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (n <= 0 || n > 100_000_000) {
        throw new VesselsegException.Model(where + " is not a safetensors file (header length " + n + ")");
      }
      var header = new ObjectMapper().readTree(new String(in.readNBytes((int) n), StandardCharsets.UTF_8));
      String arch = header.path("__metadata__").path("architecture").asText("{}");
      return new ObjectMapper().readTree(arch).path("members").asInt(1);
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot read " + where + ": " + e.getMessage(), e);
    }
  }

  private Map<String, String> env() {
    String perWorker = Integer.toString(Math.max(1, threads / workers));
    return Map.of("OMP_NUM_THREADS", perWorker, "MKL_NUM_THREADS", perWorker);
  }

  /** The settings as JSON figures; {@code stored}: {@link #storedMembers()}. */
  Map<String, Object> toMap(int stored) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", model);
    m.put("threads", threads);
    m.put("workers", workers);
    m.put("libtorch_threads_per_worker", Math.max(1, threads / workers));
    m.put("max_queue_ours", maxQueue);
    m.put("max_queue_peer", "none (FastAPI/uvicorn without a limit)");
    int eff = effectiveMembers();
    m.put("networks_used", eff == 0 ? stored : Math.min(eff, stored));
    m.put("networks_in_file", stored);
    m.put("serve_has_members_option", serveHasMembers);
    m.put("server_args", serverArgs);
    m.put("peer_args", peerArgs);
    m.put("server_heap", heap);
    return m;
  }
}
