package io.vesselseg.data;

/**
 * A decoded colour image: planar CHW floats in [0,1] (R plane, then G, then B), row-major within each
 * plane, length {@code 3 * width * height}.
 *
 * @param width  image width in pixels
 * @param height image height in pixels
 * @param chw    the pixel values, R plane first
 */
public record RgbImage(int width, int height, float[] chw) {

  public RgbImage {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("image size " + width + "x" + height + " must be positive");
    }
    if (chw == null || chw.length != 3 * width * height) {
      throw new IllegalArgumentException("image " + width + "x" + height + " needs " + 3 * width * height
          + " CHW values, got " + (chw == null ? "null" : chw.length));
    }
  }

  /** Number of pixels ({@code width * height}). */
  public int pixels() {
    return width * height;
  }
}
