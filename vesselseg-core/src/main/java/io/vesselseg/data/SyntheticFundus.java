package io.vesselseg.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic generator of synthetic colour fundus photographs with exact vessel and FOV masks, for tests
 * and the demo.
 *
 * <p>Each image has a reddish-orange disc (the FOV, radius about 0.45 of the shorter side, centred with a small
 * jitter) on a near-black background, uneven illumination (vignetting plus a linear gradient), a bright
 * yellowish optic disc, a faint darker macula, and 2 to 4 vessel trees growing from the optic disc (one or
 * two more when the first ones leave the FOV early and cover under 8% of it). Vessels
 * are chains of short capsules that curve gently and branch (the thicker branch continues, a thinner one splits
 * off) until they get thinner than 0.7 px or leave the FOV. They are darker than the background, mostly in the
 * green channel, with a contrast that varies per tree and falls for thin vessels. Gaussian noise is added last.
 *
 * <p>The vessel mask holds the FOV pixels whose centre lies within {@code max(radius, 0.5)} px of a vessel
 * centreline; the FOV mask is the exact disc. Everything depends only on the seed and the size.
 */
public final class SyntheticFundus {

  private static final double MIN_DIAMETER = 0.7;
  private static final int MAX_STEPS = 200_000;

  private final SplittableRandom rng;
  private final int w;
  private final int h;
  private final double cx;
  private final double cy;
  private final double radius;
  private final float[] dark;
  private final byte[] vessel;
  private final byte[] fov;
  private double rootDiameter;
  private double contrast;
  private int steps;

  private SyntheticFundus(long seed, int w, int h) {
    this.rng = new SplittableRandom(seed);
    this.w = w;
    this.h = h;
    double m = Math.min(w, h);
    this.cx = w / 2.0 + (rng.nextDouble() - 0.5) * 0.04 * m;
    this.cy = h / 2.0 + (rng.nextDouble() - 0.5) * 0.04 * m;
    this.radius = 0.45 * m * (0.97 + 0.04 * rng.nextDouble());
    this.dark = new float[w * h];
    this.vessel = new byte[w * h];
    this.fov = new byte[w * h];
  }

  /**
   * Generates one synthetic photograph.
   *
   * @param seed   the random seed; the same seed and size give identical arrays
   * @param width  image width in pixels (at least 16)
   * @param height image height in pixels (at least 16)
   * @return a sample with id {@code synthetic_<seed>}, exact vessel and FOV masks, no second observer
   */
  public static Sample generate(long seed, int width, int height) {
    if (width < 16 || height < 16) {
      throw new IllegalArgumentException("synthetic image size " + width + "x" + height + " must be at least 16x16");
    }
    return new SyntheticFundus(seed, width, height).render("synthetic_" + seed);
  }

