package io.vesselseg.bench;

import io.vesselseg.VesselsegException;
import io.vesselseg.bench.Payloads.Payload;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code vesselseg bench serve-soak}: our server's resident memory over many requests, and the cost of
 * decompression bombs. {@code requests} photographs go through {@code clients} closed-loop clients; VmRSS is
 * read when the {@code warmupRequests}-th answer arrives and after the last, and sampled in between. Then
 * {@code bombs} ~1 kB PNGs whose header claims 100 000 x 100 000 pixels are sent one at a time: their statuses,
 * latencies, and VmRSS / VmHWM before and after.
 */
public final class ServeSoak {

  /**
   * What to run.
   *
   * @param setup          the server (ours only)
   * @param requests       photographs to send in all
   * @param warmupRequests answers after which the reference RSS is read
   * @param clients        concurrent clients
   * @param size           photograph width and height
   * @param bombs          decompression bombs to send afterwards
   */
  public record Options(ServerSetup setup, int requests, int warmupRequests, int clients, int size, int bombs) {

    public Options {
      if (requests < 2 || warmupRequests < 1 || warmupRequests >= requests) {
        throw new VesselsegException.Usage("--requests " + requests + " must be >= 2 and --warmup-requests "
            + warmupRequests + " in 1.." + (requests - 1));
      }
      if (clients < 1 || clients > 1024 || size < 16 || size > 5000 || bombs < 0 || bombs > 10_000) {
        throw new VesselsegException.Usage("--clients " + clients + " must be in 1..1024, --size " + size
            + " in 16..5000, --bombs " + bombs + " in 0..10000");
      }
    }
  }

  private ServeSoak() {}

  public static Map<String, Object> run(Options o, Consumer<String> log) {
    List<Payload> photos = Payloads.photographs(ServeBenchmark.PHOTOS, o.size(), o.size());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("benchmark", "serve-soak");
    Map<String, Object> s = new LinkedHashMap<>(o.setup().toMap(o.setup().storedMembers()));
    s.remove("max_queue_peer");
    s.remove("peer_args");
    s.put("requests", o.requests());
    s.put("warmup_requests", o.warmupRequests());
    s.put("clients", o.clients());
    s.put("photo_size", o.size() + "x" + o.size());
    s.put("bombs", o.bombs());
    out.put("settings", s);
    out.put("cpu", ServeBenchmark.cpu());
    log.accept("vesselseg serve: starting ...");
    try (ServerProcess server = o.setup().startOurs()) {
      out.put("rss_ready_mib", server.memoryMiB()[0]);
      out.putAll(soak(o, server, photos, log));
      out.putAll(bombs(o, server, log));
      if (!server.alive()) {
        throw new IllegalStateException("the server died during the soak: " + server.logTail());
      }
    }
    return out;
  }

  private static Map<String, Object> soak(Options o, ServerProcess server, List<Payload> photos,
      Consumer<String> log) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    URI uri = server.uri("/v1/segment");
    AtomicLong tickets = new AtomicLong();
    AtomicLong answered = new AtomicLong();
    double[] warmRss = {Double.NaN};
    Map<Integer, Long> statuses = Collections.synchronizedMap(new TreeMap<>());
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    List<Map<String, Object>> trace = Collections.synchronizedList(new ArrayList<>());
    long every = Math.max(1, o.requests() / 20);
    long t0 = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < o.clients(); c++) {
      threads.add(new Thread(() -> {
        for (long k; (k = tickets.getAndIncrement()) < o.requests(); ) {
          int status = send(http, uri, photos.get((int) (k % photos.size())).body(), latencies);
          statuses.merge(status, 1L, Long::sum);
          long n = answered.incrementAndGet();
          if (n == o.warmupRequests()) {
            warmRss[0] = server.memoryMiB()[0];
            log.accept(String.format("  after %d answers (warm-up): RSS %.1f MiB", n, warmRss[0]));
          }
          if (n % every == 0) {
            double rss = server.memoryMiB()[0];
            trace.add(Map.of("answers", n, "rss_mib", rss));
            log.accept(String.format("  %d/%d answers: RSS %.1f MiB", n, o.requests(), rss));
          }
        }
      }, "soak-client-" + c));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double end = server.memoryMiB()[0];
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seconds", seconds);
    m.put("answers_per_s", o.requests() / seconds);
    m.put("statuses", statuses.entrySet().stream().collect(java.util.stream.Collectors.toMap(
        e -> e.getKey() < 0 ? "connection_error" : e.getKey().toString(), Map.Entry::getValue, (a, b) -> a,
        TreeMap::new)));
    m.put("latency_ms", ClosedLoop.percentiles(latencies));
    m.put("rss_after_warmup_mib", warmRss[0]);
    m.put("rss_end_mib", end);
    m.put("growth_after_warmup_pct", 100 * (end - warmRss[0]) / warmRss[0]);
    m.put("vmhwm_after_soak_mib", server.memoryMiB()[1]);
    trace.sort(java.util.Comparator.comparingLong(t -> ((Number) t.get("answers")).longValue()));
    m.put("trace", trace);
    return m;
  }

  private static Map<String, Object> bombs(Options o, ServerProcess server, Consumer<String> log) {
    byte[] bomb = Payloads.pngClaiming(100_000, 100_000);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    double[] before = server.memoryMiB();
    Map<Integer, Long> statuses = new TreeMap<>();
    List<Long> latencies = new ArrayList<>();
    for (int i = 0; i < o.bombs(); i++) {
      statuses.merge(send(http, server.uri("/v1/segment"), bomb, latencies), 1L, Long::sum);
    }
    double[] after = server.memoryMiB();
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("sent", o.bombs());
    b.put("bytes", bomb.length);
    b.put("claims", "100000x100000 RGB");
    b.put("statuses", statuses.entrySet().stream().collect(java.util.stream.Collectors.toMap(
        e -> e.getKey() < 0 ? "connection_error" : e.getKey().toString(), Map.Entry::getValue, (x, y) -> x,
        TreeMap::new)));
    b.put("latency_ms", ClosedLoop.percentiles(latencies));
    b.put("rss_before_mib", before[0]);
    b.put("rss_after_mib", after[0]);
    b.put("rss_delta_mib", after[0] - before[0]);
    b.put("vmhwm_before_mib", before[1]);
    b.put("vmhwm_after_mib", after[1]);
    if (o.bombs() > 0) {
      log.accept(String.format("  %d bombs: statuses %s, RSS %.1f -> %.1f MiB", o.bombs(), b.get("statuses"),
          before[0], after[0]));
    }
    return Map.of("bombs", b);
  }

  /** POSTs {@code body}; adds the latency of every answer to {@code latencies}; returns -1 for an I/O error. */
  private static int send(HttpClient http, URI uri, byte[] body, List<Long> latencies) {
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(300))
        .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    long t0 = System.nanoTime();
    try {
      int status = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
      latencies.add(System.nanoTime() - t0);
      return status;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
