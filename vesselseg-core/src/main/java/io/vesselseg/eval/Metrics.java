package io.vesselseg.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * One row of scores: the threshold metrics of a {@link Confusion} plus the two threshold-free curve areas.
 * NaN marks an undefined value (an AUC of an image with only one class in its FOV).
 */
public record Metrics(
    double f1,
    double iou,
    double accuracy,
    double sensitivity,
    double specificity,
    double precision,
    double mcc,
    double aucRoc,
    double aucPr) {

  /** The metrics of confusion counts together with the given curve areas. */
  public static Metrics of(Confusion c, double aucRoc, double aucPr) {
    return new Metrics(c.f1(), c.iou(), c.accuracy(), c.sensitivity(), c.specificity(), c.precision(), c.mcc(),
        aucRoc, aucPr);
  }

  /**
   * Per-image mean: each field is the mean over rows of that field, skipping NaN values (NaN when every row
   * is NaN or the list is empty).
   */
  public static Metrics mean(List<Metrics> rows) {
    return new Metrics(
        mean(rows, Metrics::f1),
        mean(rows, Metrics::iou),
        mean(rows, Metrics::accuracy),
        mean(rows, Metrics::sensitivity),
        mean(rows, Metrics::specificity),
        mean(rows, Metrics::precision),
        mean(rows, Metrics::mcc),
        mean(rows, Metrics::aucRoc),
        mean(rows, Metrics::aucPr));
  }

  private static double mean(List<Metrics> rows, ToDoubleFunction<Metrics> field) {
    double sum = 0;
    int n = 0;
    for (Metrics m : rows) {
      double v = field.applyAsDouble(m);
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /**
   * The metrics as an insertion-ordered map with the JSON keys {@code f1, iou, accuracy, sensitivity,
   * specificity, precision, mcc, auc_roc, auc_pr}; NaN becomes null (JSON has no NaN).
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    putTo(m);
    return m;
  }

  void putTo(Map<String, Object> m) {
    m.put("f1", json(f1));
    m.put("iou", json(iou));
    m.put("accuracy", json(accuracy));
    m.put("sensitivity", json(sensitivity));
    m.put("specificity", json(specificity));
    m.put("precision", json(precision));
    m.put("mcc", json(mcc));
    m.put("auc_roc", json(aucRoc));
    m.put("auc_pr", json(aucPr));
  }

  private static Double json(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
