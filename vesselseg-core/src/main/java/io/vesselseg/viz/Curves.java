package io.vesselseg.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The training curves of a run ({@code curves.png}): a 1200×800 image with four panels drawn from the rows
 * of its {@code metrics.csv}: training and validation loss, validation F1 and AUC-ROC (the best epoch
 * marked), the learning rate, and the validation threshold. Pure Java2D, works headless and for a single
 * epoch.
 */
public final class Curves {

  /** Size of the rendered image. */
  public static final int WIDTH = 1200;
  public static final int HEIGHT = 800;

  static final Color BLUE = new Color(0x2563EB);
  static final Color ORANGE = new Color(0xEA580C);
  static final Color GREEN = new Color(0x16A34A);
  static final Color PURPLE = new Color(0x9333EA);
  static final Color TEAL = new Color(0x0D9488);

  private Curves() {}

  /**
   * Renders the curves.
   *
   * @param rows the epochs in file order; an empty list gives the panels with a "no epochs yet" note
   */
  public static BufferedImage render(List<MetricsRow> rows) {
    BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      double[] epochs = column(rows, MetricsRow::epoch);
      MetricsRow best = best(rows);
      int top = 40;
      int w = WIDTH / 2;
      int h = (HEIGHT - top) / 2;

      new Chart("Loss", "epoch", "loss")
          .add(new Chart.Series("training (BCE + Dice)", epochs, column(rows, MetricsRow::trainLoss), BLUE))
          .add(new Chart.Series("validation (BCE)", epochs, column(rows, MetricsRow::valLoss), ORANGE))
          .yRange(0.0, null)
          .draw(g, new Rectangle(0, top, w, h));

      Chart quality = new Chart("Validation F1 and AUC-ROC", "epoch", "score")
          .add(new Chart.Series("F1 (Dice)", epochs, column(rows, MetricsRow::valF1), GREEN))
          .add(new Chart.Series("AUC-ROC", epochs, column(rows, MetricsRow::valAuc), PURPLE));
      if (best != null) {
        quality.marker(best.epoch(), String.format(Locale.ROOT, "best: epoch %d, F1 %.4f", best.epoch(),
            best.valF1()));
      }
      quality.draw(g, new Rectangle(w, top, w, h));

      new Chart("Learning rate", "epoch", "learning rate")
          .add(new Chart.Series("lr at epoch end", epochs, column(rows, MetricsRow::lr), TEAL))
          .yRange(0.0, null)
          .draw(g, new Rectangle(0, top + h, w, h));

      new Chart("Validation threshold (F1-maximising)", "epoch", "threshold")
          .add(new Chart.Series("threshold", epochs, column(rows, MetricsRow::threshold), ORANGE))
          .yRange(0.0, 1.0)
          .draw(g, new Rectangle(w, top + h, w, h));

      g.setFont(new Font("DejaVu Sans", Font.BOLD, 20));
      g.setColor(Chart.INK);
      g.drawString(headline(rows, best), 20, 28);
    } finally {
      g.dispose();
    }
    return img;
  }

  private static String headline(List<MetricsRow> rows, MetricsRow best) {
    if (rows.isEmpty()) {
      return "Training curves: no epochs yet";
    }
    MetricsRow last = rows.get(rows.size() - 1);
    String s = String.format(Locale.ROOT, "Training curves: %d epoch%s, %d steps, %.1f min", rows.size(),
        rows.size() == 1 ? "" : "s", last.step(), last.elapsedSeconds() / 60);
    if (best != null) {
      s += String.format(Locale.ROOT, " | best validation F1 %.4f at epoch %d", best.valF1(), best.epoch());
    }
    return s;
  }

  /** The row with the highest validation F1 (the last row flagged best, if any), or null when empty. */
  static MetricsRow best(List<MetricsRow> rows) {
    MetricsRow flagged = null;
    MetricsRow max = null;
    for (MetricsRow r : rows) {
      if (Double.isNaN(r.valF1())) {
        continue; // not validated (a run without validation images): nothing to mark
      }
      if (r.best()) {
        flagged = r;
      }
      if (max == null || r.valF1() > max.valF1()) {
        max = r;
      }
    }
    return flagged != null ? flagged : max;
  }

  private static double[] column(List<MetricsRow> rows, ToDoubleFunction<MetricsRow> f) {
    return rows.stream().mapToDouble(f).toArray();
  }
}
