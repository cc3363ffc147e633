package io.vesselseg.data;

import java.util.List;
import java.util.Random;

/**
 * Draws random square training patches with augmentation into caller-owned batch arrays. A patch is centred
 * on a random FOV pixel of a random image, then rotated by a multiple of 90°, flipped, and jittered in
 * brightness, contrast and gamma. Deterministic for a given {@link Random} sequence. Not thread-safe: one
 * sampler per producing thread.
 */
public final class PatchSampler {

  /** Augmentation strengths; zero turns a jitter off. */
  public record Augmentation(boolean flips, boolean rot90, float brightness, float contrast, float gamma) {
    public static Augmentation defaults() {
      return new Augmentation(true, true, 0.08f, 0.15f, 0.2f);
    }

    public static Augmentation none() {
      return new Augmentation(false, false, 0, 0, 0);
    }
  }

  private final List<Sample> samples;
  private final int[][] fovPixels;
  private final int patch;
  private final Augmentation aug;

  public PatchSampler(List<Sample> samples, int patch, Augmentation aug) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no training images to sample patches from");
    }
    for (Sample s : samples) {
      if (s.vessel() == null) {
        throw new IllegalArgumentException("training image " + s.id() + " has no vessel annotation");
      }
    }
    this.samples = samples;
    this.patch = patch;
    this.aug = aug;
    this.fovPixels = new int[samples.size()][];
    for (int i = 0; i < samples.size(); i++) {
      byte[] fov = samples.get(i).fov();
      int n = 0;
      for (byte b : fov) {
        n += b;
      }
      int[] idx = new int[Math.max(n, 1)];
      int k = 0;
      for (int p = 0; p < fov.length; p++) {
        if (fov[p] != 0) {
          idx[k++] = p;
        }
      }
      fovPixels[i] = idx; // an empty FOV degenerates to pixel 0: patches are drawn from the corner
    }
  }

  public int patchSize() {
    return patch;
  }

  /**
   * Fills {@code x} [batch,3,P,P] with raw RGB in [0,1] and {@code y} [batch,1,P,P] with 0/1 vessel labels.
   */
  public void fill(Random r, float[] x, float[] y, int batch) {
    int pp = patch * patch;
    if (x.length < batch * 3 * pp || y.length < batch * pp) {
      throw new IllegalArgumentException("batch arrays too small for " + batch + " patches of " + patch);
    }
    for (int b = 0; b < batch; b++) {
      int si = r.nextInt(samples.size());
      Sample s = samples.get(si);
      int[] fov = fovPixels[si];
      int centre = fov[r.nextInt(fov.length)];
      int x0 = clampOrigin(centre % s.width() - patch / 2, s.width());
      int y0 = clampOrigin(centre / s.width() - patch / 2, s.height());
      int rot = aug.rot90() ? r.nextInt(4) : 0;
      boolean flip = aug.flips() && r.nextBoolean();
      float bright = aug.brightness() * (2 * r.nextFloat() - 1);
      float contrast = 1 + aug.contrast() * (2 * r.nextFloat() - 1);
      float gamma = (float) Math.exp(aug.gamma() * (2 * r.nextFloat() - 1));
      copyPatch(s, x0, y0, rot, flip, bright, contrast, gamma, x, b * 3 * pp, y, b * pp);
    }
  }

  /** Origin so the patch lies inside the image when it fits; centred (negative) when the image is smaller. */
  private int clampOrigin(int origin, int size) {
    if (size <= patch) {
      return -(patch - size) / 2;
    }
    return Math.max(0, Math.min(origin, size - patch));
  }

  private void copyPatch(Sample s, int x0, int y0, int rot, boolean flip, float bright, float contrast,
      float gamma, float[] x, int xOff, float[] y, int yOff) {
    int w = s.width();
    int h = s.height();
    int plane = w * h;
    float[] rgb = s.rgb();
    byte[] vessel = s.vessel();
    int last = patch - 1;
    boolean jitter = bright != 0 || contrast != 1 || gamma != 1;
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
          continue;
        }
        int src = sy * w + sx;
        for (int c = 0; c < 3; c++) {
          float v = rgb[c * plane + src];
          if (jitter) {
            v = (float) Math.pow(Math.min(1f, Math.max(0f, (v - 0.5f) * contrast + 0.5f + bright)), gamma);
          }
          x[xOff + c * patch * patch + o] = v;
        }
        y[yOff + o] = vessel[src];
      }
    }
  }
}
