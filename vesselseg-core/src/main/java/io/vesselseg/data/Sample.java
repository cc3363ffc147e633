package io.vesselseg.data;

/**
 * One colour fundus photograph with its annotations, all in row-major order.
 *
 * @param id           a short name (e.g. "01_test"), used in reports and output file names
 * @param rgb          planar CHW floats in [0,1], length {@code 3 * width * height} (R plane, G plane, B plane)
 * @param vessel       reference vessel mask (1st observer), {@code width * height} bytes of 0/1, or null when
 *                     the image is unlabelled
 * @param vessel2      second observer's mask (0/1), or null when absent
 * @param fov          field-of-view mask (0/1), never null (estimated from the photograph when not given)
 * @param fovEstimated true when {@code fov} was estimated rather than read from a file
 */
public record Sample(
    String id,
    int width,
    int height,
    float[] rgb,
    byte[] vessel,
    byte[] vessel2,
    byte[] fov,
    boolean fovEstimated) {

  public Sample {
    int n = width * height;
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("sample " + id + ": size " + width + "x" + height + " must be positive");
    }
    if (rgb.length != 3 * n) {
      throw new IllegalArgumentException("sample " + id + ": rgb has " + rgb.length + " values, expected " + 3 * n);
    }
    checkMask(id, "vessel", vessel, n);
    checkMask(id, "vessel2", vessel2, n);
    if (fov == null) {
      throw new IllegalArgumentException("sample " + id + ": fov mask is required");
    }
    checkMask(id, "fov", fov, n);
  }

  private static void checkMask(String id, String name, byte[] mask, int n) {
    if (mask != null && mask.length != n) {
      throw new IllegalArgumentException(
          "sample " + id + ": " + name + " mask has " + mask.length + " pixels, expected " + n);
    }
  }

  public int pixels() {
    return width * height;
  }
}
