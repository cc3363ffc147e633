package io.vesselseg.data;

import java.util.List;
import java.util.Random;

/**
 * Draws random square training patches with augmentation into caller-owned batch arrays. A patch is centred
 * on a random FOV pixel of a random image, then rotated (by a multiple of 90°, or by any angle with bilinear
 * resampling and an optional scale jitter), optionally warped by a smooth random displacement field (elastic),
 * flipped, and jittered in brightness, contrast and gamma.
 * Deterministic for a given {@link Random} sequence. Not thread-safe: one sampler per producing thread.
 */
public final class PatchSampler {

  /**
   * Augmentation strengths; zero turns a jitter off. {@code anyAngle} rotates by a uniform angle and
   * {@code scale} zooms by a factor in [1/(1+scale), 1+scale] (log-uniform), both resampled bilinearly
   * (labels too, so they become soft at vessel borders); either replaces the exact {@code rot90} path.
   * {@code warp} (elastic) displaces every pixel by a smooth random field: independent Gaussian offsets with this
   * standard deviation (pixels) at control points {@value #ELASTIC_SPACING} px apart, interpolated bilinearly;
   * it too resamples bilinearly (quarter turns then go through the same resampling).
   */
  public record Augmentation(boolean flips, boolean rot90, boolean anyAngle, float scale, float brightness,
      float contrast, float gamma, float warp) {

    /** Distance between the elastic field's control points, in patch pixels. */
    public static final int ELASTIC_SPACING = 32;

    /** The names {@link #named} accepts, as the CLI lists them. */
    public static final String NAMES = "basic, strong, elastic, none";

    /** Flips, quarter turns, brightness/contrast/gamma jitter: the recipe of the design notes. */
    public static Augmentation basic() {
      return new Augmentation(true, true, false, 0, 0.08f, 0.15f, 0.2f, 0);
    }

    /** {@link #basic} with rotation by any angle and a ±10% scale jitter. */
    public static Augmentation strong() {
      return new Augmentation(true, true, true, 0.1f, 0.08f, 0.15f, 0.2f, 0);
    }

    /** {@link #basic} with an elastic warp of 2 px standard deviation at control points 32 px apart. */
    public static Augmentation elastic() {
      return new Augmentation(true, true, false, 0, 0.08f, 0.15f, 0.2f, 2f);
    }

    public static Augmentation none() {
      return new Augmentation(false, false, false, 0, 0, 0, 0, 0);
    }

    public static boolean isName(String name) {
      return name != null && List.of(NAMES.split(", ")).contains(name);
    }

    public static Augmentation named(String name) {
      return switch (name) {
        case "basic" -> basic();
        case "strong" -> strong();
        case "elastic" -> elastic();
        case "none" -> none();
        default -> throw new IllegalArgumentException(
            "unknown augmentation '" + name + "' (expected one of: " + NAMES + ")");
      };
    }

    boolean resamples() {
      return anyAngle || scale > 0 || warp > 0;
    }
  }

  private final List<Sample> samples;
  /** Per sample, a soft target map (width * height, e.g. a teacher's probabilities), or null: none. */
  private final List<float[]> soft;
  /** Per sample, its FOV pixels by rank (patch centres are drawn among them). */
  private final FovIndex[] fovPixels;
  private final int patch;
  private final Augmentation aug;
  /** Cumulative probability of drawing samples 0..i, or null: every sample alike. */
  private final double[] cumulative;

  public PatchSampler(List<Sample> samples, int patch, Augmentation aug) {
    this(samples, null, patch, aug);
  }

  /** As {@link #PatchSampler(List, List, double[], int, Augmentation)} with every sample drawn alike. */
  public PatchSampler(List<Sample> samples, List<float[]> soft, int patch, Augmentation aug) {
    this(samples, soft, null, patch, aug);
  }

