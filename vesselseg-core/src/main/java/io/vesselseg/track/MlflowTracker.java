package io.vesselseg.track;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A small client of an MLflow tracking server's REST API (checked against MLflow 2.17): experiments,
 * runs, params, metrics, tags, artifacts through the server's artifact proxy, and the model registry.
 *
 * <p>Pure REST over {@link HttpClient} and Jackson rather than {@code org.mlflow:mlflow-client}: that
 * library pulls in protobuf, Apache HttpClient and Guava for about ten JSON calls we need, and its
 * artifact upload shells out to a Python {@code mlflow} installation, which a training machine should not
 * need. The artifact proxy ({@code mlflow server --serve-artifacts}, the default since 2.0) is a plain HTTP
 * PUT per file, so the whole tracking path stays in-process.
 *
 * <p>Credentials, when the server wants them, come from the standard MLflow environment variables
 * {@code MLFLOW_TRACKING_TOKEN} (bearer) or {@code MLFLOW_TRACKING_USERNAME}/{@code MLFLOW_TRACKING_PASSWORD}
 * (basic). Every failure (unreachable server, HTTP error, malformed reply) is an {@link MlflowException}.
 */
public final class MlflowTracker {

  /** Longest param value MLflow accepts (6000 since 2.x; 500 before); longer values are truncated. */
  public static final int MAX_PARAM_VALUE = 6000;
  /** Most params one {@code runs/log-batch} call may carry. */
  public static final int MAX_PARAMS_PER_BATCH = 100;
  /** Most metrics one {@code runs/log-batch} call may carry. */
  public static final int MAX_METRICS_PER_BATCH = 1000;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration UPLOAD_TIMEOUT = Duration.ofMinutes(10);

  private final String base;
  private final HttpClient http;
  private final String authorization;

  /** A server failure: the HTTP status (0 when the server was not reached) and MLflow's error code. */
  public static final class MlflowException extends RuntimeException {
    private final int status;
    private final String errorCode;

    MlflowException(String message, int status, String errorCode, Throwable cause) {
      super(message, cause);
      this.status = status;
      this.errorCode = errorCode;
    }

    /** HTTP status, or 0 when no reply came. */
    public int status() {
      return status;
    }

    /** MLflow's {@code error_code} (e.g. {@code RESOURCE_ALREADY_EXISTS}), or "" when none. */
    public String errorCode() {
      return errorCode;
    }
  }

  /** A run as the server describes it. */
  public record RunInfo(String runId, String experimentId, String artifactUri, Map<String, String> params) {}

  /** One metric value at a step; {@code timestampMs} is epoch milliseconds. */
  public record Metric(String key, double value, long step, long timestampMs) {}

