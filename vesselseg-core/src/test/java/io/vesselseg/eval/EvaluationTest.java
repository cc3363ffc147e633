package io.vesselseg.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.Sample;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EvaluationTest {

  private static final double EPS = 1e-12;

  /**
   * Image A: 2 FOV pixels, perfect (tp=1 tn=1), plus 2 pixels outside its FOV that would be errors.
   * Image B: 4 FOV pixels, all wrong (tp=0 fp=2 fn=2 tn=0).
   */
  private static List<ScoredImage> twoImages() {
    ScoredImage a = new ScoredImage("A", new float[] {1f, 0f, 1f, 0f}, new byte[] {1, 0, 0, 1},
        new byte[] {1, 1, 0, 0});
    ScoredImage b = new ScoredImage("B", new float[] {0f, 0f, 1f, 1f}, new byte[] {1, 1, 0, 0},
        new byte[] {1, 1, 1, 1});
    return List.of(a, b);
  }

  @Test
  void pooledAndPerImageMeanDifferWhenSizesDiffer() {
    EvaluationReport r = Evaluation.evaluate("model", twoImages(), 0.5f);
    assertEquals(new Confusion(1, 0, 0, 1), r.perImage().get(0).confusion());
    assertEquals(new Confusion(0, 2, 2, 0), r.perImage().get(1).confusion());
    // pooled tp=1 fp=2 fn=2 tn=1
    assertEquals(new Confusion(1, 2, 2, 1), r.confusion());
    assertEquals(6, r.pixels());
    assertEquals(1.0 / 3.0, r.pooled().f1(), EPS); // 2/(2+2+2)
    assertEquals(1.0 / 3.0, r.pooled().accuracy(), EPS); // 2/6
    assertEquals(1.0 / 3.0, r.pooled().sensitivity(), EPS);
    assertEquals(-1.0 / 3.0, r.pooled().mcc(), EPS); // (1-4)/sqrt(3*3*3*3)
    assertEquals(0.5, r.mean().f1(), EPS); // (1 + 0) / 2
    assertEquals(0.5, r.mean().accuracy(), EPS);
    assertEquals(0.5, r.mean().sensitivity(), EPS);
    assertEquals(0.0, r.mean().mcc(), EPS); // (1 + -1) / 2
    // own AUCs: A perfect (1, AP 1); B inverted (ROC 0; AP: t=1 tp0, t=0 tp2 fp4 -> 1 * 1/2)
    assertEquals(1.0, r.perImage().get(0).aucRoc(), EPS);
    assertEquals(0.0, r.perImage().get(1).aucRoc(), EPS);
    assertEquals(0.5, r.perImage().get(1).aucPr(), EPS);
    assertEquals(0.5, r.mean().aucRoc(), EPS);
    assertEquals(0.75, r.mean().aucPr(), EPS);
    // pooled pos {1,0,0} neg {0,1,1}: pos 1 -> 1 + 1/2 + 1/2, each pos 0 -> 1/2 + 0 + 0; U = 3, /9
    assertEquals(1.0 / 3.0, r.pooled().aucRoc(), EPS);
    // pooled AP: t=1 tp1 fp2 -> 1/3 * 1/3; t=0 tp3 fp3 -> 2/3 * 1/2; = 1/9 + 1/3
    assertEquals(4.0 / 9.0, r.pooled().aucPr(), EPS);
  }

  @Test
  void binaryMaskScoresAsSinglePointCurve() {
    byte[] truth = {1, 1, 1, 0, 0, 0, 0, 0, 1};
    byte[] mask = {1, 1, 0, 1, 0, 0, 0, 0, 1};
    byte[] fov = {1, 1, 1, 1, 1, 1, 1, 1, 0};
    EvaluationReport r = Evaluation.evaluateBinary("2nd observer", List.of(ScoredImage.ofMask("x", mask, truth, fov)));
    Confusion c = r.confusion();
    assertEquals(new Confusion(2, 1, 1, 4), c);
    assertEquals(0.5f, r.threshold());
    // single-point ROC area = (Se + Sp) / 2 = (2/3 + 4/5) / 2
    assertEquals((2.0 / 3.0 + 4.0 / 5.0) / 2, r.pooled().aucRoc(), EPS);
    // AP = Se * P + (1 - Se) * prevalence = 2/3 * 2/3 + 1/3 * 3/8
    assertEquals(2.0 / 3.0 * 2.0 / 3.0 + 1.0 / 3.0 * 3.0 / 8.0, r.pooled().aucPr(), EPS);
  }

  @Test
  void secondObserverFromSample() {
    byte[] v1 = {1, 0, 1, 0};
    byte[] v2 = {1, 1, 1, 0};
    Sample s = new Sample("01_test", 2, 2, new float[12], v1, v2, new byte[] {1, 1, 1, 1}, false);
    EvaluationReport r = Evaluation.evaluateBinary("2nd observer", List.of(ScoredImage.secondObserver(s)));
    assertEquals(new Confusion(2, 1, 0, 1), r.confusion());
    Sample noSecond = new Sample("02", 2, 2, new float[12], v1, null, new byte[] {1, 1, 1, 1}, false);
    assertThrows(VesselsegException.Data.class, () -> ScoredImage.secondObserver(noSecond));
    assertThrows(VesselsegException.Data.class, () -> ScoredImage.of(s, new float[3]));
    assertEquals("01_test", ScoredImage.of(s, new float[4]).id());
  }

  @Test
  void chooseThresholdOnValidation() {
    // pooled over both images: 0.9+ 0.8+ 0.7- | 0.6+ 0.3- 0.2-  -> best t = 0.6 (F1 6/7)
    ScoredImage a = new ScoredImage("a", new float[] {0.9f, 0.7f, 0.3f}, new byte[] {1, 0, 0}, new byte[] {1, 1, 1});
    ScoredImage b = new ScoredImage("b", new float[] {0.8f, 0.6f, 0.2f, 0.95f}, new byte[] {1, 1, 0, 0},
        new byte[] {1, 1, 1, 0});
    ScoreCollector.BestThreshold best = Evaluation.chooseThreshold(List.of(a, b));
    assertEquals(0.6f, best.threshold());
    assertEquals(6.0 / 7.0, best.f1(), EPS);
    EvaluationReport r = Evaluation.evaluate("model", List.of(a, b), best.threshold());
    assertEquals(best.f1(), r.pooled().f1(), EPS);
  }

  @Test
  void jsonHasRequiredKeys() throws Exception {
    EvaluationReport r = Evaluation.evaluate("model", twoImages(), 0.3f);
    Map<String, Object> json = r.toJson();
    Set<String> required = Set.of("f1", "iou", "accuracy", "sensitivity", "specificity", "mcc", "auc_roc",
        "auc_pr", "threshold", "per_image", "mean", "pixels", "label");
    assertTrue(json.keySet().containsAll(required), json.keySet().toString());
    assertEquals(0.3, json.get("threshold"));
    assertEquals(6L, json.get("pixels"));
    assertEquals("model", json.get("label"));

    JsonNode node = new ObjectMapper().readTree(r.toJsonString());
    for (String k : required) {
      assertTrue(node.has(k), k);
    }
    JsonNode per = node.get("per_image");
    assertEquals(2, per.size());
    for (JsonNode im : per) {
      assertTrue(im.has("id"));
      for (String k : List.of("f1", "iou", "accuracy", "sensitivity", "specificity", "mcc", "auc_roc", "auc_pr")) {
        assertTrue(im.has(k), k);
        assertTrue(node.get("mean").has(k), k);
      }
    }
    assertEquals("B", per.get(1).get("id").asText());
    assertEquals(1.0 / 3.0, node.get("f1").asDouble(), EPS);
    assertEquals(0.5, node.get("mean").get("f1").asDouble(), EPS);
  }

  @Test
  void undefinedAucIsNullInJsonAndSkippedInMean() {
    // image "neg" holds no vessel pixel in its FOV: its AUCs are undefined
    ScoredImage neg = new ScoredImage("neg", new float[] {0.2f, 0.1f}, new byte[] {0, 0}, new byte[] {1, 1});
    ScoredImage ok = new ScoredImage("ok", new float[] {0.9f, 0.1f}, new byte[] {1, 0}, new byte[] {1, 1});
    EvaluationReport r = Evaluation.evaluate("model", List.of(neg, ok), 0.5f);
    assertTrue(Double.isNaN(r.perImage().get(0).aucRoc()));
    assertEquals(1.0, r.mean().aucRoc(), EPS);
    @SuppressWarnings("unchecked")
    Map<String, Object> first = ((List<Map<String, Object>>) r.toJson().get("per_image")).get(0);
    assertNull(first.get("auc_roc"));
    assertTrue(r.perImageTable().contains("n/a"));
  }

  @Test
  void tablesAreReadable() {
    EvaluationReport r = Evaluation.evaluate("model", twoImages(), 0.5f);
    String t = r.toTable();
    System.out.print(t);
    System.out.print(r.perImageTable());
    String[] lines = t.split("\\R");
    assertEquals(4, lines.length);
    assertTrue(lines[1].contains("F1") && lines[1].contains("AUC-ROC") && lines[1].contains("AUC-PR"));
    assertTrue(lines[2].startsWith("pooled") && lines[2].contains("0.3333"), lines[2]);
    assertTrue(lines[3].startsWith("per-image mean") && lines[3].contains("0.5000"), lines[3]);
    assertEquals(lines[1].length(), lines[2].length());
    String[] per = r.perImageTable().split("\\R");
    assertEquals(5, per.length); // title, header, A, B, mean
    assertTrue(per[2].startsWith("A ") && per[4].startsWith("mean"));
  }

  @Test
  void rejectsBadInput() {
    assertThrows(IllegalArgumentException.class, () -> Evaluation.evaluate("m", List.of(), 0.5f));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ScoredImage("img7", new float[4], new byte[4], new byte[5]));
    assertTrue(e.getMessage().contains("img7") && e.getMessage().contains("5"), e.getMessage());
  }

  @Test
  void imagesScoredOneAtATimeMatchTheExactPooledFigures() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(11);
    EvaluationAccumulator acc = new EvaluationAccumulator("model", 0.5f);
    ScoreCollector exact = new ScoreCollector();
    List<ScoredImage> all = new java.util.ArrayList<>();
    for (int k = 0; k < 5; k++) {
      int n = 20_000;
      float[] p = new float[n];
      byte[] t = new byte[n];
      byte[] fov = new byte[n];
      for (int i = 0; i < n; i++) {
        t[i] = (byte) (r.nextInt(6) == 0 ? 1 : 0);
        p[i] = (float) Math.min(1, Math.max(0, r.nextGaussian() * 0.2 + (t[i] == 1 ? 0.7 : 0.3)));
        fov[i] = (byte) (r.nextInt(10) == 0 ? 0 : 1);
      }
      ScoredImage im = new ScoredImage("im" + k, p, t, fov);
      acc.add(im);
      exact.add(p, t, fov);
      all.add(im);
      assertEquals("im" + k, acc.last().id());
    }
    EvaluationReport streamed = acc.report();
    EvaluationReport listed = Evaluation.evaluate("model", all, 0.5f);
    assertEquals(listed, streamed);
    assertEquals(5, streamed.perImage().size());
    assertEquals(exact.confusionAt(0.5f), streamed.confusion());
    double bound = streamed.aucRocErrorBound();
    assertTrue(bound >= 0 && bound < 1e-4, "bound " + bound);
    assertTrue(Math.abs(streamed.pooled().aucRoc() - exact.aucRoc()) <= bound + 1e-12);
    assertTrue(Math.abs(streamed.pooled().aucPr() - exact.aucPr()) <= streamed.aucPrErrorBound() + 1e-12);
    assertEquals(bound, (Double) streamed.toJson().get("auc_roc_error_bound"), 0);
    assertTrue(streamed.toTable().contains("score histogram"), streamed.toTable());
    assertThrows(IllegalArgumentException.class, () -> new EvaluationAccumulator("m", 0.5f).report());
  }
}
