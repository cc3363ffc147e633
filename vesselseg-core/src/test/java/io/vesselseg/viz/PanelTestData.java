package io.vesselseg.viz;

import io.vesselseg.data.Sample;
import java.util.Arrays;

/** A 10×8 test image where known pixels are TP, FP, FN, TN and outside-FOV at threshold 0.5. */
public final class PanelTestData {

  public static final int W = 10;
  public static final int H = 8;
  public static final int TP = 11;
  public static final int FP = 12;
  public static final int FN = 13;
  public static final int TN = 14;
  /** Outside the FOV, predicted and true: must not be coloured. */
  public static final int OUT = 0;

  private PanelTestData() {}

  public static Sample sample() {
    float[] rgb = new float[3 * W * H];
    Arrays.fill(rgb, 0.6f);
    byte[] truth = new byte[W * H];
    byte[] fov = new byte[W * H];
    Arrays.fill(fov, (byte) 1);
    fov[OUT] = 0;
    truth[TP] = 1;
    truth[FN] = 1;
    truth[OUT] = 1;
    return new Sample("img", W, H, rgb, truth, null, fov, false);
  }

  public static float[] prob() {
    float[] p = new float[W * H];
    Arrays.fill(p, 0.1f);
    p[TP] = 0.9f;
    p[FP] = 0.7f;
    p[OUT] = 0.95f;
    return p;
  }
}
