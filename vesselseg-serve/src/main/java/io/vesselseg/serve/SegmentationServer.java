package io.vesselseg.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.vesselseg.VesselSegmenter;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Engine;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vessel segmentation service: Javalin 7 (Jetty 12) routes in front of an {@link InferenceQueue}.
 *
 * <pre>{@code
 * SegmentationServer server = SegmentationServer.start(ServeSettings.defaults().withPort(0));
 * int port = server.port();          // ready: the model is loaded and warmed
 * ...
 * server.stop();                     // refuses new work, finishes what was admitted, frees native memory
 * }</pre>
 *
 * <p>{@link #start} listens at once (so {@code /v2/health/live} answers during the model load), loads one model
 * per worker, warms each worker's model on a small synthetic photograph, and only then returns and reports
 * ready. Routes: the web page at {@code GET /} ({@link WebPage}), {@code POST /v1/segment},
 * {@code GET /v1/model}, the Open Inference
 * Protocol under {@code /v2} ({@link OipRoutes}) and {@code GET /metrics} ({@link ServerMetrics}). Every error
 * is answered {@code {"error": "one line"}} with a 4xx/5xx status.
 */
public final class SegmentationServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SegmentationServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long {@link #stop()} waits for admitted requests to finish. */
  public static final double GRACE_SECONDS = 30;

  private final ServeSettings settings;
  private final ServerMetrics metrics = new ServerMetrics();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile InferenceQueue queue;
  private volatile V1Routes v1;
  private volatile OipRoutes oip;
  private volatile boolean ready;
  private Javalin app;

  private SegmentationServer(ServeSettings settings) {
    this.settings = settings;
  }

  /** Starts listening, loads and warms the model, and returns once ready. */
  public static SegmentationServer start(ServeSettings settings) {
    SegmentationServer s = new SegmentationServer(settings);
    try {
      s.app = Javalin.create(s::configure).start(settings.host(), settings.port());
      // a connection may sit without I/O while its request waits and computes: keep it past the deadline
      long idleMillis = Math.max(30_000, (long) (settings.timeoutSeconds() * 1000) + 5_000);
      for (var connector : s.app.jettyServer().server().getConnectors()) {
        if (connector instanceof org.eclipse.jetty.server.AbstractConnector c) {
          c.setIdleTimeout(idleMillis);
        }
      }
      s.load();
    } catch (RuntimeException e) {
      s.stop();
      throw e;
    }
    return s;
  }

  private void load() {
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / settings.workers());
    Engine.threads(threads);
    long t0 = System.nanoTime();
    BufferedImage warm = warmImage();
    VesselSegmenter.Options o = settings.options();
    InferenceQueue q = new InferenceQueue(settings, metrics, () -> {
      VesselSegmenter m = settings.model().equals(ServeSettings.BUILT_IN) ? VesselSegmenter.builtIn(o)
          : settings.model().equals(ServeSettings.COMPACT) ? VesselSegmenter.builtIn(ServeSettings.COMPACT, o)
          : VesselSegmenter.load(Path.of(settings.model()), o);
      m.segment(warm);
      return m;
    });
    queue = q;
    v1 = new V1Routes(settings, q, metrics);
    oip = new OipRoutes(settings, q, () -> ready);
    ready = true;
    LOG.info("serving model '{}' ({}, sha256 {}) on port {}: {} worker(s) x {} libtorch thread(s), ready after {} s",
        settings.modelName(), q.first().modelName(), q.first().modelSha256(), port(), settings.workers(), threads,
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
  }

  private void configure(JavalinConfig c) {
    c.startup.showJavalinBanner = false;
    c.http.maxRequestSize = settings.maxUploadBytes();
    c.jetty.multipartConfig.maxFileSize(settings.maxUploadBytes(), SizeUnit.BYTES);
    c.jetty.multipartConfig.maxTotalRequestSize(settings.maxUploadBytes(), SizeUnit.BYTES);
    c.jetty.multipartConfig.maxInMemoryFileSize((int) Math.min(Integer.MAX_VALUE, settings.maxUploadBytes()),
        SizeUnit.BYTES);
    var r = c.routes;
    WebPage.register(r, this::route);
    r.post("/v1/segment", route("/v1/segment", ctx -> v1().segment(ctx)));
    r.get("/v1/model", route("/v1/model", ctx -> v1().model(ctx)));
    r.get("/v2", route("/v2", ctx -> oip().server(ctx)));
    r.get("/v2/health/live", route("/v2/health/live", ctx -> json(ctx, 200, "live", true)));
    r.get("/v2/health/ready", route("/v2/health/ready", ctx -> json(ctx, ready ? 200 : 503, "ready", ready)));
    for (String m : new String[] {"/v2/models/{name}", "/v2/models/{name}/versions/{version}"}) {
      r.get(m, route(m, ctx -> oip().modelMetadata(ctx)));
      r.get(m + "/ready", route(m + "/ready", ctx -> oip().modelReady(ctx)));
      r.post(m + "/infer", route(m + "/infer", ctx -> oip().infer(ctx)));
    }
    r.get("/metrics", route("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
        .result(metrics.scrape())));
    r.exception(HttpResponseException.class, (e, ctx) -> {
      // Javalin's own answers, e.g. 404 for a path no route matches
      String msg = e.getStatus() == 404 ? "no endpoint " + ctx.method() + " " + ctx.path() + ": see GET / (the "
          + "web page), GET /v2, POST /v1/segment, GET /v1/model, GET /metrics" : e.getMessage();
      error(ctx, new HttpError(e.getStatus(), "http_" + e.getStatus(), msg));
      metrics.request("unmatched", ctx.method().name(), e.getStatus(), 0);
    });
  }

  private Handler route(String path, Handler h) {
    return ctx -> {
      long t0 = System.nanoTime();
      ctx.attribute(Requests.ARRIVED, t0);
      inFlight.incrementAndGet();
      try {
        h.handle(ctx);
      } catch (HttpError e) {
        error(ctx, e);
      } catch (Exception e) {
        LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
        error(ctx, new HttpError(500, "internal", "internal error: " + e + "; the server log has the stack trace"));
      } finally {
        inFlight.decrementAndGet();
        metrics.request(path, ctx.method().name(), ctx.statusCode(), System.nanoTime() - t0);
      }
    };
  }

  private V1Routes v1() {
    V1Routes r = v1;
    if (r == null) {
      throw notReady();
    }
    return r;
  }

  private OipRoutes oip() {
    OipRoutes r = oip;
    if (r == null) {
      throw notReady();
    }
    return r;
  }

  private static HttpError notReady() {
    return new HttpError(503, "not_ready", "the model is still loading: retry once GET /v2/health/ready says 200",
        java.util.Map.of("Retry-After", "5"));
  }

  private void error(Context ctx, HttpError e) {
    metrics.rejected(e.reason());
    e.headers().forEach(ctx::header);
    ctx.status(e.status()).contentType("application/json")
        .result(JSON.createObjectNode().put("error", e.getMessage()).toString());
  }

  private static void json(Context ctx, int status, String key, boolean value) {
    ctx.status(status).contentType("application/json").result(JSON.createObjectNode().put(key, value).toString());
  }

  private static BufferedImage warmImage() {
    Sample s = SyntheticFundus.generate(7, 96, 96);
    int n = s.width() * s.height();
    BufferedImage img = new BufferedImage(s.width(), s.height(), BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < n; i++) {
      int r = Math.round(s.rgb()[i] * 255);
      int g = Math.round(s.rgb()[n + i] * 255);
      int b = Math.round(s.rgb()[2 * n + i] * 255);
      img.setRGB(i % s.width(), i / s.width(), r << 16 | g << 8 | b);
    }
    return img;
  }

  /** The port the server listens on (the one chosen when the settings asked for 0). */
  public int port() {
    return app.port();
  }

  /** True once the model is loaded and warmed, until {@link #stop()}. */
  public boolean isReady() {
    return ready;
  }

  /** The settings the server runs with. */
  public ServeSettings settings() {
    return settings;
  }

  /**
   * Graceful stop: reports not ready, refuses new inference with 503, lets admitted requests finish and be
   * answered (at most {@link #GRACE_SECONDS}), stops listening and frees the models' native memory. Idempotent.
   */
  public synchronized void stop() {
    ready = false;
    long end = System.nanoTime() + (long) (GRACE_SECONDS * 1e9);
    if (queue != null) {
      queue.stop(GRACE_SECONDS);
    }
    while (inFlight.get() > 0 && System.nanoTime() < end) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (app != null) {
      app.stop();
      app = null;
    }
  }

  @Override
  public void close() {
    stop();
  }
}
