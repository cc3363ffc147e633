package io.vesselseg.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Per-image calibration of a vessel probability map, recorded in a model file's {@code calibration} metadata.
 * Pooled scores rank every pixel of every photograph on one scale, and a network scores the background of a
 * hazy photograph higher than that of a clear one; {@code fov-median-logit} moves each map's logits so that its
 * median FOV pixel (a background pixel: vessels cover ~12% of a DRIVE FOV) sits at {@code offset}:
 * {@code logit(p') = logit(p) - median_FOV(logit(p)) + offset}. Within a photograph the order of the pixels
 * is unchanged; across photographs their backgrounds are aligned. {@link #NONE} leaves maps as they are.
 *
 * @param offset the logit the median FOV pixel is moved to (NaN for {@link #NONE})
 */
public record Calibration(double offset) {

  /** The metadata key. */
  public static final String KEY = "calibration";
  /** The one calibration there is. */
  public static final String TYPE = "fov-median-logit";
  /** No calibration. */
  public static final Calibration NONE = new Calibration(Double.NaN);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double EPS = 1e-7;

  /** True unless {@link #NONE}. */
  public boolean active() {
    return !Double.isNaN(offset);
  }

  /** The metadata value: {@code {"type":"fov-median-logit","offset":-6.0}}. */
  public String toJson() {
    return String.format(Locale.ROOT, "{\"type\":\"%s\",\"offset\":%s}", TYPE, offset);
  }

  /** Reads a metadata value ({@link #NONE} when absent); {@code where} names it in the error. */
  public static Calibration parse(String json, String where) {
    if (json == null || json.isBlank()) {
      return NONE;
    }
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (IOException e) {
      n = null;
    }
    if (n == null || !TYPE.equals(n.path("type").asText()) || !n.path("offset").isNumber()
        || !Double.isFinite(n.get("offset").asDouble())) {
      throw new VesselsegException.Model(where + ": calibration '" + json + "' is not understood: expected "
          + "{\"type\":\"" + TYPE + "\",\"offset\":<finite logit, e.g. -6>}");
    }
    return new Calibration(n.get("offset").asDouble());
  }

  /**
   * Calibrates {@code p} (one photograph, h*w row-major) in place, the median taken over the pixels where
   * {@code fov} is non-zero; a map without FOV pixels, or {@link #NONE}, is left as it is.
   */
  public void apply(float[] p, byte[] fov) {
    if (!active()) {
      return;
    }
    if (fov.length != p.length) {
      throw new IllegalArgumentException("FOV of " + fov.length + " pixels for a map of " + p.length);
    }
    float[] inside = new float[p.length];
    int n = 0;
    for (int i = 0; i < p.length; i++) {
      if (fov[i] != 0) {
        inside[n++] = p[i];
      }
    }
    if (n == 0) {
      return;
    }
    Arrays.sort(inside, 0, n);
    double median = n % 2 == 1 ? inside[n / 2] : 0.5 * (inside[n / 2 - 1] + inside[n / 2]);
    double shift = offset - logit(median);
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) (1 / (1 + Math.exp(-(logit(p[i]) + shift))));
    }
  }

  private static double logit(double p) {
    double q = Math.min(Math.max(p, EPS), 1 - EPS);
    return Math.log(q / (1 - q));
  }
}
