package io.vesselseg.viz;

import io.vesselseg.AtomicFiles;
import io.vesselseg.eval.EvaluationReport;
import io.vesselseg.eval.ImageScore;
import io.vesselseg.eval.Metrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code index.html} of a {@code visualize} output folder: the pooled and per-image scores, then per
 * image a thumbnail of its panel and of its error overlay, each linking to the full-size PNG (relative
 * links to {@code <id>_panel.png} and {@code <id>_overlay.png} in the same folder).
 */
public final class IndexPage {

  private IndexPage() {}

  /** File name of an image's four-tile panel. */
  public static String panelName(String id) {
    return id + "_panel.png";
  }

  /** File name of an image's error overlay. */
  public static String overlayName(String id) {
    return id + "_overlay.png";
  }

  /** File name of an image's uncertainty map. */
  public static String uncertaintyName(String id) {
    return id + "_uncertainty.png";
  }

  /** File name of an image's saliency map for a region. */
  public static String saliencyName(String id) {
    return id + "_saliency.png";
  }

  /**
   * The captions of the pictures drawn besides the panel and the overlay ({@link #uncertaintyName},
   * {@link #saliencyName}); null for a picture that was not drawn.
   */
  public record Extras(String uncertainty, String saliency) {
    public static Extras none() {
      return new Extras(null, null);
    }
  }

  /**
   * Writes {@code folder/index.html} atomically.
   *
   * @param heading e.g. "vesselseg: model X on DRIVE test"
   */
  public static Path write(Path folder, String heading, EvaluationReport report) {
    return write(folder, heading, report, java.util.Map.of(), Extras.none());
  }

  /**
   * {@link #write(Path, String, EvaluationReport)} with a line of notes under each image's heading
   * ({@code notes} by image id; none for an id it lacks) and the {@code extras} pictures that were drawn.
   */
  public static Path write(Path folder, String heading, EvaluationReport report,
      java.util.Map<String, String> notes, Extras extras) {
    StringBuilder sb = new StringBuilder(Html.head(heading));
    sb.append(String.format(Locale.ROOT, "<p>%d images, threshold %.4f, scored inside the FOV.</p>%n",
        report.perImage().size(), report.threshold()));
    sb.append(metricsTable(report, true));
    sb.append("<h2>Images</h2>\n<p>Overlay colours: <b style=\"color:#22c55e\">green</b> true positive "
        + "(found), <b style=\"color:#ef4444\">red</b> false positive (false alarm), "
        + "<b style=\"color:#3b82f6\">blue</b> false negative (missed). Click a picture for full size.</p>\n");
    for (ImageScore s : report.perImage()) {
      String panel = Html.esc(panelName(s.id()));
      String overlay = Html.esc(overlayName(s.id()));
      sb.append("<div><h3>").append(Html.esc(s.id()))
          .append(String.format(Locale.ROOT, " \u2014 F1 %.4f</h3>%n", s.metrics().f1()))
          .append(notes.containsKey(s.id()) ? "<p class=\"notes\">" + Html.esc(notes.get(s.id())) + "</p>\n" : "")
          .append("<figure><a href=\"").append(panel).append("\"><img src=\"").append(panel)
          .append("\" width=\"720\" alt=\"panel ").append(Html.esc(s.id())).append("\"></a>")
          .append("<figcaption>input | probability | prediction | reference</figcaption></figure>")
          .append("<figure><a href=\"").append(overlay).append("\"><img src=\"").append(overlay)
          .append("\" width=\"240\" alt=\"overlay ").append(Html.esc(s.id())).append("\"></a>")
          .append("<figcaption>error overlay</figcaption></figure>");
      if (extras.uncertainty() != null) {
        sb.append(figure(uncertaintyName(s.id()), "uncertainty " + s.id(), extras.uncertainty()));
      }
      if (extras.saliency() != null) {
        sb.append(figure(saliencyName(s.id()), "saliency " + s.id(), extras.saliency()));
      }
      sb.append("</div>\n");
    }
    sb.append("</body></html>\n");
    Path file = folder.resolve("index.html");
    AtomicFiles.write(file, "HTML page", out -> out.write(sb.toString().getBytes(StandardCharsets.UTF_8)));
    return file;
  }

  private static String figure(String file, String alt, String caption) {
    String f = Html.esc(file);
    return "<figure><a href=\"" + f + "\"><img src=\"" + f + "\" width=\"240\" alt=\"" + Html.esc(alt)
        + "\"></a><figcaption>" + Html.esc(caption) + "</figcaption></figure>";
  }

  /**
   * HTML tables of a report: pooled and per-image mean; with {@code perImage} also one row per image.
   */
  public static String metricsTable(EvaluationReport report, boolean perImage) {
    List<String> header = List.of("", "F1", "IoU", "Acc", "Se", "Sp", "MCC", "AUC-ROC", "AUC-PR");
    List<List<String>> rows = new ArrayList<>();
    rows.add(row("pooled", report.pooled()));
    rows.add(row("per-image mean", report.mean()));
    StringBuilder sb = new StringBuilder(Html.table(header, rows));
    if (perImage) {
      List<List<String>> images = new ArrayList<>();
      for (ImageScore s : report.perImage()) {
        images.add(row(s.id(), s.metrics()));
      }
      List<String> h = new ArrayList<>(header);
      h.set(0, "image");
      sb.append(Html.table(h, images));
    }
    return sb.toString();
  }

  private static List<String> row(String name, Metrics m) {
    double[] v = {m.f1(), m.iou(), m.accuracy(), m.sensitivity(), m.specificity(), m.mcc(), m.aucRoc(),
        m.aucPr()};
    List<String> r = new ArrayList<>();
    r.add(name);
    for (double x : v) {
      r.add(Double.isNaN(x) ? "n/a" : String.format(Locale.ROOT, "%.4f", x));
    }
    return r;
  }
}