  /**
   * @param trackingUri    {@code http(s)://host:port[/prefix]} of the tracking server
   * @param connectTimeout how long to wait for a TCP connection
   */
  public MlflowTracker(String trackingUri, Duration connectTimeout) {
    URI uri = URI.create(trackingUri.trim());
    if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
        || uri.getHost() == null) {
      throw new IllegalArgumentException("MLflow tracking URI must be http(s)://host:port, got '" + trackingUri
          + "'");
    }
    this.base = trackingUri.trim().replaceAll("/+$", "");
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NORMAL).build();
    this.authorization = authorization();
  }

  /** The tracking URI this client talks to (no trailing slash). */
  public String trackingUri() {
    return base;
  }

  /** The id of the experiment called {@code name}, created when it does not exist. */
  public String experimentId(String name) {
    try {
      return get("experiments/get-by-name", Map.of("experiment_name", name))
          .path("experiment").path("experiment_id").asText();
    } catch (MlflowException e) {
      if (!"RESOURCE_DOES_NOT_EXIST".equals(e.errorCode())) {
        throw e;
      }
    }
    try {
      return post("experiments/create", JSON.createObjectNode().put("name", name)).path("experiment_id").asText();
    } catch (MlflowException e) {
      if ("RESOURCE_ALREADY_EXISTS".equals(e.errorCode())) { // created concurrently
        return get("experiments/get-by-name", Map.of("experiment_name", name))
            .path("experiment").path("experiment_id").asText();
      }
      throw e;
    }
  }

  /** Creates a run in {@code experimentId} with {@code tags} (which may include {@code mlflow.runName}). */
  public RunInfo createRun(String experimentId, String runName, Map<String, String> tags) {
    ObjectNode body = JSON.createObjectNode().put("experiment_id", experimentId)
        .put("start_time", System.currentTimeMillis());
    if (runName != null) {
      body.put("run_name", runName);
    }
    ArrayNode t = body.putArray("tags");
    tags.forEach((k, v) -> t.addObject().put("key", k).put("value", v));
    return runInfo(post("runs/create", body).path("run"));
  }

  /** The run {@code runId}: its experiment, artifact URI and params. */
  public RunInfo getRun(String runId) {
    return runInfo(get("runs/get", Map.of("run_id", runId)).path("run"));
  }

  /** Logs params in batches of {@value #MAX_PARAMS_PER_BATCH}, values truncated to {@value #MAX_PARAM_VALUE}. */
  public void logParams(String runId, Map<String, String> params) {
    List<Map.Entry<String, String>> all = new ArrayList<>(params.entrySet());
    for (int i = 0; i < all.size(); i += MAX_PARAMS_PER_BATCH) {
      ObjectNode body = JSON.createObjectNode().put("run_id", runId);
      ArrayNode arr = body.putArray("params");
      for (var e : all.subList(i, Math.min(all.size(), i + MAX_PARAMS_PER_BATCH))) {
        String v = e.getValue() == null ? "" : e.getValue();
        arr.addObject().put("key", e.getKey()).put("value", v.length() > MAX_PARAM_VALUE
            ? v.substring(0, MAX_PARAM_VALUE) : v);
      }
      post("runs/log-batch", body);
    }
  }

  /** Sets tags on a run (one {@code runs/log-batch} call). */
  public void setTags(String runId, Map<String, String> tags) {
    ObjectNode body = JSON.createObjectNode().put("run_id", runId);
    ArrayNode arr = body.putArray("tags");
    tags.forEach((k, v) -> arr.addObject().put("key", k).put("value", v));
    post("runs/log-batch", body);
  }

  /** Logs metric values (non-finite ones are skipped: JSON has no NaN) in batches. */
  public void logMetrics(String runId, List<Metric> metrics) {
    List<Metric> finite = metrics.stream().filter(m -> Double.isFinite(m.value())).toList();
    for (int i = 0; i < finite.size(); i += MAX_METRICS_PER_BATCH) {
      ObjectNode body = JSON.createObjectNode().put("run_id", runId);
      ArrayNode arr = body.putArray("metrics");
      for (Metric m : finite.subList(i, Math.min(finite.size(), i + MAX_METRICS_PER_BATCH))) {
        arr.addObject().put("key", m.key()).put("value", m.value()).put("timestamp", m.timestampMs())
            .put("step", m.step());
      }
      post("runs/log-batch", body);
    }
  }

  /** Sets an ended (e.g. FAILED) run back to RUNNING, to log into it again. */
  public void reopen(String runId) {
    post("runs/update", JSON.createObjectNode().put("run_id", runId).put("status", "RUNNING"));
  }

  /** Ends a run with {@code status} ({@code FINISHED}, {@code FAILED} or {@code KILLED}). */
  public void terminate(String runId, String status) {
    post("runs/update", JSON.createObjectNode().put("run_id", runId).put("status", status)
        .put("end_time", System.currentTimeMillis()));
  }

  /**
   * True when the run's artifacts go through this server's artifact proxy ({@code mlflow-artifacts:} URIs,
   * i.e. the server runs with {@code --serve-artifacts}), the only store {@link #uploadArtifact} can write.
   */
  public static boolean proxied(RunInfo run) {
    return run.artifactUri().startsWith("mlflow-artifacts:");
  }

  /**
   * Uploads {@code file} as artifact {@code artifactPath} (e.g. {@code model/best.safetensors}) of
   * {@code run}: {@code PUT <tracking>/api/2.0/mlflow-artifacts/artifacts/<artifact_uri path>/<artifactPath>}.
   */
  public void uploadArtifact(RunInfo run, String artifactPath, Path file) {
    if (!proxied(run)) {
      throw new MlflowException("run " + run.runId() + " stores artifacts at " + run.artifactUri()
          + ", not through the server's artifact proxy (start mlflow server with --serve-artifacts)", 0, "", null);
    }
    String url = base + "/api/2.0/mlflow-artifacts/artifacts/" + encodePath(proxyPath(run.artifactUri()) + "/"
        + artifactPath);
    HttpRequest.Builder req;
    try {
      req = HttpRequest.newBuilder(URI.create(url)).timeout(UPLOAD_TIMEOUT)
          .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofFile(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    send(req, "PUT " + artifactPath);
  }

  /** The artifact paths directly under {@code path} ("" for the root) of a run. */
  public List<String> listArtifacts(String runId, String path) {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("run_id", runId);
    if (path != null && !path.isEmpty()) {
      q.put("path", path);
    }
    List<String> out = new ArrayList<>();
    get("artifacts/list", q).path("files").forEach(f -> out.add(f.path("path").asText()));
    return out;
  }

  /**
   * Registers {@code source} (an artifact URI, e.g. the run's {@code .../artifacts/model}) as a new version
   * of model {@code name} (created when missing) and returns the version number.
   */
  public String registerModel(String name, String source, String runId) {
    try {
      post("registered-models/create", JSON.createObjectNode().put("name", name));
    } catch (MlflowException e) {
      if (!"RESOURCE_ALREADY_EXISTS".equals(e.errorCode())) {
        throw e;
      }
    }
    return post("model-versions/create", JSON.createObjectNode().put("name", name).put("source", source)
        .put("run_id", runId)).path("model_version").path("version").asText();
  }

  /** {@code GET /api/2.0/mlflow/<endpoint>?query}: the parsed JSON reply. */
  public JsonNode get(String endpoint, Map<String, String> query) {
    String q = query.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
        .collect(Collectors.joining("&"));
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow/" + endpoint
        + (q.isEmpty() ? "" : "?" + q))).timeout(CALL_TIMEOUT).GET();
    return parse(send(req, "GET " + endpoint));
  }

  /** {@code POST /api/2.0/mlflow/<endpoint>} with a JSON body: the parsed JSON reply. */
  public JsonNode post(String endpoint, JsonNode body) {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow/" + endpoint))
        .timeout(CALL_TIMEOUT).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    return parse(send(req, "POST " + endpoint));
  }

  /** The path part of an artifact-proxy URI: {@code mlflow-artifacts:/1/abc/artifacts} → {@code 1/abc/artifacts}. */
  static String proxyPath(String artifactUri) {
    URI u = URI.create(artifactUri);
    return u.getPath().replaceAll("^/+", "").replaceAll("/+$", "");
  }

  private String send(HttpRequest.Builder req, String what) {
    if (authorization != null) {
      req.header("Authorization", authorization);
    }
    HttpResponse<String> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new MlflowException("MLflow server " + base + " unreachable (" + what + "): " + e, 0, "", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MlflowException("interrupted during " + what, 0, "", e);
    }
    if (resp.statusCode() / 100 != 2) {
      String code = "";
      String message = resp.body();
      try {
        JsonNode err = JSON.readTree(resp.body());
        code = err.path("error_code").asText("");
        message = err.path("message").asText(message);
      } catch (IOException ignored) {
        // not JSON: keep the raw body
      }
      if (message.length() > 300) {
        message = message.substring(0, 300) + "...";
      }
      throw new MlflowException(what + " -> HTTP " + resp.statusCode() + (code.isEmpty() ? "" : " " + code)
          + ": " + message, resp.statusCode(), code, null);
    }
    return resp.body();
  }

  private static JsonNode parse(String body) {
    try {
      return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      throw new MlflowException("MLflow reply is not JSON: " + e.getMessage(), 200, "", e);
    }
  }

  private static RunInfo runInfo(JsonNode run) {
    JsonNode info = run.path("info");
    Map<String, String> params = new LinkedHashMap<>();
    run.path("data").path("params").forEach(p -> params.put(p.path("key").asText(), p.path("value").asText()));
    String id = info.path("run_id").asText(info.path("run_uuid").asText());
    if (id.isEmpty()) {
      throw new MlflowException("MLflow reply has no run id: " + run, 200, "", null);
    }
    return new RunInfo(id, info.path("experiment_id").asText(), info.path("artifact_uri").asText(), params);
  }

  private static String authorization() {
    String token = System.getenv("MLFLOW_TRACKING_TOKEN");
    if (token != null && !token.isBlank()) {
      return "Bearer " + token;
    }
    String user = System.getenv("MLFLOW_TRACKING_USERNAME");
    if (user != null && !user.isBlank()) {
      String pw = System.getenv().getOrDefault("MLFLOW_TRACKING_PASSWORD", "");
      return "Basic " + Base64.getEncoder().encodeToString((user + ":" + pw).getBytes(StandardCharsets.UTF_8));
    }
    return null;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String encodePath(String path) {
    List<String> parts = new ArrayList<>();
    for (String seg : path.split("/")) {
      parts.add(enc(seg).replace("+", "%20"));
    }
    return String.join("/", parts);
  }
}
