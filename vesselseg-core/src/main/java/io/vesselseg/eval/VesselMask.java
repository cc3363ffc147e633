package io.vesselseg.eval;

/**
 * The decision rule that turns a probability map into a vessel mask, in one place: a pixel is a vessel when
 * its probability is at least the threshold and it lies inside the field of view. Scoring ({@link Confusion},
 * {@link ScoreCollector}), pictures and predictions all follow it.
 */
public final class VesselMask {

  private VesselMask() {}

  /** Whether a pixel of probability {@code p} is called a vessel at {@code threshold}. */
  public static boolean isVessel(float p, float threshold) {
    return p >= threshold;
  }

  /**
   * The mask (h*w, row-major, 0/1) of {@code prob} at {@code threshold}, zero outside {@code fov} (0/1; null:
   * everywhere is inside).
   */
  public static byte[] of(float[] prob, float threshold, byte[] fov) {
    byte[] m = new byte[prob.length];
    for (int i = 0; i < prob.length; i++) {
      m[i] = (byte) ((fov == null || fov[i] != 0) && isVessel(prob[i], threshold) ? 1 : 0);
    }
    return m;
  }
}
