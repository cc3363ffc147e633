package io.vesselseg.spark;

import io.vesselseg.Segmentation;
import io.vesselseg.measure.ImageQuality;
import io.vesselseg.measure.VesselMeasurements;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The columns of {@code results.parquet}, one row per input photograph, and their conversion from a
 * {@link Segmentation} and into a Spark {@link Row}. A result is a name-to-value map in column order (what the
 * per-photograph JSON record holds); figures that cannot be measured (NaN) and everything of a failed
 * photograph except its path, name, input size and error are null.
 */
public final class ResultColumns {

  /** The columns every row has, before the measurements and quality figures. */
  private static final Map<String, DataType> HEAD = new LinkedHashMap<>();
  /** After them: provenance, timings, the error. */
  private static final Map<String, DataType> TAIL = new LinkedHashMap<>();
  /** The quality figures of {@link ImageQuality} (its flags are the array column {@code quality_flags}). */
  static final List<String> QUALITY = List.of("fov_fraction", "red_over_green", "mean_luminance",
      "white_fraction", "laplacian_variance");

  static {
    HEAD.put("path", DataTypes.StringType);
    HEAD.put("name", DataTypes.StringType);
    HEAD.put("mask", DataTypes.StringType);
    HEAD.put("probabilities", DataTypes.StringType);
    HEAD.put("input_bytes", DataTypes.LongType);
    HEAD.put("input_modified_ms", DataTypes.LongType);
    HEAD.put("width", DataTypes.IntegerType);
    HEAD.put("height", DataTypes.IntegerType);
    HEAD.put("fov_area", DataTypes.LongType);
    HEAD.put("vessel_density", DataTypes.DoubleType);
    HEAD.put("threshold", DataTypes.DoubleType);
    TAIL.put("quality_flags", DataTypes.createArrayType(DataTypes.StringType, false));
    TAIL.put("model", DataTypes.StringType);
    TAIL.put("model_sha256", DataTypes.StringType);
    TAIL.put("rescale", DataTypes.BooleanType);
    TAIL.put("read_seconds", DataTypes.DoubleType);
    TAIL.put("segment_seconds", DataTypes.DoubleType);
    TAIL.put("total_seconds", DataTypes.DoubleType);
    TAIL.put("error", DataTypes.StringType);
  }

  /** The table's schema: head, the measurements ({@link VesselMeasurements#COLUMNS}), quality, tail. */
  public static final StructType SCHEMA = schema();

  private ResultColumns() {}

  private static StructType schema() {
    List<StructField> fields = new ArrayList<>();
    HEAD.forEach((n, t) -> fields.add(DataTypes.createStructField(n, t, true)));
    List<Number> sample = VesselMeasurements.noFov(Double.NaN).values();
    for (int i = 0; i < sample.size(); i++) {
      Number v = sample.get(i);
      DataType t = v instanceof Long ? DataTypes.LongType : v instanceof Integer ? DataTypes.IntegerType
          : DataTypes.DoubleType;
      fields.add(DataTypes.createStructField(VesselMeasurements.COLUMNS.get(i), t, true));
    }
    QUALITY.forEach(n -> fields.add(DataTypes.createStructField(n, DataTypes.DoubleType, true)));
    TAIL.forEach((n, t) -> fields.add(DataTypes.createStructField(n, t, true)));
    return DataTypes.createStructType(fields);
  }

  /** A result with only the columns every row has: path, name, input size; the rest null. */
  static Map<String, Object> start(String path, String name, long bytes, long modifiedMs) {
    Map<String, Object> r = new LinkedHashMap<>();
    for (String f : SCHEMA.fieldNames()) {
      r.put(f, null);
    }
    r.put("path", path);
    r.put("name", name);
    r.put("input_bytes", bytes);
    r.put("input_modified_ms", modifiedMs);
    return r;
  }

  /** Fills a result's figures from a segmentation. */
  static void fill(Map<String, Object> r, Segmentation s) {
    r.put("width", s.width());
    r.put("height", s.height());
    r.put("fov_area", s.fovArea());
    r.put("vessel_density", finite(s.vesselDensity()));
    r.put("threshold", (double) s.threshold());
    VesselMeasurements m = s.measurements();
    List<Number> values = m.values();
    for (int i = 0; i < values.size(); i++) {
      Number v = values.get(i);
      r.put(VesselMeasurements.COLUMNS.get(i), v instanceof Double d ? finite(d) : v);
    }
    ImageQuality q = s.quality();
    double[] figures = {q.fovFraction(), q.redOverGreen(), q.meanLuminance(), q.whiteFraction(),
        q.laplacianVariance()};
    for (int i = 0; i < figures.length; i++) {
      r.put(QUALITY.get(i), finite(figures[i]));
    }
    r.put("quality_flags", q.flags().stream().map(ImageQuality.Flag::label).sorted().toList());
    r.put("segment_seconds", s.seconds());
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /**
   * A Spark row of a result map (as built here, or as read back from JSON, where numbers may have come back
   * as another boxed type).
   */
  static Row toRow(Map<String, ?> r) {
    StructField[] fields = SCHEMA.fields();
    Object[] values = new Object[fields.length];
    for (int i = 0; i < fields.length; i++) {
      Object v = r.get(fields[i].name());
      DataType t = fields[i].dataType();
      if (v instanceof Number n) {
        v = t.equals(DataTypes.LongType) ? (Object) n.longValue() : t.equals(DataTypes.IntegerType)
            ? (Object) n.intValue() : (Object) n.doubleValue();
      }
      if (v instanceof List<?> list) {
        v = scala.jdk.javaapi.CollectionConverters.asScala(list).toSeq();   // what a Row holds for an array
      }
      values[i] = v;
    }
    return RowFactory.create(values);
  }
}
