package io.vesselseg.bench;

import io.vesselseg.VesselsegException;
import io.vesselseg.bench.Payloads.Payload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code vesselseg bench serve}: closed-loop load on {@code POST /v1/segment} of our server and of the PyTorch
 * peer ({@code scripts/serve_peer.py}, FastAPI on uvicorn), one after the other on this machine, same model
 * file, networks, threads and workers. Per level of concurrent clients: good answers per second, latency
 * percentiles of the 200s, counts by status, the server's resident memory; then a run with 10 % malformed
 * uploads. Figures, never timed assertions; docs/serve.md, "Benchmark: bench serve", explains each.
 */
public final class ServeBenchmark {

  /** Every {@code MALFORMED_EVERY}-th request of a client in the mixed run is malformed: 10 %. */
  static final int MALFORMED_EVERY = 10;
  /** Distinct photographs sent in turn. */
  static final int PHOTOS = 8;

  /**
   * What to run.
   *
   * @param setup        the servers
   * @param levels       concurrent clients per level, e.g. 1, 4, 16, 64
   * @param duration     counted seconds per level
   * @param warmup       uncounted seconds before each level's window
   * @param width        photograph width
   * @param height       photograph height
   * @param mixedClients clients of the malformed-upload run (0: none)
   * @param retryWait    clients wait a 503's Retry-After before their next request
   * @param withPeer     also measure the peer (when its environment is there)
   * @param quick        a smoke run (recorded only: the caller chose the short settings)
   */
  public record Options(ServerSetup setup, List<Integer> levels, double duration, double warmup, int width, int height,
      int mixedClients, boolean retryWait, boolean withPeer, boolean quick) {

    public Options {
      levels = List.copyOf(levels);
      if (levels.isEmpty() || levels.stream().anyMatch(c -> c < 1 || c > 1024)) {
        throw new VesselsegException.Usage("--clients " + levels + ": expected one or more counts in 1..1024");
      }
      if (!(duration > 0 && duration <= 3600) || !(warmup >= 0 && warmup <= 600)) {
        throw new VesselsegException.Usage("--duration " + duration + " must be in (0, 3600] s and --warmup "
            + warmup + " in [0, 600] s");
      }
      if (width < 16 || height < 16 || (long) width * height > 25_000_000L) {
        throw new VesselsegException.Usage("--size " + width + "x" + height + ": expected 16..5000 pixels a side"
            + " and at most 25 megapixels");
      }
      if (mixedClients < 0 || mixedClients > 1024) {
        throw new VesselsegException.Usage("--mixed-clients " + mixedClients + " must be in 0..1024");
      }
    }
  }

  private ServeBenchmark() {}

  /** Runs both sides (or ours only when the peer is absent or not wanted) and returns every figure. */
  public static Map<String, Object> run(Options o, Consumer<String> log) {
    List<Payload> photos = Payloads.photographs(PHOTOS, o.width(), o.height());
    List<Payload> bad = Payloads.malformed(photos.get(0).body());
    Path dir = null;
    try {
      dir = Files.createTempDirectory("vesselseg-bench-serve");
      Path modelFile = o.setup().modelFile(dir);
      int stored = o.setup().storedMembers();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("benchmark", "serve");
      out.put("quick", o.quick());
      out.put("settings", settings(o, photos, bad, stored));
      out.put("cpu", cpu());
      if (o.setup().effectiveMembers() == 0 && o.setup().members() > 0 && stored > 1) {
        log.accept("note: this 'serve' has no --members option: both sides run all " + stored + " networks of "
            + "the model (pass --server-args '--members K' once it exists)");
      }
      Map<String, Object> sides = new LinkedHashMap<>();
      log.accept("vesselseg serve: starting ...");
      sides.put("vesselseg", side(o, () -> o.setup().startOurs(), "listening on", photos, bad, log));
      Optional<String> missing = o.withPeer() ? peerMissing() : Optional.of("not asked for (--no-peer)");
      if (missing.isEmpty()) {
        TorchPeer peer = TorchPeer.require();
        log.accept("PyTorch peer (FastAPI on uvicorn): starting ...");
        sides.put("torch", side(o, () -> o.setup().startPeer(peer, modelFile), "serve_peer:", photos, bad, log));
      } else {
        log.accept("PyTorch peer skipped: " + missing.get());
        sides.put("torch", Map.of("skipped", missing.get()));
      }
      out.put("sides", sides);
      out.put("ratios", ratios(sides));
      return out;
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot make the benchmark's temporary directory: " + e.getMessage(), e);
    } finally {
      deleteTree(dir);
    }
  }

