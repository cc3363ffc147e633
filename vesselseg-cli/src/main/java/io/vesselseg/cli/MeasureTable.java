package io.vesselseg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vesselseg.measure.ImageQuality;
import io.vesselseg.measure.VesselMeasurements;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The table {@code measure} writes: one row per photograph, as CSV (NaN as an empty cell) and as JSON (null). */
final class MeasureTable {

  /** One photograph: its model (or masks), threshold (NaN for masks), quality and measurements. */
  record Row(String photograph, String model, String modelSha256, float threshold, ImageQuality quality,
      VesselMeasurements measurements) {}

  static final List<String> HEAD = List.of("photograph", "model", "model_sha256", "threshold", "flags",
      "fov_fraction", "red_over_green", "mean_luminance", "white_fraction", "laplacian_variance");

  private MeasureTable() {}

  static String flags(ImageQuality q) {
    return q.flags().stream().sorted().map(ImageQuality.Flag::label).collect(Collectors.joining(" "));
  }

  private static List<Object> cells(Row r) {
    ImageQuality q = r.quality();
    List<Object> c = new ArrayList<>(List.of(r.photograph(), r.model(), r.modelSha256(), (double) r.threshold(),
        flags(q), q.fovFraction(), q.redOverGreen(), q.meanLuminance(), q.whiteFraction(), q.laplacianVariance()));
    c.addAll(r.measurements().values());
    return c;
  }

  private static List<String> columns() {
    List<String> cols = new ArrayList<>(HEAD);
    cols.addAll(VesselMeasurements.COLUMNS);
    return cols;
  }

  static byte[] csv(List<Row> rows) {
    StringBuilder sb = new StringBuilder(String.join(",", columns())).append('\n');
    for (Row r : rows) {
      sb.append(cells(r).stream().map(MeasureTable::csvCell).collect(Collectors.joining(","))).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String csvCell(Object o) {
    if (o instanceof Double d) {
      return d.isNaN() ? "" : String.format(Locale.ROOT, "%.6g", d);
    }
    String s = o.toString();
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  static byte[] json(List<Row> rows) {
    ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ArrayNode arr = om.createArrayNode();
    List<String> cols = columns();
    for (Row r : rows) {
      ObjectNode o = arr.addObject();
      List<Object> c = cells(r);
      for (int k = 0; k < cols.size(); k++) {
        Object v = c.get(k);
        String key = cols.get(k);
        if (key.equals("flags")) {
          ArrayNode f = o.putArray("flags");
          r.quality().flags().stream().sorted().forEach(x -> f.add(x.label()));
        } else if (v instanceof Double d) {
          if (d.isNaN()) {
            o.putNull(key);
          } else {
            o.put(key, d);
          }
        } else if (v instanceof Integer i) {
          o.put(key, i);
        } else if (v instanceof Long l) {
          o.put(key, l);
        } else {
          o.put(key, v.toString());
        }
      }
    }
    try {
      return om.writeValueAsBytes(arr);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("JSON of the measurements: " + e.getMessage(), e);
    }
  }
}
