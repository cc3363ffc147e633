package io.vesselseg.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.eval.Evaluation;
import io.vesselseg.eval.EvaluationReport;
import io.vesselseg.eval.ScoredImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The self-contained run report. */
class ReportTest {

  static final String CSV = """
      epoch,step,train_loss,val_loss,val_f1,val_auc,threshold,lr,patches_per_s,elapsed_s,best
      1,100,1.239450,0.359937,0.734466,0.941806,0.732657,9.826e-04,15.70,103.6,true
      2,200,0.808662,0.228678,0.772864,0.952213,0.768936,1.829e-03,12.89,229.4,true
      """;
  static final String RUN_JSON = """
      {"config": {"lr": 0.002, "epochs": 2, "out": "runs/<a&b>"},
       "provenance": {"vesselseg": "0.1.0", "git_commit": "abc123", "cpu": "AMD EPYC"},
       "split": {"validation": ["21_training", "22_training"]},
       "summary": {"best_epoch": 2, "best_val_f1": 0.772864, "stop_reason": "epochs"}}
      """;

  @Test
  void reportIsSelfContainedWithEveryEpochAndTheEvaluation(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("metrics.csv"), CSV);
    Files.writeString(dir.resolve("run.json"), RUN_JSON);
    var s = PanelTestData.sample();
    Path png = dir.resolve("overlays").resolve("epoch_002_img.png");
    ImageFiles.writePng(png, Panel.overlay(s, PanelTestData.prob(), 0.5f, 0.5));
    EvaluationReport eval = Evaluation.evaluate("model", List.of(ScoredImage.of(s, PanelTestData.prob())),
        0.5f);

    Path file = Report.write(dir, eval, List.of(png));
    assertEquals(dir.resolve("report.html"), file);
    String html = Files.readString(file);
    assertTrue(html.contains("data:image/png;base64,"), "embedded images");
    assertEquals(2, html.split("data:image/png;base64,", -1).length - 1, "curves and one overlay");
    assertTrue(html.contains("<td>0.7345</td>") && html.contains("<td>0.7729</td>"), "each epoch's F1");
    assertTrue(html.contains("<td>200</td>"), "steps column");
    assertTrue(html.contains("abc123") && html.contains("git_commit"), "provenance table");
    assertTrue(html.contains("runs/&lt;a&amp;b&gt;"), "values are escaped");
    assertTrue(html.contains("21_training, 22_training"), "arrays joined");
    assertTrue(html.contains("per-image mean") && html.contains("<td class=\"k\">img</td>"), "eval tables");
    assertFalse(html.contains("http://") || html.contains("https://") || html.contains("src=\"/"),
        "no external resources");
  }

  @Test
  void unfinishedRunWithoutEvaluationAndBadRunJson(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("metrics.csv"), CSV.lines().findFirst().orElseThrow() + "\n");
    String html = Files.readString(Report.write(dir, null, List.of()));
    assertTrue(html.contains("has not finished"), html);
    assertTrue(html.contains("data:image/png;base64,"), "curves even with no epoch");
    Files.writeString(dir.resolve("run.json"), "{not json");
    var e = assertThrows(VesselsegException.Data.class, () -> Report.write(dir, null, List.of()));
    assertTrue(e.getMessage().contains("run.json"), e.getMessage());
  }
}
