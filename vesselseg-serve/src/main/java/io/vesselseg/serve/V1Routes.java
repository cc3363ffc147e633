package io.vesselseg.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.vesselseg.Segmentation;
import io.vesselseg.VesselSegmenter;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.RgbImage;
import io.vesselseg.eval.VesselMask;
import io.vesselseg.measure.ImageQuality;
import io.vesselseg.measure.VesselMeasurements;
import io.vesselseg.viz.Overlay;
import java.awt.image.BufferedImage;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * {@code POST /v1/segment} (a photograph in, a PNG mask, probability map, overlay or JSON summary out; with
 * {@code output=json&images=true} also the pictures the web page redraws from) and {@code GET /v1/model} (the
 * model card, from the model file's metadata).
 */
final class V1Routes {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> OUTPUTS = Map.of("mask", "the 0/255 vessel mask as PNG",
      "prob", "the 8-bit probability map as PNG", "overlay", "the photograph with the vessels drawn as PNG",
      "uncertainty", "the uncertainty heat map as PNG", "json", "the figures as JSON");

  private final ServeSettings settings;
  private final InferenceQueue queue;
  private final ServerMetrics metrics;
  private final ObjectNode modelCard;

  V1Routes(ServeSettings settings, InferenceQueue queue, ServerMetrics metrics) {
    this.settings = settings;
    this.queue = queue;
    this.metrics = metrics;
    this.modelCard = modelCard(settings.modelName(), queue.first());
  }

  void segment(Context ctx) {
    long arrived = Requests.arrived(ctx);
    String output = param(ctx, "output", "mask");
    if (!OUTPUTS.containsKey(output)) {
      throw HttpError.badRequest("output '" + output + "' is not one of mask, prob, overlay, uncertainty, json "
          + "(default mask)");
    }
    String ttaName = param(ctx, "tta", "none");
    VesselSegmenter.Tta tta = switch (ttaName) {
      case "none" -> VesselSegmenter.Tta.NONE;
      case "flips" -> VesselSegmenter.Tta.FLIPS;
      default -> throw HttpError.badRequest("tta '" + ttaName + "' is not one of none, flips (default none)");
    };
    String imagesParam = param(ctx, "images", "false");
    if (!imagesParam.equals("true") && !imagesParam.equals("false")) {
      throw HttpError.badRequest("images '" + imagesParam + "' is not one of true, false (default false)");
    }
    boolean images = imagesParam.equals("true");
    String uncertaintyParam = param(ctx, "uncertainty", output.equals("uncertainty") ? "true" : "false");
    if (!uncertaintyParam.equals("true") && !uncertaintyParam.equals("false")) {
      throw HttpError.badRequest("uncertainty '" + uncertaintyParam + "' is not one of true, false (default false)");
    }
    boolean uncertainty = uncertaintyParam.equals("true");
    if (output.equals("uncertainty") && !uncertainty) {
      throw HttpError.badRequest("output=uncertainty needs uncertainty=true (or no uncertainty parameter)");
    }
    if (images && !output.equals("json")) {
      throw HttpError.badRequest("images=true needs output=json (found output=" + output + ")");
    }
    ImageInput image = ImageInput.probe(Requests.image(ctx, settings.maxUploadBytes()), settings.maxPixels());
    metrics.pixels((long) image.width() * image.height());
    long deadline = arrived + (long) (settings.timeoutSeconds() * 1e9);
    AtomicReference<BufferedImage> decoded = new AtomicReference<>();
    Supplier<BufferedImage> decode = () -> {
      BufferedImage b = image.decode();
      decoded.set(b);
      return b;
    };
    InferenceQueue.Result r = Requests.await(queue.submit(decode, new InferenceQueue.Mode(tta, uncertainty), arrived,
        deadline), arrived, deadline);
    Segmentation s = r.segmentation();
    double total = (System.nanoTime() - arrived) / 1e9;
    ctx.header("X-Vessel-Density", fmt(s.vesselDensity()));
    ctx.header("X-Threshold", fmt(s.threshold()));
    ctx.header("X-Model-Sha256", r.modelSha256());
    ctx.header("X-Timing-Seconds", String.format(Locale.ROOT, "queued=%.4f;inference=%.4f;total=%.4f",
        r.queuedSeconds(), r.inferenceSeconds(), total));
    switch (output) {
      case "mask" -> png(ctx, ImageFiles.encodePng(s.maskImage()));
      case "prob" -> png(ctx, ImageFiles.encodePng(s.probabilityImage()));
      case "overlay" -> png(ctx, ImageFiles.encodePng(s.overlayImage()));
      case "uncertainty" -> png(ctx, ImageFiles.encodePng(s.uncertaintyImage()));
      default -> {
        ObjectNode o = JSON.createObjectNode();
        o.putObject("model").put("name", settings.modelName()).put("file", queue.first().modelName())
            .put("sha256", r.modelSha256());
        o.putObject("image").put("width", s.width()).put("height", s.height()).put("format", image.format());
        o.put("tta", ttaName);
        o.put("threshold", s.threshold());
        o.put("vessel_density", s.vesselDensity());
        o.put("fov_area", s.fovArea());
        o.set("quality", quality(s.quality()));
        o.set("measurements", measurements(s.measurements()));
        o.putObject("timings").put("queued_seconds", r.queuedSeconds())
            .put("inference_seconds", r.inferenceSeconds()).put("total_seconds", total);
        if (images) {
          o.set("images", images(s, decoded.get()));
        }
        ctx.contentType("application/json").result(o.toString());
      }
    }
  }

  /** The photograph's quality flags (labels such as {@code blurred}) and the figures behind them. */
  private static ObjectNode quality(ImageQuality q) {
    ObjectNode o = JSON.createObjectNode();
    var flags = o.putArray("flags");
    q.flags().forEach(f -> flags.add(f.label()));
    number(o, "fov_fraction", q.fovFraction());
    number(o, "red_over_green", q.redOverGreen());
    number(o, "mean_luminance", q.meanLuminance());
    number(o, "white_fraction", q.whiteFraction());
    number(o, "laplacian_variance", q.laplacianVariance());
    number(o, "disagreement", q.disagreement());
    return o;
  }

  /** The vessel measurements under the column names of {@code measure}'s table (NaN: null). */
  private static ObjectNode measurements(VesselMeasurements m) {
    ObjectNode o = JSON.createObjectNode();
    for (int i = 0; i < VesselMeasurements.COLUMNS.size(); i++) {
      Number v = m.values().get(i);
      if (v instanceof Double d) {
        number(o, VesselMeasurements.COLUMNS.get(i), d);
      } else {
        o.put(VesselMeasurements.COLUMNS.get(i), v.longValue());
      }
    }
    return o;
  }

  private static void number(ObjectNode o, String key, double v) {
    if (Double.isFinite(v)) {
      o.put(key, v);
    } else {
      o.putNull(key);
    }
  }

  /**
   * What the web page needs to redraw the result at any threshold without a second inference: the photograph
   * as the model saw it (8-bit RGB), the FOV (0/255) and the probability map quantised by {@link #levels}, as
   * base64 PNGs, and the level at which that map reproduces the mask.
   */
  private static ObjectNode images(Segmentation s, BufferedImage decoded) {
    RgbImage photo = ImageFiles.toRgb(decoded);
    byte[] levels = levels(s.probabilities(), s.threshold());
    BufferedImage prob = new BufferedImage(s.width(), s.height(), BufferedImage.TYPE_BYTE_GRAY);
    prob.getRaster().setDataElements(0, 0, s.width(), s.height(), levels);
    Base64.Encoder b64 = Base64.getEncoder();
    ObjectNode i = JSON.createObjectNode();
    i.put("threshold_level", thresholdLevel(s.threshold()));
    i.put("photo_png", b64.encodeToString(ImageFiles.encodePng(Overlay.photo(photo.chw(), s.width(), s.height()))));
    i.put("probability_png", b64.encodeToString(ImageFiles.encodePng(prob)));
    i.put("fov_png", b64.encodeToString(ImageFiles.encodePng(s.fovImage())));
    if (s.uncertainty() != null) {
      i.put("uncertainty_png", b64.encodeToString(ImageFiles.encodePng(s.uncertaintyImage())));
    }
    return i;
  }

  /** The grey level of {@link #levels} that stands for {@code threshold}: round(255 threshold), 1..255. */
  static int thresholdLevel(float threshold) {
    return Math.max(1, Math.min(255, Math.round(threshold * 255f)));
  }

  /**
   * The probabilities as grey levels 0..255, rounded like {@code output=prob} except that the pixels within one
   * level of the threshold are moved to its side: a level is at least {@link #thresholdLevel} exactly when the
   * probability is at least {@code threshold}. So the map cut at that level inside the FOV is the mask itself
   * (and the vessel density the same), and cut at any other level L it is the mask at (L - 0.5) / 255.
   */
  static byte[] levels(float[] prob, float threshold) {
    int cut = thresholdLevel(threshold);
    byte[] g = Overlay.grey(prob);
    for (int i = 0; i < g.length; i++) {
      int v = g[i] & 0xff;
      if (VesselMask.isVessel(prob[i], threshold)) {
        v = Math.max(v, cut);
      } else {
        v = Math.min(v, cut - 1);
      }
      g[i] = (byte) v;
    }
    return g;
  }

  void model(Context ctx) {
    ctx.contentType("application/json").result(modelCard.toString());
  }

  private static void png(Context ctx, byte[] bytes) {
    ctx.contentType("image/png").result(bytes);
  }

  private static String param(Context ctx, String name, String dflt) {
    String v = ctx.queryParam(name);
    return v == null || v.isEmpty() ? dflt : v.toLowerCase(Locale.ROOT);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.6f", v);
  }

  /**
   * The model card: the served name, file and SHA-256, then the model file's metadata as stored, JSON-valued
   * keys parsed; {@code thresholds} and {@code figures} (the stored evaluation figures) gathered up front.
   */
  static ObjectNode modelCard(String servedName, VesselSegmenter model) {
    ObjectNode card = JSON.createObjectNode();
    card.put("name", servedName).put("file", model.modelName()).put("sha256", model.modelSha256());
    ObjectNode meta = JSON.createObjectNode();
    model.modelMetadata().forEach((k, v) -> meta.set(k, parse(v)));
    card.set("architecture", meta.path("architecture").isMissingNode() ? null : meta.get("architecture"));
    ObjectNode thresholds = card.putObject("thresholds");
    thresholds.put("serving", model.threshold());
    for (String k : new String[] {"threshold", "threshold_flips", "threshold_d8"}) {
      if (meta.has(k)) {
        thresholds.set(k, meta.get(k));
      }
    }
    ObjectNode figures = card.putObject("figures");
    meta.fields().forEachRemaining(e -> {
      JsonNode v = e.getValue();
      if (v.isObject() && (v.has("f1") || v.has("auc_roc"))) {
        figures.set(e.getKey(), v);
      } else if (e.getKey().startsWith("val_")) {
        figures.set(e.getKey(), v);
      }
    });
    if (meta.has("provenance")) {
      card.set("provenance", meta.get("provenance"));
    }
    card.set("metadata", meta);
    return card;
  }

  private static JsonNode parse(String v) {
    String t = v.strip();
    if (t.startsWith("{") || t.startsWith("[") || t.matches("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?")) {
      try {
        return JSON.readTree(t);
      } catch (java.io.IOException e) {
        // not JSON after all: keep the text
      }
    }
    return JSON.getNodeFactory().textNode(v);
  }
}
