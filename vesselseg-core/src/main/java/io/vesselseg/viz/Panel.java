package io.vesselseg.viz;

import io.vesselseg.eval.VesselMask;
import io.vesselseg.data.Sample;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Locale;

/**
 * Pictures for {@code visualize}, pure Java2D and headless. {@link #tiles} puts four views of one image side
 * by side with captions: the photograph, the probability map (viridis, with a colour bar), the binary
 * prediction and the reference. {@link #overlay} is the error overlay of {@link Overlay#errors} with a
 * caption and a colour legend drawn in a strip <em>below</em> the image, so the image keeps its pixel
 * coordinates: pixel (x, y) of the photograph is pixel (x, y) of the result.
 */
public final class Panel {

  /** Tiles narrower than this are enlarged (nearest neighbour) by an integer factor, for legibility. */
  static final int MIN_TILE = 256;
  static final int GAP = 12;
  static final Color BACKGROUND = Color.WHITE;
  static final Color OUTSIDE_FOV = new Color(0x2A2A2A);
  private static final Font HEAD = new Font("DejaVu Sans", Font.BOLD, 16);
  private static final Font CAPTION = new Font("DejaVu Sans", Font.PLAIN, 14);
  private static final Font SMALL = new Font("DejaVu Sans", Font.PLAIN, 12);

  private Panel() {}

  /**
   * Four tiles with captions: input | probability | prediction | reference.
   *
   * @param prob      the probability map (w*h)
   * @param threshold the decision threshold of the prediction tile
   * @param title     headline above the tiles (e.g. the id and F1)
   */
  public static BufferedImage tiles(Sample s, float[] prob, float threshold, String title) {
    int w = s.width();
    int h = s.height();
    byte[] fov = s.fov();
    byte[] pred = VesselMask.of(prob, threshold, fov);
    BufferedImage[] tile = {Overlay.photo(s.rgb(), w, h), probability(prob, w, h), mask(pred, fov, w, h),
        s.vessel() == null ? null : mask(s.vessel(), fov, w, h)};
    String[] caption = {"input photograph", "vessel probability",
        String.format(Locale.ROOT, "prediction (p \u2265 %.2f)", threshold),
        s.vessel() == null ? "no reference" : "reference (1st observer)"};
    int scale = Math.max(1, (MIN_TILE + w - 1) / w);
    int tw = w * scale;
    int th = h * scale;
    int headH = 34;
    int capH = 26;
    int barH = 58;
    int width = 4 * tw + 5 * GAP;
    int height = headH + capH + th + barH;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = graphics(img);
    try {
      g.setColor(BACKGROUND);
      g.fillRect(0, 0, width, height);
      boolean large = tw >= 400;
      g.setColor(Chart.INK);
      g.setFont(large ? HEAD.deriveFont(20f) : HEAD);
      g.drawString(title, GAP, 24);
      g.setFont(large ? CAPTION.deriveFont(17f) : CAPTION);
      FontMetrics fm = g.getFontMetrics();
      for (int k = 0; k < 4; k++) {
        int x = GAP + k * (tw + GAP);
        int y = headH + capH;
        g.setColor(Chart.INK);
        g.drawString(fit(caption[k], fm, tw), x + (tw - fm.stringWidth(fit(caption[k], fm, tw))) / 2,
            headH + capH - 8);
        if (tile[k] != null) {
          g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
              RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
          g.drawImage(tile[k], x, y, tw, th, null);
        } else {
          g.setColor(OUTSIDE_FOV);
          g.fillRect(x, y, tw, th);
        }
      }
      colourBar(g, GAP + tw + GAP, headH + capH + th + 8, tw, threshold);
    } finally {
      g.dispose();
    }
    return img;
  }

  /**
   * The error overlay at its own size, with a strip below holding a caption (id, F1, threshold) and the
   * legend: green true positive (found), red false positive (false alarm), blue false negative (missed).
   * The image sits at (0, 0); the result is at least as wide as the legend.
   *
   * @param f1 the image's F1, shown in the caption (NaN: not shown)
   */
  public static BufferedImage overlay(Sample s, float[] prob, float threshold, double f1) {
    String caption = s.id() + (Double.isNaN(f1) ? "" : String.format(Locale.ROOT, ": F1 %.4f", f1))
        + String.format(Locale.ROOT, " at threshold %.2f", threshold);
    int w = s.width();
    int h = s.height();
    byte[] pred = VesselMask.of(prob, threshold, s.fov());
    byte[] truth = s.vessel() == null ? new byte[w * h] : s.vessel();
    BufferedImage errors = Overlay.errors(s.rgb(), w, h, pred, truth, s.fov());
    return withLegend(errors, caption);
  }

