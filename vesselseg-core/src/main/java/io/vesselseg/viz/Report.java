package io.vesselseg.viz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.AtomicFiles;
import io.vesselseg.VesselsegException;
import io.vesselseg.eval.EvaluationReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's {@code report.html}: one self-contained page (images embedded as {@code data:} URIs, inline CSS,
 * no external links, so it opens offline and can be mailed) with the summary, the configuration and
 * provenance from {@code run.json}, the training curves, every epoch of {@code metrics.csv}, and optionally
 * an evaluation (pooled, per-image mean and per-image tables) and overlay pictures.
 */
public final class Report {

  /** File name of the report inside the run directory. */
  public static final String FILE = "report.html";

  private static final ObjectMapper JSON = new ObjectMapper();

  private Report() {}

  /**
   * Writes {@code runDir/report.html} atomically.
   *
   * @param evalOrNull  an evaluation to include, or null
   * @param overlayPngs PNG files to embed (e.g. validation overlays); may be empty
   * @return the written file
   * @throws VesselsegException.Data when run.json or metrics.csv is malformed, or a PNG cannot be read
   */
  public static Path write(Path runDir, EvaluationReport evalOrNull, List<Path> overlayPngs) {
    String html = html(runDir, evalOrNull, overlayPngs);
    Path file = runDir.resolve(FILE);
    AtomicFiles.write(file, "HTML report", out -> out.write(html.getBytes(StandardCharsets.UTF_8)));
    return file;
  }

  /** The page as a string (see {@link #write}). */
  static String html(Path runDir, EvaluationReport eval, List<Path> overlayPngs) {
    Path name = runDir.toAbsolutePath().normalize().getFileName();
    StringBuilder sb = new StringBuilder(Html.head("vesselseg run: " + (name == null ? runDir : name)));
    JsonNode run = readRunJson(runDir.resolve("run.json"));
    List<MetricsRow> rows = Files.exists(runDir.resolve("metrics.csv"))
        ? MetricsRow.read(runDir.resolve("metrics.csv")) : List.of();

    sb.append("<h2>Summary</h2>\n");
    if (run != null && run.has("summary")) {
      sb.append(section(run.get("summary")));
    } else {
      sb.append("<p>The run has not finished (no summary in run.json yet): ").append(rows.size())
          .append(" epoch(s) so far.</p>\n");
    }
    if (eval != null) {
      sb.append("<h2>Evaluation: ").append(Html.esc(eval.label())).append("</h2>\n")
          .append(String.format(Locale.ROOT, "<p>%d images, %d FOV pixels, threshold %.4f.</p>%n",
              eval.perImage().size(), eval.pixels(), eval.threshold()))
          .append(IndexPage.metricsTable(eval, true));
    }
    sb.append("<h2>Training curves</h2>\n<img alt=\"training curves\" src=\"")
        .append(Html.dataUri(Curves.render(rows))).append("\">\n");
    if (!overlayPngs.isEmpty()) {
      sb.append("<h2>Overlays</h2>\n<p>Green: true positive (found); red: false positive (false alarm); "
          + "blue: false negative (missed).</p>\n");
      for (Path p : overlayPngs) {
        sb.append("<figure><img alt=\"").append(Html.esc(p.getFileName())).append("\" src=\"")
            .append(Html.dataUri(readBytes(p))).append("\"><figcaption>").append(Html.esc(p.getFileName()))
            .append("</figcaption></figure>\n");
      }
    }
    sb.append("<h2>Metrics per epoch</h2>\n").append(metricsTable(rows));
    if (run == null) {
      sb.append("<p>No run.json in ").append(Html.esc(runDir)).append(".</p>\n");
    } else {
      for (Iterator<Map.Entry<String, JsonNode>> it = run.fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getKey().equals("summary")) {
          sb.append("<h2>").append(Html.esc(title(e.getKey()))).append("</h2>\n").append(section(e.getValue()));
        }
      }
    }
    return sb.append("</body></html>\n").toString();
  }

  private static String metricsTable(List<MetricsRow> rows) {
    List<String> header = List.of("epoch", "step", "train loss", "val loss", "val F1", "val AUC",
        "threshold", "lr", "patches/s", "elapsed s", "best");
    StringBuilder sb = new StringBuilder("<table><tr>");
    for (String h : header) {
      sb.append("<th>").append(Html.esc(h)).append("</th>");
    }
    sb.append("</tr>\n");
    for (MetricsRow r : rows) {
      sb.append(r.best() ? "<tr class=\"best\">" : "<tr>");
      for (String c : List.of(Integer.toString(r.epoch()), Long.toString(r.step()), f(r.trainLoss()),
          f(r.valLoss()), f(r.valF1()), f(r.valAuc()), f(r.threshold()),
          String.format(Locale.ROOT, "%.3e", r.lr()), String.format(Locale.ROOT, "%.2f", r.patchesPerSecond()),
          String.format(Locale.ROOT, "%.1f", r.elapsedSeconds()), r.best() ? "best" : "")) {
        sb.append("<td>").append(Html.esc(c)).append("</td>");
      }
      sb.append("</tr>\n");
    }
    return sb.append("</table>\n").toString();
  }

  /** An object as a two-column table of dotted keys (nested objects flattened, arrays joined). */
  private static String section(JsonNode node) {
    if (!node.isObject()) {
      return "<p>" + Html.esc(text(node)) + "</p>\n";
    }
    List<List<String>> rows = new ArrayList<>();
    flatten("", node, rows);
    return Html.table(List.of("key", "value"), rows).replace("<td>", "<td class=\"k\">");
  }

  private static void flatten(String prefix, JsonNode node, List<List<String>> rows) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().isObject()) {
        flatten(key, e.getValue(), rows);
      } else {
        rows.add(List.of(key, text(e.getValue())));
      }
    }
  }

  private static String text(JsonNode v) {
    if (v.isArray()) {
      List<String> items = new ArrayList<>();
      v.forEach(x -> items.add(text(x)));
      return String.join(", ", items);
    }
    if (v.isFloatingPointNumber()) {
      double d = v.asDouble();
      return Math.abs(d) >= 1e-3 && Math.abs(d) < 1e6 || d == 0
          ? String.format(Locale.ROOT, "%.6g", d).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "")
          : String.format(Locale.ROOT, "%.4e", d);
    }
    return v.isNull() ? "null" : v.asText();
  }

  private static String title(String key) {
    return key.isEmpty() ? key : Character.toUpperCase(key.charAt(0)) + key.substring(1).replace('_', ' ');
  }

  private static String f(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
  }

  private static JsonNode readRunJson(Path file) {
    if (!Files.exists(file)) {
      return null;
    }
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot read run file " + file + ": " + e.getMessage()
          + " (is it a vesselseg run.json?)", e);
    }
  }

  private static byte[] readBytes(Path png) {
    try {
      return Files.readAllBytes(png);
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot read overlay " + png + " for the report: " + e.getMessage(), e);
    }
  }
}
