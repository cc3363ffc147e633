package io.vesselseg.measure;

import java.awt.image.BufferedImage;

/**
 * A picture of what {@link VesselMeasures} measured: the photograph darkened to half, outside the FOV to a
 * quarter, the skeleton in yellow, end points as green and branch points as red 5x5 squares.
 */
public final class SkeletonPicture {

  private SkeletonPicture() {}

  /**
   * @param chw    the photograph, planar RGB in [0, 1], {@code 3 * w * h}
   * @param vessel the vessel mask (0/1), {@code w * h}
   * @param fov    the FOV mask (0/1), {@code w * h}
   */
  public static BufferedImage of(float[] chw, byte[] vessel, byte[] fov, int w, int h) {
    int n = w * h;
    byte[] v = new byte[n];
    for (int i = 0; i < n; i++) {
      v[i] = (byte) (vessel[i] != 0 && fov[i] != 0 ? 1 : 0);
    }
    byte[] s = Skeleton.thin(v, w, h);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < n; i++) {
      double k = fov[i] != 0 ? 0.5 : 0.25;
      int r = (int) Math.round(255 * k * chw[i]);
      int g = (int) Math.round(255 * k * chw[n + i]);
      int b = (int) Math.round(255 * k * chw[2 * n + i]);
      img.setRGB(i % w, i / w, s[i] != 0 ? 0xFFE000 : (r << 16) | (g << 8) | b);
    }
    for (int i = 0; i < n; i++) {
      if (s[i] != 0) {
        int d = Skeleton.degree(s, w, h, i % w, i / w);
        if (d == 1 || d >= 3) {
          square(img, i % w, i / w, d == 1 ? 0x00FF40 : 0xFF2020);
        }
      }
    }
    return img;
  }

  private static void square(BufferedImage img, int cx, int cy, int rgb) {
    for (int y = cy - 2; y <= cy + 2; y++) {
      for (int x = cx - 2; x <= cx + 2; x++) {
        if (x >= 0 && y >= 0 && x < img.getWidth() && y < img.getHeight()) {
          img.setRGB(x, y, rgb);
        }
      }
    }
  }
}
