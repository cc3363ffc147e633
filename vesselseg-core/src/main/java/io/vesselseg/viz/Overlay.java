package io.vesselseg.viz;

import java.awt.image.BufferedImage;

/**
 * Pictures of a segmentation, pure Java and headless. The error overlay paints true positives, false
 * positives and false negatives in three distinct colours over a dimmed copy of the photograph; pixels
 * outside the FOV are left dark.
 */
public final class Overlay {

  /** Colours (RGB) of the error overlay. */
  public static final int TP = 0x22C55E; // green: vessel found
  public static final int FP = 0xEF4444; // red: predicted vessel where the reference has none
  public static final int FN = 0x3B82F6; // blue: reference vessel that was missed
  /** Colour of predicted vessels when there is no reference. */
  public static final int VESSEL = 0x22D3EE; // cyan: stands out on the orange fundus

  private Overlay() {}

  /**
   * @param rgb   planar [3,h,w] in [0,1]
   * @param pred  predicted mask (0/1)
   * @param truth reference mask (0/1)
   * @param fov   FOV mask (0/1); null means everything
   */
  public static BufferedImage errors(float[] rgb, int w, int h, byte[] pred, byte[] truth, byte[] fov) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int plane = w * h;
    for (int i = 0; i < plane; i++) {
      int colour;
      boolean inside = fov == null || fov[i] != 0;
      boolean p = pred[i] != 0;
      boolean t = truth[i] != 0;
      if (inside && p && t) {
        colour = TP;
      } else if (inside && p) {
        colour = FP;
      } else if (inside && t) {
        colour = FN;
      } else {
        float dim = inside ? 0.45f : 0.2f;
        colour = rgb(rgb[i] * dim, rgb[plane + i] * dim, rgb[2 * plane + i] * dim);
      }
      img.setRGB(i % w, i / w, colour);
    }
    return img;
  }

  /** Predicted vessels in {@link #VESSEL} over the photograph. */
  public static BufferedImage vessels(float[] rgb, int w, int h, byte[] mask) {
    BufferedImage img = photo(rgb, w, h);
    for (int i = 0; i < mask.length; i++) {
      if (mask[i] != 0) {
        img.setRGB(i % w, i / w, VESSEL);
      }
    }
    return img;
  }

  /** The photograph itself. */
  public static BufferedImage photo(float[] rgb, int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int plane = w * h;
    for (int i = 0; i < plane; i++) {
      img.setRGB(i % w, i / w, rgb(rgb[i], rgb[plane + i], rgb[2 * plane + i]));
    }
    return img;
  }

  /** Probabilities as grey levels 0..255 (unsigned bytes). */
  public static byte[] grey(float[] prob) {
    byte[] g = new byte[prob.length];
    for (int i = 0; i < prob.length; i++) {
      g[i] = (byte) Math.round(Math.min(1f, Math.max(0f, prob[i])) * 255f);
    }
    return g;
  }

  private static int rgb(float r, float g, float b) {
    return (clamp(r) << 16) | (clamp(g) << 8) | clamp(b);
  }

  private static int clamp(float v) {
    return Math.round(Math.min(1f, Math.max(0f, v)) * 255f);
  }
}
