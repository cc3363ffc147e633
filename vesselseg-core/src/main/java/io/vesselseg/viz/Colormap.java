package io.vesselseg.viz;

/**
 * The perceptually uniform "viridis" colour map (dark purple → blue → green → yellow) as a 256-entry
 * lookup table, interpolated from eleven evenly spaced samples of matplotlib's viridis.
 */
public final class Colormap {

  private static final int[] ANCHORS = {0x440154, 0x482475, 0x414487, 0x355F8D, 0x2A788E, 0x21918C,
      0x22A884, 0x44BF70, 0x7AD151, 0xBDDF26, 0xFDE725};
  private static final int[] LUT = new int[256];

  static {
    for (int i = 0; i < 256; i++) {
      double t = i / 255.0 * (ANCHORS.length - 1);
      int k = Math.min((int) t, ANCHORS.length - 2);
      double f = t - k;
      LUT[i] = mix(ANCHORS[k], ANCHORS[k + 1], f);
    }
  }

  private Colormap() {}

  /** The viridis colour (0xRRGGBB) of {@code v}, clamped to [0,1]; NaN maps to 0. */
  public static int viridis(float v) {
    float c = Float.isNaN(v) ? 0f : Math.min(1f, Math.max(0f, v));
    return LUT[Math.round(c * 255f)];
  }

  private static int mix(int a, int b, double f) {
    int r = (int) Math.round(((a >> 16) & 0xff) * (1 - f) + ((b >> 16) & 0xff) * f);
    int g = (int) Math.round(((a >> 8) & 0xff) * (1 - f) + ((b >> 8) & 0xff) * f);
    int bl = (int) Math.round((a & 0xff) * (1 - f) + (b & 0xff) * f);
    return (r << 16) | (g << 8) | bl;
  }
}
