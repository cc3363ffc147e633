package io.vesselseg;

/**
 * Pixels of interest in a photograph, for {@link VesselSegmenter#explain}: a box ({@link #box}) or a disc around
 * a point ({@link #disc}), in the photograph's pixel coordinates (x to the right, y down, from 0).
 *
 * @param x      the box's left column, or the disc's centre
 * @param y      the box's top row, or the disc's centre
 * @param width  the box's width (0 for a disc)
 * @param height the box's height (0 for a disc)
 * @param radius the disc's radius (0: the point alone); -1 for a box
 */
public record Region(int x, int y, int width, int height, int radius) {

  public Region {
    if (radius < 0 && (width < 1 || height < 1)) {
      throw new VesselsegException.Usage("region " + x + "," + y + "," + width + "," + height + " is empty: its "
          + "width and height must be at least 1 pixel");
    }
    if (radius < -1) {
      throw new VesselsegException.Usage("radius " + radius + " must be 0 or more");
    }
  }

  /** The box of {@code width × height} pixels whose top-left pixel is (x, y). */
  public static Region box(int x, int y, int width, int height) {
    return new Region(x, y, width, height, -1);
  }

  /** The pixels within {@code radius} of (x, y) (cut at the photograph's edge). */
  public static Region disc(int x, int y, int radius) {
    if (radius < 0) {
      throw new VesselsegException.Usage("radius " + radius + " must be 0 or more");
    }
    return new Region(x, y, 0, 0, radius);
  }

  /** True for a disc around a point. */
  public boolean isDisc() {
    return radius >= 0;
  }

  /**
   * The region as a 0/1 mask [w*h] of a {@code w × h} photograph.
   *
   * @throws VesselsegException.Usage when a box does not lie inside the photograph, or a disc's centre does not
   */
  public byte[] mask(int w, int h) {
    byte[] m = new byte[w * h];
    if (isDisc()) {
      if (x < 0 || y < 0 || x >= w || y >= h) {
        throw new VesselsegException.Usage("point " + x + "," + y + " lies outside the " + w + "x" + h
            + " photograph: expected 0 <= x < " + w + " and 0 <= y < " + h);
      }
      for (int j = Math.max(0, y - radius); j <= Math.min(h - 1, y + radius); j++) {
        for (int i = Math.max(0, x - radius); i <= Math.min(w - 1, x + radius); i++) {
          if ((long) (i - x) * (i - x) + (long) (j - y) * (j - y) <= (long) radius * radius) {
            m[j * w + i] = 1;
          }
        }
      }
      return m;
    }
    if (x < 0 || y < 0 || (long) x + width > w || (long) y + height > h) {
      throw new VesselsegException.Usage("region " + this + " does not lie inside the " + w + "x" + h
          + " photograph: expected x >= 0, y >= 0, x + width <= " + w + " and y + height <= " + h);
    }
    for (int j = y; j < y + height; j++) {
      java.util.Arrays.fill(m, j * w + x, j * w + x + width, (byte) 1);
    }
    return m;
  }

  /** {@code x,y,w,h} for a box, {@code x,y radius r} for a disc. */
  @Override
  public String toString() {
    return isDisc() ? x + "," + y + " radius " + radius : x + "," + y + "," + width + "," + height;
  }
}