  /**
   * A sampler that also cuts {@code soft[i]} (one float per pixel of sample i, e.g. a teacher network's vessel
   * probabilities) beside each label patch, through the same crop, turn, flip and resampling; null: no soft
   * targets. Each patch comes from sample i with probability {@code weights[i] / sum(weights)} (e.g. a set's share
   * of the batch divided among its photographs); null: from every sample alike, with the draws of a sampler
   * without weights.
   */
  public PatchSampler(List<Sample> samples, List<float[]> soft, double[] weights, int patch, Augmentation aug) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no training images to sample patches from");
    }
    if (weights != null && weights.length != samples.size()) {
      throw new IllegalArgumentException(weights.length + " sampling weights for " + samples.size() + " images");
    }
    this.cumulative = weights == null ? null : cumulative(weights);
    for (Sample s : samples) {
      if (s.vessel() == null) {
        throw new IllegalArgumentException("training image " + s.id() + " has no vessel annotation");
      }
    }
    if (soft != null) {
      if (soft.size() != samples.size()) {
        throw new IllegalArgumentException(soft.size() + " soft target maps for " + samples.size() + " images");
      }
      for (int i = 0; i < soft.size(); i++) {
        if (soft.get(i).length != samples.get(i).pixels()) {
          throw new IllegalArgumentException("soft target map of " + samples.get(i).id() + " has "
              + soft.get(i).length + " values, expected " + samples.get(i).pixels());
        }
      }
    }
    this.samples = samples;
    this.soft = soft;
    this.patch = patch;
    this.aug = aug;
    this.fovPixels = new FovIndex[samples.size()];
    for (int i = 0; i < samples.size(); i++) {
      fovPixels[i] = FovIndex.of(samples.get(i).fov());
    }
  }

  public int patchSize() {
    return patch;
  }

  /** True when this sampler cuts soft targets beside the labels. */
  public boolean hasSoftTargets() {
    return soft != null;
  }

  /**
   * Fills {@code x} [batch,3,P,P] with raw RGB in [0,1] and {@code y} [batch,1,P,P] with 0/1 vessel labels.
   */
  public void fill(Random r, float[] x, float[] y, int batch) {
    fill(r, x, y, null, batch);
  }

  /**
   * {@link #fill(Random, float[], float[], int)}, and {@code t} [batch,1,P,P] with the soft targets cut the same
   * way (when this sampler has them and {@code t} is not null). The random draws do not depend on {@code t}, so
   * the patches are the same with or without soft targets.
   */
  public void fill(Random r, float[] x, float[] y, float[] t, int batch) {
    fill(r, x, y, t, batch, null);
  }

  /**
   * {@link #fill(Random, float[], float[], float[], int)}, writing the index (into the samples) of the photograph
   * each patch was cut from to {@code drawn[b]} when {@code drawn} is not null; the patches are the same.
   */
  public void fill(Random r, float[] x, float[] y, float[] t, int batch, int[] drawn) {
    int pp = patch * patch;
    if (x.length < batch * 3 * pp || y.length < batch * pp || (t != null && t.length < batch * pp)) {
      throw new IllegalArgumentException("batch arrays too small for " + batch + " patches of " + patch);
    }
    if (t != null && soft == null) {
      throw new IllegalArgumentException("this sampler has no soft targets to fill");
    }
    for (int b = 0; b < batch; b++) {
      int si = cumulative == null ? r.nextInt(samples.size()) : draw(r.nextDouble());
      if (drawn != null) {
        drawn[b] = si;
      }
      Sample s = samples.get(si);
      FovIndex fov = fovPixels[si];
      int centre = fov.pixel(r.nextInt(fov.size()));
      int x0 = clampOrigin(centre % s.width() - patch / 2, s.width());
      int y0 = clampOrigin(centre / s.width() - patch / 2, s.height());
      if (aug.resamples()) {
        double angle = aug.anyAngle() ? 2 * Math.PI * r.nextDouble()
            : aug.rot90() ? r.nextInt(4) * Math.PI / 2 : 0;
        double zoom = aug.scale() > 0 ? Math.exp(Math.log1p(aug.scale()) * (2 * r.nextDouble() - 1)) : 1;
        boolean flip = aug.flips() && r.nextBoolean();
        Jitter j = jitter(r);
        float[] warp = aug.warp() > 0 ? elasticField(r, patch, aug.warp()) : null;
        resamplePatch(s, x0 + (patch - 1) / 2.0, y0 + (patch - 1) / 2.0, angle, zoom, flip, warp, j, x,
            b * 3 * pp, y, b * pp, t == null ? null : soft.get(si), t);
        continue;
      }
      int rot = aug.rot90() ? r.nextInt(4) : 0;
      boolean flip = aug.flips() && r.nextBoolean();
      Jitter j = jitter(r);
      copyPatch(s, x0, y0, rot, flip, j, x, b * 3 * pp, y, b * pp, t == null ? null : soft.get(si), t);
    }
  }

  private static double[] cumulative(double[] weights) {
    double[] c = new double[weights.length];
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0) || Double.isInfinite(weights[i])) {
        throw new IllegalArgumentException("sampling weight " + weights[i] + " of image " + i + " must be >= 0");
      }
      sum += weights[i];
      c[i] = sum;
    }
    if (!(sum > 0)) {
      throw new IllegalArgumentException("the sampling weights sum to " + sum + ": at least one must be > 0");
    }
    for (int i = 0; i < c.length; i++) {
      c[i] /= sum;
    }
    return c;
  }

  /** The sample whose cumulative probability interval holds {@code u} in [0, 1). */
  private int draw(double u) {
    int i = java.util.Arrays.binarySearch(cumulative, u);
    i = i >= 0 ? i + 1 : -i - 1; // the first index whose cumulative probability exceeds u
    while (i < cumulative.length - 1 && cumulative[i] <= u) {
      i++;
    }
    return Math.min(i, cumulative.length - 1);
  }

  private record Jitter(float bright, float contrast, float gamma) {
    boolean any() {
      return bright != 0 || contrast != 1 || gamma != 1;
    }

    float apply(float v) {
      return (float) Math.pow(Math.min(1f, Math.max(0f, (v - 0.5f) * contrast + 0.5f + bright)), gamma);
    }
  }

  private Jitter jitter(Random r) {
    float bright = aug.brightness() * (2 * r.nextFloat() - 1);
    float contrast = 1 + aug.contrast() * (2 * r.nextFloat() - 1);
    float gamma = (float) Math.exp(aug.gamma() * (2 * r.nextFloat() - 1));
    return new Jitter(bright, contrast, gamma);
  }

  /**
   * A smooth displacement field for a {@code side}² patch: [dx of every pixel, then dy], each bilinearly
   * interpolated from Gaussian offsets (standard deviation {@code sigma} px) at control points
   * {@link Augmentation#ELASTIC_SPACING} px apart that span the patch.
   */
  static float[] elasticField(Random r, int side, float sigma) {
    int g = Math.max(2, (side - 1 + Augmentation.ELASTIC_SPACING - 1) / Augmentation.ELASTIC_SPACING + 1);
    double[] control = new double[2 * g * g];
    for (int k = 0; k < control.length; k++) {
      control[k] = sigma * r.nextGaussian();
    }
    float[] field = new float[2 * side * side];
    double step = side > 1 ? (g - 1) / (double) (side - 1) : 0;
    for (int i = 0; i < side; i++) {
      double gy = i * step;
      int y0 = Math.min((int) gy, g - 2);
      double fy = gy - y0;
      for (int j = 0; j < side; j++) {
        double gx = j * step;
        int x0 = Math.min((int) gx, g - 2);
        double fx = gx - x0;
        for (int axis = 0; axis < 2; axis++) {
          int c = axis * g * g + y0 * g + x0;
          double v = (1 - fy) * ((1 - fx) * control[c] + fx * control[c + 1])
              + fy * ((1 - fx) * control[c + g] + fx * control[c + g + 1]);
          field[axis * side * side + i * side + j] = (float) v;
        }
      }
    }
    return field;
  }

  /**
   * Output pixel (i, j) reads the source at the patch centre plus the offset (j-c, i-c), displaced by
   * {@code warp} (when not null), flipped, zoomed by 1/zoom and rotated by {@code angle}, interpolated
   * bilinearly; pixels outside the photograph are 0. The soft map {@code src} (when not null) goes to {@code t}
   * at {@code yOff} the same way.
   */
  private void resamplePatch(Sample s, double cx, double cy, double angle, double zoom, boolean flip,
      float[] warp, Jitter jit, float[] x, int xOff, float[] y, int yOff, float[] src, float[] t) {
    int w = s.width();
    int h = s.height();
    int plane = w * h;
    int pp = patch * patch;
    float[] rgb = s.rgb();
    byte[] vessel = s.vessel();
    double c = (patch - 1) / 2.0;
    double cos = Math.cos(angle) / zoom;
    double sin = Math.sin(angle) / zoom;
    boolean jitter = jit.any();
    for (int i = 0; i < patch; i++) {
      for (int j = 0; j < patch; j++) {
        int o = i * patch + j;
        double u = (flip ? c - j : j - c) + (warp == null ? 0 : warp[o]);
        double v = i - c + (warp == null ? 0 : warp[pp + o]);
        double sx = cx + cos * u - sin * v;
        double sy = cy + sin * u + cos * v;
        int ix = (int) Math.floor(sx);
        int iy = (int) Math.floor(sy);
        float fx = (float) (sx - ix);
        float fy = (float) (sy - iy);
        float w00 = (1 - fx) * (1 - fy);
        float w01 = fx * (1 - fy);
        float w10 = (1 - fx) * fy;
        float w11 = fx * fy;
        boolean in00 = ix >= 0 && iy >= 0 && ix < w && iy < h;
        boolean in01 = ix + 1 >= 0 && iy >= 0 && ix + 1 < w && iy < h;
        boolean in10 = ix >= 0 && iy + 1 >= 0 && ix < w && iy + 1 < h;
        boolean in11 = ix + 1 >= 0 && iy + 1 >= 0 && ix + 1 < w && iy + 1 < h;
        int p00 = iy * w + ix;
        float label = (in00 ? w00 * vessel[p00] : 0) + (in01 ? w01 * vessel[p00 + 1] : 0)
            + (in10 ? w10 * vessel[p00 + w] : 0) + (in11 ? w11 * vessel[p00 + w + 1] : 0);
        y[yOff + o] = label;
        if (t != null) {
          t[yOff + o] = (in00 ? w00 * src[p00] : 0) + (in01 ? w01 * src[p00 + 1] : 0)
              + (in10 ? w10 * src[p00 + w] : 0) + (in11 ? w11 * src[p00 + w + 1] : 0);
        }
        boolean inside = in00 || in01 || in10 || in11;
        for (int ch = 0; ch < 3; ch++) {
          int base = ch * plane + p00;
          float val = (in00 ? w00 * rgb[base] : 0) + (in01 ? w01 * rgb[base + 1] : 0)
              + (in10 ? w10 * rgb[base + w] : 0) + (in11 ? w11 * rgb[base + w + 1] : 0);
          x[xOff + ch * pp + o] = jitter && inside ? jit.apply(val) : val;
        }
      }
    }
  }

  /** Origin so the patch lies inside the image when it fits; centred (negative) when the image is smaller. */
  private int clampOrigin(int origin, int size) {
    if (size <= patch) {
      return -(patch - size) / 2;
    }
    return Math.max(0, Math.min(origin, size - patch));
  }

  private void copyPatch(Sample s, int x0, int y0, int rot, boolean flip, Jitter jit, float[] x, int xOff,
      float[] y, int yOff, float[] src, float[] t) {
    int w = s.width();
    int h = s.height();
    int plane = w * h;
    float[] rgb = s.rgb();
    byte[] vessel = s.vessel();
    int last = patch - 1;
    boolean jitter = jit.any();
    for (int i = 0; i < patch; i++) {
      for (int j = 0; j < patch; j++) {
        // output (i, j) reads source (si, sj) of the un-augmented patch
        int si;
        int sj;
        switch (rot) {
          case 1 -> { si = j; sj = last - i; }
          case 2 -> { si = last - i; sj = last - j; }
          case 3 -> { si = last - j; sj = i; }
          default -> { si = i; sj = j; }
        }
        if (flip) {
          sj = last - sj;
        }
        int sy = y0 + si;
        int sx = x0 + sj;
        int o = i * patch + j;
        if (sy < 0 || sx < 0 || sy >= h || sx >= w) {
          x[xOff + o] = 0;
          x[xOff + patch * patch + o] = 0;
          x[xOff + 2 * patch * patch + o] = 0;
          y[yOff + o] = 0;
          if (t != null) {
            t[yOff + o] = 0;
          }
          continue;
        }
        int at = sy * w + sx;
        for (int c = 0; c < 3; c++) {
          float v = rgb[c * plane + at];
          x[xOff + c * patch * patch + o] = jitter ? jit.apply(v) : v;
        }
        y[yOff + o] = vessel[at];
        if (t != null) {
          t[yOff + o] = src[at];
        }
      }
    }
  }
}
