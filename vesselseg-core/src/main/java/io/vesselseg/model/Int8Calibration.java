package io.vesselseg.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.util.Arrays;

/**
 * The activation ranges an int8 model needs, measured by running the fp32 (BatchNorm-folded) networks over
 * calibration photographs and keeping, at every {@link FoldedUNet.Observer} site, the smallest and largest
 * value seen. Stored in a model file's {@code int8_calibration} metadata, so {@code --precision int8} needs no
 * data at prediction time: {@code {"method":"min-max","photographs":17,"source":"...","members":[[[min,max],
 * ...], ...]}}.
 */
public final class Int8Calibration {

  /** The metadata key. */
  public static final String KEY = "int8_calibration";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final float[][][] ranges; // [member][site] = {min, max}
  private int photographs;

  private Int8Calibration(float[][][] ranges, int photographs) {
    this.ranges = ranges;
    this.photographs = photographs;
  }

  /** An empty recorder for {@code members} U-Nets of {@code depth} levels. */
  static Int8Calibration recorder(int members, int depth) {
    float[][][] r = new float[members][QuantizedUNet.sites(depth)][];
    for (float[][] m : r) {
      for (int s = 0; s < m.length; s++) {
        m[s] = new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
      }
    }
    return new Int8Calibration(r, 0);
  }

  /** The observer that widens member {@code i}'s ranges with what it sees. */
  FoldedUNet.Observer observer(int member) {
    float[][] r = ranges[member];
    return (site, t) -> {
      r[site][0] = Math.min(r[site][0], t.min().item_float());
      r[site][1] = Math.max(r[site][1], t.max().item_float());
    };
  }

  /** Counts one more calibration photograph. */
  void counted(int n) {
    photographs += n;
  }

  /** Member {@code i}'s ranges, {@code [site] = {min, max}}. */
  float[][] member(int i) {
    if (i >= ranges.length) {
      throw new VesselsegException.Model("int8 calibration covers " + ranges.length + " networks, not network "
          + (i + 1) + ": calibrate this model again (vesselseg quantize)");
    }
    return ranges[i];
  }

  /** The number of networks calibrated. */
  public int members() {
    return ranges.length;
  }

  /** The number of photographs the ranges were measured on. */
  public int photographs() {
    return photographs;
  }

  /** The metadata value; {@code source} says what the photographs were. */
  public String toJson(String source) {
    ObjectNode n = JSON.createObjectNode();
    n.put("method", "min-max");
    n.put("photographs", photographs);
    n.put("source", source);
    ArrayNode members = n.putArray("members");
    for (float[][] m : ranges) {
      ArrayNode sites = members.addArray();
      for (float[] r : m) {
        if (!(r[0] <= r[1])) {
          throw new IllegalStateException("int8 calibration saw no activations: segment photographs first");
        }
        sites.addArray().add(r[0]).add(r[1]);
      }
    }
    return n.toString();
  }

  /**
   * Reads a metadata value; {@code where} names the model in the errors.
   *
   * @throws VesselsegException.Usage when absent (the model was not calibrated for int8)
   * @throws VesselsegException.Model when unreadable
   */
  public static Int8Calibration parse(String json, String where) {
    if (json == null || json.isBlank()) {
      throw new VesselsegException.Usage("model " + where + " has no int8 calibration: make an int8-ready copy "
          + "with `vesselseg quantize --model <it> --data <its training set> --out <file>`, or use fp32 / bf16");
    }
    try {
      JsonNode members = JSON.readTree(json).path("members");
      float[][][] r = new float[members.size()][][];
      for (int i = 0; i < r.length; i++) {
        JsonNode sites = members.get(i);
        r[i] = new float[sites.size()][];
        for (int s = 0; s < sites.size(); s++) {
          r[i][s] = new float[] {(float) sites.get(s).get(0).asDouble(), (float) sites.get(s).get(1).asDouble()};
          if (!(r[i][s][0] <= r[i][s][1]) || !Float.isFinite(r[i][s][0]) || !Float.isFinite(r[i][s][1])) {
            throw new IOException("range " + Arrays.toString(r[i][s]));
          }
        }
      }
      if (r.length == 0) {
        throw new IOException("no networks");
      }
      return new Int8Calibration(r, JSON.readTree(json).path("photographs").asInt());
    } catch (IOException | RuntimeException e) {
      throw new VesselsegException.Model("model " + where + ": int8 calibration is not understood (" + e.getMessage()
          + "): calibrate it again with vesselseg quantize", e);
    }
  }
}
