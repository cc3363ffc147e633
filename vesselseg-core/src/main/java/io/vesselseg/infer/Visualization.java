package io.vesselseg.infer;

import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.eval.EvaluationReport;
import io.vesselseg.viz.IndexPage;
import io.vesselseg.viz.Panel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The {@code visualize} service: predicts and scores every image of a split (as {@link ModelEvaluation}
 * does, one photograph at a time), writing per image {@code <id>_panel.png} (input | probability | prediction |
 * reference) and {@code <id>_overlay.png} (TP/FP/FN error overlay with legend and F1), and an {@code index.html}.
 */
public final class Visualization {

  /** The evaluation and the files written (panels and overlays in image order, then the index). */
  public record Result(EvaluationReport report, List<Path> panels, List<Path> overlays, Path index) {}

  private Visualization() {}

  /**
   * @param heading  headline of the index page (e.g. the model and the data)
   * @param progress called with each image id after it is written
   */
  public static Result run(Predictor predictor, Iterable<Sample> samples, float threshold, Path output,
      String heading, Consumer<String> progress) {
    List<Path> panels = new ArrayList<>();
    List<Path> overlays = new ArrayList<>();
    ModelEvaluation.Result eval = ModelEvaluation.run(predictor, samples, threshold, false, 0, (s, prob, score) -> {
      double f1 = score.metrics().f1();
      String title = String.format(Locale.ROOT, "%s   F1 %.4f   AUC-ROC %.4f   threshold %.2f", s.id(), f1,
          score.aucRoc(), threshold);
      Path panel = output.resolve(IndexPage.panelName(s.id()));
      ImageFiles.writePng(panel, Panel.tiles(s, prob, threshold, title));
      Path overlay = output.resolve(IndexPage.overlayName(s.id()));
      ImageFiles.writePng(overlay, Panel.overlay(s, prob, threshold, f1));
      panels.add(panel);
      overlays.add(overlay);
      progress.accept(s.id());
    });
    EvaluationReport report = eval.model();
    Path index = IndexPage.write(output, heading, report);
    return new Result(report, panels, overlays, index);
  }
}
