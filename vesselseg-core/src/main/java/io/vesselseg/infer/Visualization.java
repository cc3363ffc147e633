package io.vesselseg.infer;

import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.eval.EvaluationReport;
import io.vesselseg.eval.VesselMask;
import io.vesselseg.measure.ImageQuality;
import io.vesselseg.measure.VesselMeasurements;
import io.vesselseg.measure.VesselMeasures;
import io.vesselseg.viz.IndexPage;
import io.vesselseg.viz.Panel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    Map<String, String> notes = new HashMap<>();
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
      notes.put(s.id(), note(s, prob, threshold));
      progress.accept(s.id());
    });
    EvaluationReport report = eval.model();
    Path index = IndexPage.write(output, heading, report, notes);
    return new Result(report, panels, overlays, index);
  }

  /**
   * One line for the index page: the photograph's quality flags and the measurements of the predicted vessels
   * inside the dataset's FOV (docs/measure.md).
   */
  static String note(Sample s, float[] prob, float threshold) {
    ImageQuality q = ImageQuality.assess(s.rgb(), s.fov(), s.width(), s.height());
    VesselMeasurements m = VesselMeasures.measure(VesselMask.of(prob, threshold, s.fov()), s.fov(), s.width(),
        s.height(), Double.NaN);
    String flags = q.flags().isEmpty() ? "none"
        : String.join(", ", q.flags().stream().sorted().map(ImageQuality.Flag::label).toList());
    return String.format(Locale.ROOT, "quality flags: %s; predicted vessels: density %.3f, calibre %.1f px "
        + "(median), tortuosity %.3f, fractal dimension %.3f, %d branch points", flags, m.areaDensity(),
        m.calibreMedian(), m.tortuosity(), m.fractalDimension(), m.branchPoints());
  }
}