  /** {@code image} at (0, 0) with a strip below holding the caption and the TP/FP/FN legend. */
  public static BufferedImage withLegend(BufferedImage image, String caption) {
    String[] names = {"true positive (found)", "false positive (false alarm)", "false negative (missed)"};
    int[] colours = {Overlay.TP, Overlay.FP, Overlay.FN};
    int rowH = 22;
    int stripH = 12 + 22 + names.length * rowH + 8;
    int width = Math.max(image.getWidth(), 340);
    BufferedImage img = new BufferedImage(width, image.getHeight() + stripH, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = graphics(img);
    try {
      g.setColor(BACKGROUND);
      g.fillRect(0, 0, width, img.getHeight());
      g.drawImage(image, 0, 0, null);
      int y = image.getHeight() + 12;
      g.setColor(Chart.INK);
      g.setFont(CAPTION);
      FontMetrics fm = g.getFontMetrics();
      g.drawString(fit(caption, fm, width - 16), 8, y + fm.getAscent() - 2);
      y += 22;
      g.setFont(SMALL);
      fm = g.getFontMetrics();
      for (int k = 0; k < names.length; k++) {
        int cy = y + k * rowH;
        g.setColor(new Color(colours[k]));
        g.fillRect(10, cy + 3, 16, 16);
        g.setColor(Chart.INK);
        g.drawRect(10, cy + 3, 16, 16);
        g.drawString(names[k], 34, cy + 3 + 8 + fm.getAscent() / 2 - 1);
      }
    } finally {
      g.dispose();
    }
    return img;
  }

  /** The probability map in viridis. */
  public static BufferedImage probability(float[] prob, int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < prob.length; i++) {
      img.setRGB(i % w, i / w, Colormap.viridis(prob[i]));
    }
    return img;
  }

  /** A 0/1 mask: white vessels on black inside the FOV, dark grey outside it (fov null: everywhere). */
  public static BufferedImage mask(byte[] mask, byte[] fov, int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int outside = OUTSIDE_FOV.getRGB() & 0xFFFFFF;
    for (int i = 0; i < mask.length; i++) {
      int c = mask[i] != 0 ? 0xFFFFFF : (fov == null || fov[i] != 0 ? 0x000000 : outside);
      img.setRGB(i % w, i / w, c);
    }
    return img;
  }

  private static void colourBar(Graphics2D g, int x, int y, int width, float threshold) {
    int barW = width - 40;
    int bx = x + 20;
    for (int i = 0; i < barW; i++) {
      g.setColor(new Color(Colormap.viridis(i / (float) (barW - 1))));
      g.fillRect(bx + i, y, 1, 12);
    }
    g.setColor(Chart.INK);
    g.drawRect(bx, y, barW - 1, 12);
    g.setFont(SMALL);
    FontMetrics fm = g.getFontMetrics();
    for (double v : new double[] {0, 0.5, 1}) {
      String s = v == 0.5 ? "0.5" : Integer.toString((int) v);
      int tx = bx + (int) Math.round(v * (barW - 1));
      g.drawLine(tx, y + 12, tx, y + 16);
      g.drawString(s, tx - fm.stringWidth(s) / 2, y + 16 + fm.getAscent());
    }
    int tx = bx + Math.round(Math.min(1f, Math.max(0f, threshold)) * (barW - 1));
    g.setColor(Color.RED);
    g.fillRect(tx - 1, y - 3, 3, 18);
    String label = String.format(Locale.ROOT, "threshold %.2f", threshold);
    int lx = Math.max(bx, Math.min(tx - fm.stringWidth(label) / 2, bx + barW - fm.stringWidth(label)));
    g.drawString(label, lx, y + 16 + fm.getAscent() + fm.getHeight());
  }

  private static String fit(String s, FontMetrics fm, int width) {
    String t = s;
    while (t.length() > 4 && fm.stringWidth(t) > width) {
      t = t.substring(0, t.length() - 2);
    }
    return t.equals(s) ? s : t + "\u2026";
  }

  private static Graphics2D graphics(BufferedImage img) {
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    return g;
  }
}