  /** Why the peer cannot run here, or empty when it can. */
  static Optional<String> peerMissing() {
    Optional<TorchPeer> peer = TorchPeer.locate();
    if (peer.isEmpty()) {
      return Optional.of(TorchPeer.MISSING + "; it includes FastAPI and uvicorn for scripts/serve_peer.py");
    }
    try {
      Process p = new ProcessBuilder(peer.get().python().toString(), "-c", "import fastapi, uvicorn, torch, PIL")
          .redirectErrorStream(true).start();
      p.getOutputStream().close();
      String err = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return Optional.of(".venv-bench/ lacks the peer server's packages (" + lastLine(err) + "): run 'bash "
            + "scripts/bench-venv.sh' again, it adds FastAPI and uvicorn");
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("cannot run " + peer.get().python() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private interface Starter {
    ServerProcess start();
  }

  /** One server through every level and the malformed run. */
  private static Map<String, Object> side(Options o, Starter starter, String startupLine, List<Payload> photos,
      List<Payload> bad, Consumer<String> log) {
    long t0 = System.nanoTime();
    try (ServerProcess server = starter.start()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("ready_after_s", (System.nanoTime() - t0) / 1e9);
      m.put("startup", server.logLines(startupLine));
      m.put("rss_ready_mib", server.memoryMiB()[0]);
      List<Map<String, Object>> levels = new ArrayList<>();
      var uri = server.uri("/v1/segment");
      for (int clients : o.levels()) {
        Map<String, Object> r = ClosedLoop.run(uri, photos, bad, 0, clients, o.warmup(), o.duration(),
            o.retryWait(), server::memoryMiB);
        log.accept("  " + line(r));
        levels.add(r);
        alive(server);
      }
      m.put("levels", levels);
      if (o.mixedClients() > 0) {
        Map<String, Object> r = ClosedLoop.run(uri, photos, bad, MALFORMED_EVERY, o.mixedClients(), o.warmup(),
            o.duration(), o.retryWait(), server::memoryMiB);
        log.accept("  " + line(r) + " with 10% malformed: " + mixedLine(r));
        m.put("mixed", r);
        alive(server);
      }
      m.put("vmhwm_end_mib", server.memoryMiB()[1]);
      return m;
    }
  }

  private static void alive(ServerProcess server) {
    if (!server.alive()) {
      throw new IllegalStateException("the server died under load: " + server.logTail());
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> ratios(Map<String, Object> sides) {
    Map<String, Object> r = new LinkedHashMap<>();
    Map<String, Object> ours = level((Map<String, Object>) sides.get("vesselseg"), 16);
    Map<String, Object> peer = level((Map<String, Object>) sides.get("torch"), 16);
    r.put("throughput_ours_over_peer_16_clients", ours != null && peer != null
        ? divide(num(ours, "good_per_s"), num(peer, "good_per_s")) : null);
    r.put("p99_over_p50_ours_4_clients", tail((Map<String, Object>) sides.get("vesselseg")));
    r.put("p99_over_p50_peer_4_clients", tail((Map<String, Object>) sides.get("torch")));
    return r;
  }

  @SuppressWarnings("unchecked")
  private static Double tail(Map<String, Object> side) {
    Map<String, Object> l = level(side, 4);
    if (l == null) {
      return null;
    }
    Map<String, Object> lat = (Map<String, Object>) l.get("latency_ms");
    return lat.get("p50") == null ? null : divide(num(lat, "p99"), num(lat, "p50"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> level(Map<String, Object> side, int clients) {
    if (side == null || !side.containsKey("levels")) {
      return null;
    }
    return ((List<Map<String, Object>>) side.get("levels")).stream()
        .filter(l -> ((Number) l.get("clients")).intValue() == clients).findFirst().orElse(null);
  }

  private static Double divide(double a, double b) {
    return b > 0 && Double.isFinite(a) ? a / b : null;
  }

  static double num(Map<String, Object> m, String key) {
    return m.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** The figures as a printable table, then the ratios. */
  @SuppressWarnings("unchecked")
  public static List<String> table(Map<String, Object> out) {
    List<String> lines = new ArrayList<>();
    Map<String, Object> s = (Map<String, Object>) out.get("settings");
    lines.add(String.format(Locale.ROOT, "bench serve: %s PNG photographs, %s s per level after %s s warm-up; "
        + "%s thread(s), %s worker(s), %s network(s); CPU %s", s.get("photo_size"), s.get("duration_s"),
        s.get("warmup_s"), s.get("threads"), s.get("workers"), s.get("networks_used"), cpuLine(out)));
    lines.add(String.format(Locale.ROOT, "%-9s %7s %8s %8s %8s %8s %6s %6s %5s %5s %5s %9s %9s", "side",
        "clients", "good/s", "p50 ms", "p95 ms", "p99 ms", "200", "503", "4xx", "5xx", "conn", "RSS max",
        "VmHWM"));
    Map<String, Object> sides = (Map<String, Object>) out.get("sides");
    for (var e : sides.entrySet()) {
      Map<String, Object> side = (Map<String, Object>) e.getValue();
      if (side.containsKey("skipped")) {
        lines.add(String.format("%-9s skipped: %s", e.getKey(), side.get("skipped")));
        continue;
      }
      List<Map<String, Object>> rows = new ArrayList<>((List<Map<String, Object>>) side.get("levels"));
      if (side.containsKey("mixed")) {
        rows.add((Map<String, Object>) side.get("mixed"));
      }
      for (Map<String, Object> r : rows) {
        lines.add(String.format("%-9s %s", e.getKey(), line(r)));
      }
      if (side.containsKey("mixed")) {
        lines.add(String.format("%-9s malformed run (*): %s", e.getKey(),
            mixedLine((Map<String, Object>) side.get("mixed"))));
      }
    }
    Map<String, Object> r = (Map<String, Object>) out.get("ratios");
    lines.add(String.format(Locale.ROOT, "throughput ours/peer at 16 clients: %s; p99/p50 at 4 clients: ours %s,"
        + " peer %s", fmt(r.get("throughput_ours_over_peer_16_clients"), 2),
        fmt(r.get("p99_over_p50_ours_4_clients"), 2), fmt(r.get("p99_over_p50_peer_4_clients"), 2)));
    return lines;
  }

  @SuppressWarnings("unchecked")
  static String line(Map<String, Object> r) {
    Map<String, Object> lat = (Map<String, Object>) r.get("latency_ms");
    Map<String, Object> st = (Map<String, Object>) r.get("status");
    return String.format(Locale.ROOT, "%6d%s %8.2f %8s %8s %8s %6d %6d %5d %5d %5d %5.0f MiB %5.0f MiB",
        ((Number) r.get("clients")).intValue(), r.containsKey("malformed") ? "*" : " ", num(r, "good_per_s"),
        fmt(lat.get("p50")), fmt(lat.get("p95")), fmt(lat.get("p99")), st.get("ok_200"), st.get("busy_503"),
        st.get("other_4xx"), st.get("server_5xx"), st.get("connection_errors"), num(r, "rss_max_sampled_mib"),
        num(r, "vmhwm_mib"));
  }

  @SuppressWarnings("unchecked")
  static String mixedLine(Map<String, Object> r) {
    Map<String, Object> m = (Map<String, Object>) r.get("malformed");
    return String.format("malformed %s/%s got 4xx %s, photographs %s/%s got 200/503 (%s)", m.get("malformed_4xx"),
        m.get("malformed_sent"), m.get("malformed_statuses_by_kind"), m.get("good_200_or_503"),
        m.get("good_sent"), Boolean.TRUE.equals(m.get("every_malformed_got_4xx"))
            && Boolean.TRUE.equals(m.get("every_good_got_200_or_503")) ? "all as expected" : "NOT all as expected");
  }

  private static String fmt(Object v) {
    return fmt(v, 1);
  }

  private static String fmt(Object v, int digits) {
    return v instanceof Number n ? String.format(Locale.ROOT, "%." + digits + "f", n.doubleValue()) : "n/a";
  }

  @SuppressWarnings("unchecked")
  private static String cpuLine(Map<String, Object> out) {
    Map<String, Object> c = (Map<String, Object>) out.get("cpu");
    return c.get("model_name") + ", " + c.get("cores") + " cores, avx512_bf16 " + c.get("avx512_bf16");
  }

  private static Map<String, Object> settings(Options o, List<Payload> photos, List<Payload> bad, int stored) {
    Map<String, Object> s = new LinkedHashMap<>(o.setup().toMap(stored));
    s.put("photo_size", o.width() + "x" + o.height());
    s.put("photos", photos.size());
    s.put("photo_png_bytes_mean", photos.stream().mapToInt(p -> p.body().length).average().orElse(0));
    s.put("malformed_kinds", bad.stream().map(p -> p.kind() + " (" + p.body().length + " bytes)").toList());
    s.put("levels", o.levels());
    s.put("duration_s", o.duration());
    s.put("warmup_s", o.warmup());
    s.put("mixed_clients", o.mixedClients());
    s.put("mixed_malformed_share", 1.0 / MALFORMED_EVERY);
    s.put("retry_wait", o.retryWait());
    s.put("client", "Java HttpClient (HTTP/1.1, keep-alive), one platform thread per client, in the benchmark's "
        + "own JVM on the same machine; closed loop");
    s.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    return s;
  }

  /** The CPU's model name, core count and bf16 flags, from /proc/cpuinfo. */
  static Map<String, Object> cpu() {
    Map<String, Object> c = new LinkedHashMap<>();
    String model = "unknown";
    String flags = "";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name") && model.equals("unknown")) {
          model = line.substring(line.indexOf(':') + 1).strip();
        } else if (line.startsWith("flags") && flags.isEmpty()) {
          flags = " " + line.substring(line.indexOf(':') + 1).strip() + " ";
        }
      }
    } catch (IOException e) {
      // not Linux: unknown
    }
    c.put("model_name", model);
    c.put("cores", Runtime.getRuntime().availableProcessors());
    c.put("avx512_bf16", flags.contains(" avx512_bf16 "));
    c.put("amx_bf16", flags.contains(" amx_bf16 "));
    return c;
  }

  private static String lastLine(String s) {
    String[] lines = s.split("\n");
    return lines[lines.length - 1];
  }

  static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (var s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover temporary directory is harmless
    }
  }
}
