package io.vesselseg.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The server's Prometheus metrics (Micrometer's Prometheus registry), served as text by {@code GET /metrics}:
 * {@code vesselseg_http_requests_seconds} (histogram by route, method and status),
 * {@code vesselseg_queue_wait_seconds} and {@code vesselseg_inference_seconds} (histograms),
 * {@code vesselseg_queue_depth} (gauge), {@code vesselseg_rejected_total} (counter by reason),
 * {@code vesselseg_batch_size} (histogram of the photographs computed together) and
 * {@code vesselseg_image_pixels} (summary of the photographs' sizes).
 */
final class ServerMetrics {

  private static final Duration[] LATENCY_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
      10, 30, 60);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer queueWait;
  private final Timer inference;
  private final DistributionSummary pixels;
  private final DistributionSummary batches;

  ServerMetrics() {
    queueWait = Timer.builder("vesselseg.queue.wait").description("time a request waited for a worker")
        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    inference = Timer.builder("vesselseg.inference").description("decode, FOV, forward pass and threshold of one "
        + "photograph on a worker").serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    pixels = DistributionSummary.builder("vesselseg.image.pixels").description("width x height of the photographs "
        + "segmented").baseUnit("pixels").register(registry);
    batches = DistributionSummary.builder("vesselseg.batch.size").description("photographs a worker computed "
        + "together (dynamic batching; one per test-time augmentation in a batch)")
        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64).register(registry);
  }

  void queueDepth(Supplier<Number> depth) {
    Gauge.builder("vesselseg.queue.depth", depth).description("requests admitted and waiting for a worker")
        .register(registry);
  }

  /** One HTTP request answered; {@code route} is the path template (e.g. /v2/models/{name}/infer). */
  void request(String route, String method, int status, long nanos) {
    Timer.builder("vesselseg.http.requests").description("HTTP requests by route, method and status")
        .tags("route", route, "method", method, "status", String.valueOf(status))
        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry).record(Duration.ofNanos(nanos));
  }

  void rejected(String reason) {
    Counter.builder("vesselseg.rejected").description("requests refused, by reason").tag("reason", reason)
        .register(registry).increment();
  }

  void queueWait(double seconds) {
    queueWait.record(Duration.ofNanos((long) (seconds * 1e9)));
  }

  void inference(double seconds) {
    inference.record(Duration.ofNanos((long) (seconds * 1e9)));
  }

  void batch(int n) {
    batches.record(n);
  }

  void pixels(long n) {
    pixels.record(n);
  }

  /** The Prometheus text exposition format. */
  String scrape() {
    return registry.scrape();
  }

  private static Duration[] seconds(double... s) {
    Duration[] d = new Duration[s.length];
    for (int i = 0; i < s.length; i++) {
      d[i] = Duration.ofNanos((long) (s[i] * 1e9));
    }
    return d;
  }
}
