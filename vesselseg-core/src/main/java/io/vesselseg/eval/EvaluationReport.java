package io.vesselseg.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of an {@link Evaluation}: pooled and per-image-mean metrics, each image's own scores, the
 * threshold and a label.
 *
 * @param label     row label, e.g. "model" or "2nd observer"
 * @param threshold the decision threshold used for the confusion-based metrics
 * @param confusion pooled confusion counts over all FOV pixels of all images
 * @param pooled    metrics of the pooled confusion, with pooled AUC-ROC and AUC-PR
 * @param mean      mean over images of each image's own metrics (NaN values skipped)
 * @param perImage  each image's scores, in input order
 * @param aucRocErrorBound the largest possible difference between the pooled AUC-ROC and the exact one (the
 *                  pooled AUCs come from a {@link ScoreHistogram}); 0 when exact, NaN when the AUC is
 * @param aucPrErrorBound the same for the pooled AUC-PR
 */
public record EvaluationReport(
    String label,
    float threshold,
    Confusion confusion,
    Metrics pooled,
    Metrics mean,
    List<ImageScore> perImage,
    double aucRocErrorBound,
    double aucPrErrorBound) {

  private static final String[] COLUMNS = {"F1", "IoU", "Acc", "Se", "Sp", "MCC", "AUC-ROC", "AUC-PR"};

  public EvaluationReport {
    perImage = List.copyOf(perImage);
  }

  /** Number of scored (FOV) pixels over all images. */
  public long pixels() {
    return confusion.total();
  }

  /**
   * Fixed-width summary table with a title line, then rows "pooled" and "per-image mean" and columns
   * F1 IoU Acc Se Sp MCC AUC-ROC AUC-PR (4 decimals).
   */
  public String toTable() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%s: threshold %s, %d images, %d FOV pixels%n",
        label, thresholdText(), perImage.size(), pixels()));
    int w = 16;
    header(sb, "", w);
    row(sb, "pooled", w, pooled);
    row(sb, "per-image mean", w, mean);
    if (aucRocErrorBound > 0 || aucPrErrorBound > 0) {
      sb.append(String.format(Locale.ROOT, "pooled AUCs from a score histogram: within %.1e (ROC) and %.1e (PR) "
          + "of the exact values%n", aucRocErrorBound, aucPrErrorBound));
    }
    return sb.toString();
  }

  /** Fixed-width table with one row per image (same columns as {@link #toTable()}) and a final mean row. */
  public String perImageTable() {
    int w = "mean".length();
    for (ImageScore s : perImage) {
      w = Math.max(w, s.id().length());
    }
    w += 2;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%s: per image, threshold %s%n", label, thresholdText()));
    header(sb, "image", w);
    for (ImageScore s : perImage) {
      row(sb, s.id(), w, s.metrics());
    }
    row(sb, "mean", w, mean);
    return sb.toString();
  }

  /**
   * The report as an insertion-ordered JSON-ready map. Top-level keys: {@code label, threshold, pixels, images,
   * f1, iou, accuracy, sensitivity, specificity, precision, mcc, auc_roc, auc_pr} (pooled), {@code tp, fp, fn,
   * tn} (pooled counts), {@code auc_roc_error_bound, auc_pr_error_bound}, {@code mean} (object of per-image
   * means with the same metric keys) and {@code per_image} (list of {@link ImageScore#toJson()} objects).
   * Undefined (NaN) values are null.
   */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("label", label);
    m.put("threshold", Double.parseDouble(Float.toString(threshold)));
    m.put("pixels", pixels());
    m.put("images", perImage.size());
    pooled.putTo(m);
    m.put("tp", confusion.tp());
    m.put("fp", confusion.fp());
    m.put("fn", confusion.fn());
    m.put("tn", confusion.tn());
    m.put("auc_roc_error_bound", Double.isFinite(aucRocErrorBound) ? aucRocErrorBound : null);
    m.put("auc_pr_error_bound", Double.isFinite(aucPrErrorBound) ? aucPrErrorBound : null);
    m.put("mean", mean.toMap());
    List<Map<String, Object>> list = new ArrayList<>(perImage.size());
    for (ImageScore s : perImage) {
      list.add(s.toJson());
    }
    m.put("per_image", list);
    return m;
  }

  /** {@link #toJson()} serialised with Jackson, pretty-printed. */
  public String toJsonString() {
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toJson());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise evaluation report '" + label + "'", e);
    }
  }

  private String thresholdText() {
    return Float.toString(threshold);
  }

  private static void header(StringBuilder sb, String first, int w) {
    sb.append(String.format(Locale.ROOT, "%-" + w + "s", first));
    for (String c : COLUMNS) {
      sb.append(String.format(Locale.ROOT, "%9s", c));
    }
    sb.append(System.lineSeparator());
  }

  private static void row(StringBuilder sb, String name, int w, Metrics m) {
    sb.append(String.format(Locale.ROOT, "%-" + w + "s", name));
    double[] v = {m.f1(), m.iou(), m.accuracy(), m.sensitivity(), m.specificity(), m.mcc(), m.aucRoc(), m.aucPr()};
    for (double x : v) {
      sb.append(Double.isNaN(x) ? String.format(Locale.ROOT, "%9s", "n/a")
          : String.format(Locale.ROOT, "%9.4f", x));
    }
    sb.append(System.lineSeparator());
  }
}
