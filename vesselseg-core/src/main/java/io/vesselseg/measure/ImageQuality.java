package io.vesselseg.measure;

import java.util.EnumSet;
import java.util.Set;

/**
 * Whether a photograph can be trusted, from its pixels and its FOV mask: the figures and the flags they raise.
 * The thresholds were chosen on the 20 DRIVE training photographs and degraded copies of them (docs/measure.md
 * has the figures).
 *
 * @param fovFraction       FOV pixels / all pixels
 * @param redOverGreen      mean red / mean green inside the FOV (a fundus is red: about 2 to 4 on DRIVE)
 * @param meanLuminance     mean Rec. 601 luminance inside the FOV, 0..1
 * @param whiteFraction     share of FOV pixels whose three channels are all at least 0.95 (burnt out)
 * @param laplacianVariance variance of the 3x3 Laplacian of the green channel (0..255) inside the FOV, away
 *                          from its rim, on the photograph box-averaged down to a FOV width near DRIVE's
 * @param disagreement      mean over the FOV of the per-pixel standard deviation of the ensemble members'
 *                          probabilities; NaN when not computed (a single network, or no uncertainty asked for)
 * @param flags             what is wrong; empty when nothing is
 */
public record ImageQuality(double fovFraction, double redOverGreen, double meanLuminance, double whiteFraction,
    double laplacianVariance, double disagreement, Set<Flag> flags) {

  /** What can be wrong with a photograph. */
  public enum Flag {
    /** No field of view found: no dark border around a bright disc, or a tiny one. */
    NO_FOV,
    /** Not a colour fundus photograph: the FOV is not red (grey, text, other pictures). */
    NOT_FUNDUS,
    OVEREXPOSED,
    UNDEREXPOSED,
    BLURRED,
    /** Unlike the training photographs: the ensemble's members disagree far more than on them. */
    OUT_OF_DISTRIBUTION;

    /** The name in files: lower case with hyphens ({@code no-fov}). */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** FOV fractions outside [MIN_FOV, MAX_FOV] mean no FOV was found (the estimator then gives the frame). */
  public static final double MIN_FOV = 0.05;
  public static final double MAX_FOV = 0.98;
  public static final double MIN_RED_OVER_GREEN = 1.2;
  public static final double MAX_LUMINANCE = 0.65;
  public static final double MAX_WHITE = 0.05;
  public static final double MIN_LUMINANCE = 0.18;
  public static final double MIN_LAPLACIAN_VARIANCE = 8.0;
  /** Member disagreement above this means out of distribution (docs/measure.md has the figures). */
  public static final double MAX_DISAGREEMENT = 0.04;
  /** FOV width the Laplacian is taken at (DRIVE's is about 540 px). */
  static final int REFERENCE_FOV_WIDTH = 540;
  private static final int RIM = 6;

  /**
   * Assesses a photograph.
   *
   * @param chw planar RGB in [0, 1], {@code 3 * w * h}
   * @param fov 0/1 FOV mask, {@code w * h}
   */
  public static ImageQuality assess(float[] chw, byte[] fov, int w, int h) {
    int n = w * h;
    if (chw.length != 3 * n || fov.length != n) {
      throw new IllegalArgumentException("photograph " + w + "x" + h + " needs " + 3 * n + " CHW values and a FOV of "
          + n + ", got " + chw.length + " and " + fov.length);
    }
    long inside = 0;
    double r = 0;
    double g = 0;
    double lum = 0;
    long white = 0;
    int minX = w;
    int maxX = -1;
    for (int i = 0; i < n; i++) {
      if (fov[i] == 0) {
        continue;
      }
      inside++;
      float cr = chw[i];
      float cg = chw[n + i];
      float cb = chw[2 * n + i];
      r += cr;
      g += cg;
      lum += 0.299 * cr + 0.587 * cg + 0.114 * cb;
      white += Math.min(cr, Math.min(cg, cb)) >= 0.95f ? 1 : 0;
      minX = Math.min(minX, i % w);
      maxX = Math.max(maxX, i % w);
    }
    double fovFraction = inside / (double) n;
    double rg = inside == 0 ? Double.NaN : r / Math.max(g, 1e-9);
    double meanLum = inside == 0 ? Double.NaN : lum / inside;
    double whiteFraction = inside == 0 ? Double.NaN : white / (double) inside;
    int factor = Math.max(1, (int) Math.round((maxX - minX + 1) / (double) REFERENCE_FOV_WIDTH));
    double lap = laplacianVariance(chw, fov, w, h, factor);
    Set<Flag> flags = EnumSet.noneOf(Flag.class);
    if (fovFraction < MIN_FOV || fovFraction > MAX_FOV) {
      flags.add(Flag.NO_FOV);
    }
    if (!(rg >= MIN_RED_OVER_GREEN)) {
      flags.add(Flag.NOT_FUNDUS);
    }
    if (meanLum > MAX_LUMINANCE || whiteFraction > MAX_WHITE) {
      flags.add(Flag.OVEREXPOSED);
    }
    if (meanLum < MIN_LUMINANCE) {
      flags.add(Flag.UNDEREXPOSED);
    }
    if (!(lap >= MIN_LAPLACIAN_VARIANCE)) {
      flags.add(Flag.BLURRED);
    }
    return new ImageQuality(fovFraction, rg, meanLum, whiteFraction, lap, Double.NaN, Set.copyOf(flags));
  }

  /**
   * The members' disagreement of a photograph: the mean of their per-pixel spread over the FOV; NaN when there
   * is no map, no FOV, or the map is all zeros (a single network).
   */
  public static double disagreement(float[] memberSpread, byte[] fov) {
    if (memberSpread == null) {
      return Double.NaN;
    }
    long inside = 0;
    double sum = 0;
    for (int i = 0; i < fov.length; i++) {
      if (fov[i] != 0) {
        inside++;
        sum += memberSpread[i];
      }
    }
    return sum == 0 || inside == 0 ? Double.NaN : sum / inside;
  }

  /**
   * These figures with the ensemble's {@code disagreement} ({@link #disagreement()}) added, and
   * {@link Flag#OUT_OF_DISTRIBUTION} when it exceeds {@link #MAX_DISAGREEMENT}.
   */
  public ImageQuality withDisagreement(double disagreement) {
    Set<Flag> f = EnumSet.noneOf(Flag.class);
    f.addAll(flags);
    if (disagreement > MAX_DISAGREEMENT) {
      f.add(Flag.OUT_OF_DISTRIBUTION);
    }
    return new ImageQuality(fovFraction, redOverGreen, meanLuminance, whiteFraction, laplacianVariance, disagreement,
        Set.copyOf(f));
  }

  /** Variance of the Laplacian of green × 255, box-averaged by {@code f}, over FOV pixels ≥ RIM from its edge. */
  static double laplacianVariance(float[] chw, byte[] fov, int w, int h, int f) {
    int n = w * h;
    int sw = w / f;
    int sh = h / f;
    if (sw < 3 || sh < 3) {
      return Double.NaN;
    }
    double[] green = new double[sw * sh];
    byte[] in = new byte[sw * sh];
    for (int y = 0; y < sh; y++) {
      for (int x = 0; x < sw; x++) {
        double s = 0;
        int all = 1;
        for (int dy = 0; dy < f; dy++) {
          for (int dx = 0; dx < f; dx++) {
            int i = (y * f + dy) * w + x * f + dx;
            s += chw[n + i];
            all &= fov[i];
          }
        }
        green[y * sw + x] = 255 * s / (f * f);
        in[y * sw + x] = (byte) all;
      }
    }
    double sum = 0;
    double sum2 = 0;
    long count = 0;
    for (int y = RIM; y < sh - RIM; y++) {
      for (int x = RIM; x < sw - RIM; x++) {
        if (!deepInside(in, sw, x, y)) {
          continue;
        }
        int i = y * sw + x;
        double l = green[i - sw] + green[i + sw] + green[i - 1] + green[i + 1] - 4 * green[i];
        sum += l;
        sum2 += l * l;
        count++;
      }
    }
    if (count < 2) {
      return Double.NaN;
    }
    double mean = sum / count;
    return sum2 / count - mean * mean;
  }

  /** All pixels RIM away along the axes and diagonals are inside too (a cheap erosion). */
  private static boolean deepInside(byte[] in, int sw, int x, int y) {
    return in[y * sw + x] != 0 && in[y * sw + x - RIM] != 0 && in[y * sw + x + RIM] != 0
        && in[(y - RIM) * sw + x] != 0 && in[(y + RIM) * sw + x] != 0;
  }
}
