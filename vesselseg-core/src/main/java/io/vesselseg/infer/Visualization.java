package io.vesselseg.infer;

import io.vesselseg.Explanation;
import io.vesselseg.Region;
import io.vesselseg.Segmentation;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.eval.EvaluationReport;
import io.vesselseg.eval.VesselMask;
import io.vesselseg.measure.ImageQuality;
import io.vesselseg.measure.VesselMeasurements;
import io.vesselseg.measure.VesselMeasures;
import io.vesselseg.model.Attribution;
import io.vesselseg.viz.Heatmap;
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
 * reference) and {@code <id>_overlay.png} (TP/FP/FN error overlay with legend and F1), on request
 * {@code <id>_uncertainty.png} (the spread over members and augmentations) and {@code <id>_saliency.png} (an
 * attribution map for a region), and an {@code index.html} showing them with each photograph's quality flags
 * and vessel measurements.
 */
public final class Visualization {

  /** The evaluation and the files written, in image order (empty lists for pictures not asked for). */
  public record Result(EvaluationReport report, List<Path> panels, List<Path> overlays, List<Path> uncertainty,
      List<Path> saliency, Path index) {}

  /**
   * What is drawn besides the panel and the overlay.
   *
   * @param uncertainty draw each photograph's uncertainty map (its probabilities then come from the same pass,
   *                    and the out-of-distribution flag is judged for an ensemble)
   * @param saliency    draw an attribution map for a region of every photograph; null for none
   */
  public record Extras(boolean uncertainty, Saliency saliency) {
    public static Extras none() {
      return new Extras(false, null);
    }
  }

  /**
   * An attribution map ({@link Explainer}) of {@code method} for the vessel logits of one network of the model
   * (the settings' member) summed over {@code region}, at the same pixels of every photograph.
   */
  public record Saliency(Region region, Explanation.Method method, Explanation.Settings settings) {}

  private Visualization() {}

  /**
   * @param fovDiameter the model's FOV diameter to resample photographs to ({@code <= 0}: as they are)
   * @param heading     headline of the index page (e.g. the model and the data)
   * @param progress    called with each image id after it is written
   */
  public static Result run(Predictor predictor, Iterable<Sample> samples, float threshold, double fovDiameter,
      Extras extras, Path output, String heading, Consumer<String> progress) {
    List<Path> panels = new ArrayList<>();
    List<Path> overlays = new ArrayList<>();
    List<Path> uncertainty = new ArrayList<>();
    List<Path> saliency = new ArrayList<>();
    Map<String, String> notes = new HashMap<>();
    float[][] spread = new float[2][]; // the current photograph's {spread, member spread}, beside its probabilities
    Explainer explainer = extras.saliency() == null ? null : new Explainer(predictor.network(), predictor,
        extras.saliency().settings().member(), fovDiameter);
    ModelEvaluation.Result eval = ModelEvaluation.run(s -> {
      if (!extras.uncertainty()) {
        return predictor.probabilities(s, fovDiameter);
      }
      float[][] m = predictor.probabilitiesWithSpread(List.of(photo(s)), fovDiameter).get(0);
      spread[0] = m[1];
      spread[1] = m[2];
      return m[0];
    }, samples, threshold, false, (s, prob, score) -> {
      // the saliency map first: a region that does not fit this photograph stops before its files are written
      float[] map = explainer == null ? null : saliencyMap(explainer, extras.saliency(), s);
      double f1 = score.metrics().f1();
      String title = String.format(Locale.ROOT, "%s   F1 %.4f   AUC-ROC %.4f   threshold %.2f", s.id(), f1,
          score.aucRoc(), threshold);
      Path panel = output.resolve(IndexPage.panelName(s.id()));
      ImageFiles.writePng(panel, Panel.tiles(s, prob, threshold, title));
      Path overlay = output.resolve(IndexPage.overlayName(s.id()));
      ImageFiles.writePng(overlay, Panel.overlay(s, prob, threshold, f1));
      panels.add(panel);
      overlays.add(overlay);
      double disagreement = Double.NaN;
      if (extras.uncertainty()) {
        Path u = output.resolve(IndexPage.uncertaintyName(s.id()));
        ImageFiles.writePng(u, Heatmap.uncertainty(spread[0], s.fov(), s.width(), s.height(),
            Segmentation.UNCERTAINTY_SCALE));
        uncertainty.add(u);
        disagreement = ImageQuality.disagreement(spread[1], s.fov());
      }
      if (map != null) {
        Path a = output.resolve(IndexPage.saliencyName(s.id()));
        ImageFiles.writePng(a, Heatmap.over(s.rgb(), s.width(), s.height(), map,
            extras.saliency().region().mask(s.width(), s.height())));
        saliency.add(a);
      }
      notes.put(s.id(), note(s, prob, threshold, disagreement));
      progress.accept(s.id());
    });
    EvaluationReport report = eval.model();
    Path index = IndexPage.write(output, heading, report, notes, caption(extras));
    return new Result(report, panels, overlays, uncertainty, saliency, index);
  }

  private static Predictor.Photo photo(Sample s) {
    return new Predictor.Photo(s.rgb(), s.width(), s.height(), s.fov());
  }

  private static float[] saliencyMap(Explainer explainer, Saliency sal, Sample s) {
    byte[] region = sal.region().mask(s.width(), s.height());
    Explanation.Settings st = sal.settings();
    return explainer.explain(photo(s), region, Explainer.Method.valueOf(sal.method().name()),
        Attribution.Layer.valueOf(st.layer().name()), st.steps(), st.samples(), st.sigma(), st.seed()).map();
  }

  /** The index page's captions of the extra pictures (null for those not drawn). */
  private static IndexPage.Extras caption(Extras extras) {
    String u = extras.uncertainty() ? String.format(Locale.ROOT, "uncertainty: spread of the probability over "
        + "members and augmentations (yellow \u2265 %.2f)", Segmentation.UNCERTAINTY_SCALE) : null;
    Saliency sal = extras.saliency();
    String a = sal == null ? null : "saliency: " + sal.method().label()
        + (sal.method() == Explanation.Method.GRAD_CAM ? " (" + sal.settings().layer().name().toLowerCase(Locale.ROOT)
            + ")" : "") + " for the region " + sal.region() + ", network " + sal.settings().member();
    return new IndexPage.Extras(u, a);
  }

  /**
   * One line for the index page: the photograph's quality flags and the measurements of the predicted vessels
   * inside the dataset's FOV (docs/measure.md); {@code disagreement} (NaN: not known) adds the
   * out-of-distribution judgement.
   */
  static String note(Sample s, float[] prob, float threshold, double disagreement) {
    ImageQuality q = ImageQuality.assess(s.rgb(), s.fov(), s.width(), s.height());
    if (!Double.isNaN(disagreement)) {
      q = q.withDisagreement(disagreement);
    }
    VesselMeasurements m = VesselMeasures.measure(VesselMask.of(prob, threshold, s.fov()), s.fov(), s.width(),
        s.height(), Double.NaN);
    String flags = q.flags().isEmpty() ? "none"
        : String.join(", ", q.flags().stream().sorted().map(ImageQuality.Flag::label).toList());
    return String.format(Locale.ROOT, "quality flags: %s%s; predicted vessels: density %.3f, calibre %.1f px "
        + "(median), tortuosity %.3f, fractal dimension %.3f, %d branch points", flags,
        Double.isNaN(disagreement) ? "" : String.format(Locale.ROOT, " (member disagreement %.4f)", disagreement),
        m.areaDensity(), m.calibreMedian(), m.tortuosity(), m.fractalDimension(), m.branchPoints());
  }
}
