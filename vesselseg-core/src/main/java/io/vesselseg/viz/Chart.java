package io.vesselseg.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One line-chart panel drawn with Java2D: title, axes with "nice" tick labels, grid, anti-aliased series
 * (with point markers when there are few points), an optional vertical marker and a legend.
 */
final class Chart {

  static final Font TITLE = new Font("DejaVu Sans", Font.BOLD, 16);
  static final Font LABEL = new Font("DejaVu Sans", Font.PLAIN, 13);
  static final Font TICK = new Font("DejaVu Sans", Font.PLAIN, 12);
  static final Color INK = new Color(0x1F2937);
  static final Color GRID = new Color(0xE5E7EB);

  /** A line to draw; NaN values leave gaps. */
  record Series(String name, double[] x, double[] y, Color color) {}

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();
  private Double yMin;
  private Double yMax;
  private double markerX = Double.NaN;
  private String markerLabel;

  Chart(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  Chart add(Series s) {
    series.add(s);
    return this;
  }

  /** Forces the lower and/or upper end of the y axis (null: from the data). */
  Chart yRange(Double min, Double max) {
    this.yMin = min;
    this.yMax = max;
    return this;
  }

  /** A dashed vertical line at {@code x} with a label (e.g. the best epoch). */
  Chart marker(double x, String label) {
    this.markerX = x;
    this.markerLabel = label;
    return this;
  }

  void draw(Graphics2D g, Rectangle area) {
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    double[] xr = range(true);
    double[] yr = range(false);
    double[] xt = ticks(xr[0], xr[1], 8, true);
    double ys = step(yr[0], yr[1], 6, false);
    if (yMin == null) {
      yr[0] = Math.floor(yr[0] / ys + 1e-9) * ys;
    }
    if (yMax == null) {
      yr[1] = Math.ceil(yr[1] / ys - 1e-9) * ys;
    }
    double[] yt = ticks(yr[0], yr[1], 6, false);
    g.setFont(TICK);
    FontMetrics tm = g.getFontMetrics();
    int yTickWidth = 0;
    for (double t : yt) {
      yTickWidth = Math.max(yTickWidth, tm.stringWidth(format(t, yt)));
    }
    int plotX = area.x + 34 + yTickWidth;
    int plotW = area.width - 50 - yTickWidth;
    g.setFont(TITLE);
    FontMetrics ttm = g.getFontMetrics();
    g.setFont(LABEL);
    int legendW = legendWidth(g.getFontMetrics());
    boolean sameLine = ttm.stringWidth(title) + 24 + legendW <= plotW;
    int top = sameLine ? 34 : 56;
    Rectangle plot = new Rectangle(plotX, area.y + top, plotW, area.height - top - 52);

    g.setColor(INK);
    g.setFont(TITLE);
    g.drawString(title, plot.x, area.y + 22);
    legend(g, plot.x + plot.width - legendW, area.y + (sameLine ? 22 : 44));

    final double[] fxr = xr;
    final double[] fyr = yr;
    java.util.function.DoubleUnaryOperator px =
        v -> plot.x + (v - fxr[0]) / (fxr[1] - fxr[0]) * plot.width;
    java.util.function.DoubleUnaryOperator py =
        v -> plot.y + plot.height - (v - fyr[0]) / (fyr[1] - fyr[0]) * plot.height;

    g.setFont(TICK);
    g.setStroke(new BasicStroke(1f));
    for (double t : yt) {
      if (t < yr[0] - 1e-12 || t > yr[1] + 1e-12) {
        continue;
      }
      double y = py.applyAsDouble(t);
      g.setColor(GRID);
      g.draw(new Line2D.Double(plot.x, y, plot.x + plot.width, y));
      g.setColor(INK);
      String s = format(t, yt);
      g.drawString(s, plot.x - 6 - tm.stringWidth(s), (float) (y + tm.getAscent() / 2.0 - 1));
    }
    for (double t : xt) {
      double x = px.applyAsDouble(t);
      g.setColor(GRID);
      g.draw(new Line2D.Double(x, plot.y, x, plot.y + plot.height));
      g.setColor(INK);
      String s = format(t, xt);
      g.drawString(s, (float) (x - tm.stringWidth(s) / 2.0), plot.y + plot.height + 6 + tm.getAscent());
    }
    g.setColor(INK);
    g.drawRect(plot.x, plot.y, plot.width, plot.height);
    g.setFont(LABEL);
    FontMetrics lm = g.getFontMetrics();
    g.drawString(xLabel, plot.x + (plot.width - lm.stringWidth(xLabel)) / 2,
        plot.y + plot.height + 26 + lm.getAscent());
    Graphics2D r = (Graphics2D) g.create();
    r.rotate(-Math.PI / 2);
    r.drawString(yLabel, -(plot.y + (plot.height + lm.stringWidth(yLabel)) / 2), area.x + 4 + lm.getAscent());
    r.dispose();

    Graphics2D clip = (Graphics2D) g.create();
    clip.clip(new Rectangle(plot.x - 4, plot.y - 4, plot.width + 9, plot.height + 9));
    if (!Double.isNaN(markerX)) {
      double x = px.applyAsDouble(markerX);
      clip.setColor(new Color(0x6B7280));
      clip.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
          new float[] {6f, 4f}, 0f));
      clip.draw(new Line2D.Double(x, plot.y, x, plot.y + plot.height));
    }
    for (Series s : series) {
      clip.setColor(s.color());
      clip.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      Path2D.Double path = new Path2D.Double();
      boolean pen = false;
      int points = 0;
      for (int i = 0; i < s.x().length; i++) {
        if (Double.isFinite(s.y()[i])) {
          points++;
        }
      }
      for (int i = 0; i < s.x().length; i++) {
        double v = s.y()[i];
        if (!Double.isFinite(v)) {
          pen = false;
          continue;
        }
        double x = px.applyAsDouble(s.x()[i]);
        double y = py.applyAsDouble(v);
        if (pen) {
          path.lineTo(x, y);
        } else {
          path.moveTo(x, y);
          pen = true;
        }
        if (points <= 40) {
          clip.fill(dot(x, y, 3.5));
        }
      }
      clip.draw(path);
    }
    clip.dispose();
    if (!Double.isNaN(markerX) && markerLabel != null) {
      g.setFont(TICK);
      g.setColor(new Color(0x374151));
      double x = px.applyAsDouble(markerX);
      int w = tm.stringWidth(markerLabel);
      float lx = (float) Math.min(x + 5, plot.x + plot.width - w - 4);
      g.drawString(markerLabel, Math.max(lx, plot.x + 4), plot.y + plot.height - 8);
    }
  }

  private int legendWidth(FontMetrics lm) {
    int w = 0;
    for (Series s : series) {
      w += 30 + lm.stringWidth(s.name()) + 16;
    }
    return Math.max(0, w - 16);
  }

  /** The legend as one row of line samples and names, starting at x with text baseline y. */
  private void legend(Graphics2D g, int x, int baseline) {
    g.setFont(LABEL);
    FontMetrics lm = g.getFontMetrics();
    int cx = x;
    for (Series s : series) {
      int cy = baseline - lm.getAscent() / 2 + 1;
      g.setColor(s.color());
      g.setStroke(new BasicStroke(3f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      g.draw(new Line2D.Double(cx, cy, cx + 22, cy));
      g.setColor(INK);
      g.drawString(s.name(), cx + 28, baseline);
      cx += 30 + lm.stringWidth(s.name()) + 16;
    }
  }

  private static Shape dot(double x, double y, double r) {
    return new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r);
  }

  /** Data range of x or y over all series (finite values), padded when degenerate. */
  private double[] range(boolean x) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      double[] v = x ? s.x() : s.y();
      for (double d : v) {
        if (Double.isFinite(d)) {
          lo = Math.min(lo, d);
          hi = Math.max(hi, d);
        }
      }
    }
    if (!x) {
      lo = yMin != null ? yMin : lo;
      hi = yMax != null ? yMax : hi;
    }
    if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
      return new double[] {0, 1};
    }
    if (hi - lo < 1e-12) {
      double pad = x ? 0.5 : Math.max(Math.abs(hi) * 0.1, 1e-3);
      return new double[] {lo - pad, hi + pad};
    }
    if (x) {
      double pad = Math.max(0.25, (hi - lo) * 0.02);
      return new double[] {lo - pad, hi + pad};
    }
    if (!x) {
      double pad = (hi - lo) * 0.05;
      lo = yMin != null ? lo : lo - pad;
      hi = yMax != null ? hi : hi + pad;
    }
    return new double[] {lo, hi};
  }

  /** Tick positions at 1, 2 or 5 times a power of ten covering [lo, hi]; integers only when asked. */
  static double[] ticks(double lo, double hi, int target, boolean integer) {
    double step = step(lo, hi, target, integer);
    double first = Math.ceil(lo / step - 1e-9) * step;
    List<Double> t = new ArrayList<>();
    for (double v = first; v <= hi + step * 1e-9; v += step) {
      t.add(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    if (t.isEmpty()) {
      t.add(lo);
    }
    return t.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** The tick spacing: 1, 2 or 5 times a power of ten, at least 1 when {@code integer}. */
  static double step(double lo, double hi, int target, boolean integer) {
    double raw = (hi - lo) / Math.max(1, target);
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = mag;
    for (double m : new double[] {1, 2, 5, 10}) {
      step = m * mag;
      if (step >= raw) {
        break;
      }
    }
    if (integer) {
      step = Math.max(1, Math.round(step));
    }
    return step;
  }

  /** A tick label with as many decimals as the tick spacing needs; scientific for tiny or huge values. */
  static String format(double v, double[] all) {
    double step = all.length > 1 ? Math.abs(all[1] - all[0]) : Math.abs(v);
    double max = 0;
    for (double a : all) {
      max = Math.max(max, Math.abs(a));
    }
    if (v == 0) {
      return "0";
    }
    if (max >= 1e5 || (max < 1e-2 && max > 0)) {
      return String.format(Locale.ROOT, "%.1e", v).replace("e-0", "e-").replace("e+0", "e");
    }
    int decimals = step <= 0 ? 2 : (int) Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
    return String.format(Locale.ROOT, "%." + Math.min(decimals, 4) + "f", v);
  }
}
