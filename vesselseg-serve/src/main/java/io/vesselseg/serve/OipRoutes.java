package io.vesselseg.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.vesselseg.Segmentation;
import io.vesselseg.VesselSegmenter;
import io.vesselseg.Version;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.BooleanSupplier;

/**
 * The Open Inference Protocol (KServe v2) REST endpoints: server metadata, liveness and readiness, model
 * metadata and readiness, and inference. The model takes one RGB photograph as {@code image}, UINT8
 * {@code [1, H, W, 3]}, and returns {@code probabilities} (FP32 {@code [1, H, W]}), {@code mask} (UINT8 0/1
 * {@code [1, H, W]}: probability at least the threshold, inside the field of view) and {@code fov} (UINT8 0/1
 * {@code [1, H, W]}); the response's {@code parameters} carry the threshold and the vessel density. Tensors go
 * as JSON or through the binary tensor extension ({@link OipRequest}); errors are 4xx with
 * {@code {"error": "..."}}.
 */
final class OipRoutes {

  static final String VERSION = "1";
  /** The binary tensor extension's header: the length of the JSON part at the start of a body. */
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = new JsonFactory();

  private final ServeSettings settings;
  private final InferenceQueue queue;
  private final BooleanSupplier ready;

  OipRoutes(ServeSettings settings, InferenceQueue queue, BooleanSupplier ready) {
    this.settings = settings;
    this.queue = queue;
    this.ready = ready;
  }

  void server(Context ctx) {
    ObjectNode o = JSON.createObjectNode().put("name", "vesselseg").put("version", Version.VESSELSEG);
    o.putArray("extensions").add("binary_tensor_data");
    json(ctx, o);
  }

  void live(Context ctx) {
    json(ctx, JSON.createObjectNode().put("live", true));
  }

  void serverReady(Context ctx) {
    boolean r = ready.getAsBoolean();
    ctx.status(r ? 200 : 503);
    json(ctx, JSON.createObjectNode().put("ready", r));
  }

  void modelMetadata(Context ctx) {
    model(ctx);
    ObjectNode o = JSON.createObjectNode().put("name", settings.modelName());
    o.putArray("versions").add(VERSION);
    o.put("platform", "vesselseg_libtorch");
    tensor(o.putArray("inputs"), OipRequest.INPUT, "UINT8", 1, -1, -1, 3);
    ArrayNode outputs = o.putArray("outputs");
    tensor(outputs, "probabilities", "FP32", 1, -1, -1);
    tensor(outputs, "mask", "UINT8", 1, -1, -1);
    tensor(outputs, "fov", "UINT8", 1, -1, -1);
    json(ctx, o);
  }

  void modelReady(Context ctx) {
    model(ctx);
    serverReady(ctx);
  }

  void infer(Context ctx) {
    long arrived = Requests.arrived(ctx);
    model(ctx);
    String header = ctx.header(HEADER_LENGTH);
    long jsonLength = -1;
    if (header != null) {
      try {
        jsonLength = Long.parseLong(header.strip());
      } catch (NumberFormatException e) {
        throw HttpError.badRequest(HEADER_LENGTH + " is '" + header + "': expected the JSON header's length in "
            + "bytes");
      }
    }
    OipRequest req = OipRequest.parse(Requests.body(ctx, settings.maxUploadBytes()), jsonLength,
        settings.maxPixels());
    long deadline = arrived + (long) (settings.timeoutSeconds() * 1e9);
    InferenceQueue.Result r = Requests.await(queue.submit(req::image,
        new InferenceQueue.Mode(VesselSegmenter.Tta.NONE, false), arrived, deadline),
        arrived, deadline);
    Segmentation s = r.segmentation();
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + s.width() * s.height() * 12);
    writeJson(out, req, r);
    if (req.outputs.stream().anyMatch(OipRequest.Output::binary)) {
      int json = out.size();
      for (OipRequest.Output o : req.outputs) {
        if (o.binary()) {
          writeRaw(out, o.name(), s);
        }
      }
      ctx.header(HEADER_LENGTH, String.valueOf(json)).contentType("application/octet-stream");
    } else {
      ctx.contentType("application/json");
    }
    ctx.result(out.toByteArray());
  }

  private static void writeRaw(ByteArrayOutputStream out, String name, Segmentation s) {
    if (name.equals("probabilities")) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * s.probabilities().length)
          .order(java.nio.ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(s.probabilities());
      out.writeBytes(b.array());
    } else {
      out.writeBytes(name.equals("mask") ? s.mask() : s.fov());
    }
  }

  private void writeJson(ByteArrayOutputStream out, OipRequest req, InferenceQueue.Result r) {
    Segmentation s = r.segmentation();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("model_name", settings.modelName());
      g.writeStringField("model_version", VERSION);
      if (req.id != null) {
        g.writeStringField("id", req.id);
      }
      g.writeObjectFieldStart("parameters");
      g.writeNumberField("threshold", s.threshold());
      g.writeNumberField("vessel_density", s.vesselDensity());
      g.writeNumberField("fov_area", s.fovArea());
      g.writeStringField("model_sha256", r.modelSha256());
      g.writeNumberField("queued_seconds", r.queuedSeconds());
      g.writeNumberField("inference_seconds", r.inferenceSeconds());
      g.writeEndObject();
      g.writeArrayFieldStart("outputs");
      for (OipRequest.Output o : req.outputs) {
        String name = o.name();
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("datatype", name.equals("probabilities") ? "FP32" : "UINT8");
        g.writeArrayFieldStart("shape");
        g.writeNumber(1);
        g.writeNumber(s.height());
        g.writeNumber(s.width());
        g.writeEndArray();
        if (o.binary()) {
          g.writeObjectFieldStart("parameters");
          g.writeNumberField("binary_data_size", (name.equals("probabilities") ? 4L : 1L) * s.width() * s.height());
          g.writeEndObject();
          g.writeEndObject();
          continue;
        }
        g.writeArrayFieldStart("data");
        if (name.equals("probabilities")) {
          for (float p : s.probabilities()) {
            g.writeNumber(p);
          }
        } else {
          for (byte b : name.equals("mask") ? s.mask() : s.fov()) {
            g.writeNumber(b);
          }
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Checks the path's model name (and version, when given): 404 for another. */
  private void model(Context ctx) {
    String name = ctx.pathParam("name");
    if (!settings.modelName().equals(name)) {
      throw new HttpError(404, "unknown_model", "model '" + name + "' is not served here: this server serves '"
          + settings.modelName() + "' (GET /v2/models/" + settings.modelName() + ")");
    }
    String version = ctx.pathParamMap().get("version");
    if (version != null && !VERSION.equals(version)) {
      throw new HttpError(404, "unknown_model", "model '" + name + "' has no version '" + version
          + "': the only version is '" + VERSION + "'");
    }
  }

  private static void tensor(ArrayNode list, String name, String datatype, int... shape) {
    ObjectNode t = list.addObject().put("name", name).put("datatype", datatype);
    ArrayNode s = t.putArray("shape");
    for (int d : shape) {
      s.add(d);
    }
  }

  private static void json(Context ctx, ObjectNode o) {
    ctx.contentType("application/json").result(o.toString());
  }
}
