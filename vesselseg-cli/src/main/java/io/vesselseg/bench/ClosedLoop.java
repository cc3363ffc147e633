package io.vesselseg.bench;

import io.vesselseg.bench.Payloads.Payload;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load on {@code POST /v1/segment}: {@code clients} platform threads, each sending its next request
 * when the previous answer has arrived (after waiting the answer's {@code Retry-After}, capped at the window's
 * end, when it was a 503 and {@code retryWait} is on). The first {@code warmup} seconds are not counted; the
 * window of {@code duration} seconds counts every answer that arrives in it; requests still in flight at its
 * end are waited for and counted apart ({@code after_window}) so the next level starts on an idle server.
 * With {@code malformedEvery = n > 0}, requests 0, n, 2n, ... counted over all clients together are the
 * malformed bodies in turn (so even a short run sends some, the first one included); the others cycle through
 * the photographs.
 */
final class ClosedLoop {

  /** One answered (or failed) request: nanoTime when sent and when done, HTTP status or -1 for an I/O error. */
  record Outcome(long sent, long done, int status, Payload payload) {}

  /** Sampled memory of the server while the level ran. */
  interface MemoryProbe {
    double[] memoryMiB();
  }

  private ClosedLoop() {}

  /** Runs one level and returns its figures (keys listed in docs/serve.md, "Benchmark: bench serve"). */
  static Map<String, Object> run(URI uri, List<Payload> good, List<Payload> bad, int malformedEvery, int clients,
      double warmup, double duration, boolean retryWait, MemoryProbe probe) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    long start = System.nanoTime();
    long t0 = start + (long) (warmup * 1e9);
    long t1 = t0 + (long) (duration * 1e9);
    List<List<Outcome>> perClient = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    AtomicLong counter = new AtomicLong();
    for (int c = 0; c < clients; c++) {
      List<Outcome> mine = new ArrayList<>();
      perClient.add(mine);
      threads.add(new Thread(() -> client(http, uri, good, bad, malformedEvery, counter, t1, retryWait, mine),
          "bench-client-" + c));
    }
    threads.forEach(Thread::start);
    double maxRss = Double.NaN;
    while (threads.stream().anyMatch(Thread::isAlive)) {
      double rss = probe.memoryMiB()[0];
      maxRss = Double.isNaN(maxRss) ? rss : Math.max(maxRss, rss);
      ServerProcess.sleep(200);
    }
    double[] mem = probe.memoryMiB();
    List<Outcome> all = perClient.stream().flatMap(List::stream).toList();
    Map<String, Object> m = summary(all, t0, t1, duration);
    m.put("clients", clients);
    m.put("warmup_s", warmup);
    m.put("malformed_every", malformedEvery);
    m.put("rss_max_sampled_mib", Double.isNaN(mem[0]) ? maxRss : Math.max(maxRss, mem[0]));
    m.put("rss_end_mib", mem[0]);
    m.put("vmhwm_mib", mem[1]);
    if (malformedEvery > 0) {
      m.put("malformed", malformedCheck(all));
    }
    return m;
  }

  private static void client(HttpClient http, URI uri, List<Payload> good, List<Payload> bad, int malformedEvery,
      AtomicLong counter, long end, boolean retryWait, List<Outcome> out) {
    while (System.nanoTime() < end) {
      long k = counter.getAndIncrement();
      Payload p = malformedEvery > 0 && k % malformedEvery == 0
          ? bad.get((int) ((k / malformedEvery) % bad.size()))
          : good.get((int) (k % good.size()));
      HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(300))
          .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(p.body())).build();
      long sent = System.nanoTime();
      int status;
      long retryAfter = 0;
      try {
        HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        status = r.statusCode();
        retryAfter = r.headers().firstValueAsLong("Retry-After").orElse(0);
      } catch (IOException e) {
        status = -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      long done = System.nanoTime();
      out.add(new Outcome(sent, done, status, p));
      if (status == 503 && retryWait && retryAfter > 0) {
        long waitMillis = Math.min(retryAfter * 1000, Math.max(0, (end - done) / 1_000_000));
        ServerProcess.sleep(waitMillis);
      }
    }
  }

  /** Counts by status class, good answers per second and latency percentiles of the answers in [t0, t1). */
  static Map<String, Object> summary(List<Outcome> all, long t0, long t1, double duration) {
    long ok = 0;
    long busy = 0;
    long client4xx = 0;
    long server5xx = 0;
    long other = 0;
    long ioErrors = 0;
    long before = 0;
    long after = 0;
    List<Long> latencies = new ArrayList<>();
    for (Outcome o : all) {
      if (o.done() < t0) {
        before++;
        continue;
      }
      if (o.done() >= t1) {
        after++;
        continue;
      }
      int s = o.status();
      if (s == 200) {
        ok++;
        if (!o.payload().malformed()) {
          latencies.add(o.done() - o.sent());
        }
      } else if (s == 503) {
        busy++;
      } else if (s >= 400 && s < 500) {
        client4xx++;
      } else if (s >= 500) {
        server5xx++;
      } else if (s < 0) {
        ioErrors++;
      } else {
        other++;
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("duration_s", duration);
    m.put("requests", ok + busy + client4xx + server5xx + other + ioErrors);
    m.put("good_per_s", latencies.size() / duration);
    Map<String, Object> st = new LinkedHashMap<>();
    st.put("ok_200", ok);
    st.put("busy_503", busy);
    st.put("other_4xx", client4xx);
    st.put("server_5xx", server5xx);
    st.put("other_status", other);
    st.put("connection_errors", ioErrors);
    m.put("status", st);
    m.put("good_answers", latencies.size());
    m.put("latency_ms", percentiles(latencies));
    m.put("warmup_requests", before);
    m.put("after_window", after);
    return m;
  }

  /** p50, p95, p99 (nearest rank), mean and max in milliseconds; null values when there is no latency. */
  static Map<String, Object> percentiles(List<Long> nanos) {
    long[] v = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p50", rank(v, 0.50));
    m.put("p95", rank(v, 0.95));
    m.put("p99", rank(v, 0.99));
    m.put("mean", v.length == 0 ? null : Arrays.stream(v).average().orElse(0) / 1e6);
    m.put("max", v.length == 0 ? null : v[v.length - 1] / 1e6);
    return m;
  }

  private static Double rank(long[] sorted, double p) {
    if (sorted.length == 0) {
      return null;
    }
    int i = Math.max(0, (int) Math.ceil(p * sorted.length) - 1);
    return sorted[i] / 1e6;
  }

  /**
   * Did every malformed body get a 4xx, and every photograph a 200 or 503? Counts every request of the run:
   * warm-up, window and those drained after it.
   */
  private static Map<String, Object> malformedCheck(List<Outcome> all) {
    Map<String, Map<String, Long>> byKind = new TreeMap<>();
    long badSent = 0;
    long bad4xx = 0;
    long goodSent = 0;
    long goodOk = 0;
    for (Outcome o : all) {
      if (o.payload().malformed()) {
        badSent++;
        bad4xx += o.status() >= 400 && o.status() < 500 ? 1 : 0;
        byKind.computeIfAbsent(o.payload().kind(), k -> new TreeMap<>())
            .merge(o.status() < 0 ? "connection_error" : Integer.toString(o.status()), 1L, Long::sum);
      } else {
        goodSent++;
        goodOk += o.status() == 200 || o.status() == 503 ? 1 : 0;
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("malformed_sent", badSent);
    m.put("malformed_4xx", bad4xx);
    m.put("malformed_statuses_by_kind", byKind);
    m.put("good_sent", goodSent);
    m.put("good_200_or_503", goodOk);
    m.put("every_malformed_got_4xx", badSent > 0 && bad4xx == badSent);
    m.put("every_good_got_200_or_503", goodSent > 0 && goodOk == goodSent);
    return m;
  }
}
