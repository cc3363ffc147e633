package io.vesselseg.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The scores of one image, computed inside its FOV.
 *
 * @param id        the image id (e.g. "01_test")
 * @param confusion confusion counts at the report threshold
 * @param aucRoc    this image's own AUC-ROC (NaN when its FOV holds only one class)
 * @param aucPr     this image's own AUC-PR / average precision (NaN when its FOV holds no vessel pixel)
 */
public record ImageScore(String id, Confusion confusion, double aucRoc, double aucPr) {

  /** All metrics of this image. */
  public Metrics metrics() {
    return Metrics.of(confusion, aucRoc, aucPr);
  }

  /** JSON object: {@code id}, {@code pixels}, the metric keys of {@link Metrics#toMap()}, then tp/fp/fn/tn. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("pixels", confusion.total());
    metrics().putTo(m);
    m.put("tp", confusion.tp());
    m.put("fp", confusion.fp());
    m.put("fn", confusion.fn());
    m.put("tn", confusion.tn());
    return m;
  }
}