  /**
   * Generates {@code count} photographs with seeds derived from {@code seed}, with ids {@code synthetic_000},
   * {@code synthetic_001}, ...
   */
  public static List<Sample> dataset(int count, long seed, int width, int height) {
    if (count < 0) {
      throw new IllegalArgumentException("synthetic dataset size " + count + " must not be negative");
    }
    SplittableRandom seeds = new SplittableRandom(seed);
    List<Sample> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Sample s = generate(seeds.nextLong(), width, height);
      out.add(new Sample(String.format("synthetic_%03d", i), s.width(), s.height(), s.rgb(), s.vessel(),
          null, s.fov(), false));
    }
    return out;
  }

  private Sample render(String id) {
    int n = w * h;
    double r2 = radius * radius;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double dx = x - cx;
        double dy = y - cy;
        fov[y * w + x] = (byte) (dx * dx + dy * dy <= r2 ? 1 : 0);
      }
    }
    // optic disc on the left or right, somewhat above or below the horizontal
    double odAngle = (rng.nextBoolean() ? 0 : Math.PI) + (rng.nextDouble() - 0.5) * 0.6;
    double odDist = radius * (0.55 + 0.13 * rng.nextDouble());
    double odx = cx + odDist * Math.cos(odAngle);
    double ody = cy + odDist * Math.sin(odAngle);
    double odR = radius * (0.10 + 0.03 * rng.nextDouble());
    double toMacula = Math.atan2(cy - ody, cx - odx);
    double mx = odx + 2.4 * 2 * odR * Math.cos(toMacula);
    double my = ody + 2.4 * 2 * odR * Math.sin(toMacula);

    growTrees(odx, ody, odR, toMacula);

    double vig = 0.25 + 0.15 * rng.nextDouble();
    double gx = (rng.nextDouble() - 0.5) * 0.16;
    double gy = (rng.nextDouble() - 0.5) * 0.16;
    double baseR = 0.72 + 0.10 * rng.nextDouble();
    double baseG = 0.33 + 0.08 * rng.nextDouble();
    double baseB = 0.12 + 0.06 * rng.nextDouble();
    double outside = 0.01 + 0.015 * rng.nextDouble();
    double noise = 0.010 + 0.010 * rng.nextDouble();
    double macSigma2 = 2 * Math.pow(0.16 * radius, 2);
    float[] rgb = new float[3 * n];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        double r;
        double g;
        double b;
        if (fov[i] != 0) {
          double dx = (x - cx) / radius;
          double dy = (y - cy) / radius;
          double illum = 1 - vig * (dx * dx + dy * dy) + gx * dx + gy * dy;
          double odd = Math.hypot(x - odx, y - ody);
          double disc = 1 / (1 + Math.exp((odd - odR) / (0.15 * odR)));
          double mac = 1 - 0.18 * Math.exp(-((x - mx) * (x - mx) + (y - my) * (y - my)) / macSigma2);
          r = baseR * mac + disc * (1.0 - baseR);
          g = baseG * mac + disc * (0.88 - baseG);
          b = baseB * mac + disc * (0.55 - baseB);
          double v = dark[i];
          r *= illum * (1 - 0.25 * v);
          g *= illum * (1 - v);
          b *= illum * (1 - 0.5 * v);
        } else {
          r = outside;
          g = outside * 0.7;
          b = outside * 0.6;
        }
        double s = fov[i] != 0 ? noise : noise * 0.4;
        rgb[i] = clamp01(r + s * rng.nextGaussian());
        rgb[n + i] = clamp01(g + s * rng.nextGaussian());
        rgb[2 * n + i] = clamp01(b + s * rng.nextGaussian());
      }
    }
    return new Sample(id, w, h, rgb, vessel, null, fov, false);
  }

  /** Grows 2-4 trees from the optic disc: two arcades around the macula plus optional nasal trees. */
  private void growTrees(double odx, double ody, double odR, double toMacula) {
    int trees = 2 + rng.nextInt(3);
    double m = Math.min(w, h);
    for (int t = 0; t < trees + 2; t++) {
      if (t >= trees && vesselFraction() >= 0.08) {
        break; // up to two extra trees only when the first ones left the FOV early
      }
      double heading;
      double bend;
      if (t < 2) {
        double side = t == 0 ? 1 : -1;
        heading = toMacula + side * (1.2 + 0.35 * rng.nextDouble());
        bend = -side * (0.6 + 0.5 * rng.nextDouble()); // arcades curve back around the macula
      } else {
        heading = toMacula + Math.PI + (rng.nextDouble() - 0.5) * 2.0;
        bend = (rng.nextDouble() - 0.5) * 1.0;
      }
      rootDiameter = clamp(2.1 + 0.008 * m, 2.0, 8.0) * (t < 2 ? 1.0 : 0.75) * (0.9 + 0.2 * rng.nextDouble());
      contrast = 0.25 + 0.2 * rng.nextDouble();
      double sx = odx + 0.3 * odR * Math.cos(heading);
      double sy = ody + 0.3 * odR * Math.sin(heading);
      grow(sx, sy, heading, rootDiameter, bend, 0);
    }
  }

  /** Fraction of FOV pixels marked as vessel so far. */
  private double vesselFraction() {
    int v = 0;
    int f = 0;
    for (int i = 0; i < vessel.length; i++) {
      v += vessel[i];
      f += fov[i];
    }
    return f == 0 ? 0 : (double) v / f;
  }

  /**
   * Grows one vessel segment from (x, y), then branches into a thicker continuation and a thinner side branch.
   *
   * @param bend curvature in radians per FOV radius of length
   */
  private void grow(double x, double y, double heading, double diameter, double bend, int depth) {
    if (diameter < MIN_DIAMETER || depth > 40 || steps > MAX_STEPS) {
      return;
    }
    double length = radius * (0.10 + 0.16 * rng.nextDouble());
    double step = 1.0;
    double k = bend;
    double c = contrast * (0.45 + 0.55 * Math.min(1, diameter / rootDiameter));
    for (double done = 0; done < length; done += step) {
      k += rng.nextGaussian() * 0.25;
      k = clamp(k, -3.5, 3.5);
      heading += k * step / radius;
      double nx = x + step * Math.cos(heading);
      double ny = y + step * Math.sin(heading);
      capsule(x, y, nx, ny, diameter / 2, c);
      steps++;
      x = nx;
      y = ny;
      if (Math.hypot(x - cx, y - cy) > radius) {
        return;
      }
    }
    double main = diameter * (0.78 + 0.12 * rng.nextDouble());
    double side = diameter * (0.55 + 0.2 * rng.nextDouble());
    double dir = rng.nextBoolean() ? 1 : -1;
    double split = 0.55 + 0.5 * rng.nextDouble();
    grow(x, y, heading - dir * 0.15 * split, main, bend * 0.8, depth + 1);
    grow(x, y, heading + dir * split, side, (rng.nextDouble() - 0.5) * 2.0, depth + 1);
  }

  /** Rasterises a capsule (segment with round caps) over its bounding box, inside the FOV only. */
  private void capsule(double x0, double y0, double x1, double y1, double r, double c) {
    double maskR = Math.max(r, 0.5);
    double reach = Math.max(r + 0.5, maskR);
    int xa = Math.max(0, (int) Math.floor(Math.min(x0, x1) - reach));
    int xb = Math.min(w - 1, (int) Math.ceil(Math.max(x0, x1) + reach));
    int ya = Math.max(0, (int) Math.floor(Math.min(y0, y1) - reach));
    int yb = Math.min(h - 1, (int) Math.ceil(Math.max(y0, y1) + reach));
    double vx = x1 - x0;
    double vy = y1 - y0;
    double len2 = vx * vx + vy * vy;
    for (int y = ya; y <= yb; y++) {
      for (int x = xa; x <= xb; x++) {
        int i = y * w + x;
        if (fov[i] == 0) {
          continue;
        }
        double px = x - x0;
        double py = y - y0;
        double t = len2 > 0 ? clamp((px * vx + py * vy) / len2, 0, 1) : 0;
        double ex = px - t * vx;
        double ey = py - t * vy;
        double d = Math.sqrt(ex * ex + ey * ey);
        if (d <= maskR) {
          vessel[i] = 1;
        }
        double cover = clamp(r + 0.5 - d, 0, 1);
        if (cover > 0) {
          double u = Math.min(1, d / Math.max(r, 0.5));
          float v = (float) (c * cover * (1 - 0.3 * u * u));
          if (v > dark[i]) {
            dark[i] = v;
          }
        }
      }
    }
  }

  private static double clamp(double v, double lo, double hi) {
    return v < lo ? lo : (v > hi ? hi : v);
  }

  private static float clamp01(double v) {
    return (float) (v < 0 ? 0 : (v > 1 ? 1 : v));
  }
}
