package io.vesselseg.data;

import io.vesselseg.VesselsegException;
import java.util.Arrays;
import java.util.List;

/**
 * What the network's three input channels hold, computed from the photograph at the scale the network sees
 * it (before normalisation). A model records its choice, so inference prepares images the way training did.
 */
public enum InputChannels {
  /** The photograph's red, green and blue. */
  RGB("rgb"),
  /**
   * Red, green, and in place of blue (the noisiest, least informative channel of a fundus photograph) the
   * green channel after CLAHE (8x8 tiles, clip limit 2): thin vessels in dark or hazy regions get contrast.
   */
  RG_CLAHE("rg-clahe");

  private final String label;

  InputChannels(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** Every label, in declaration order. */
  public static List<String> labels() {
    return Arrays.stream(values()).map(InputChannels::label).toList();
  }

  /** The choice named {@code label}. */
  public static InputChannels parse(String label) {
    for (InputChannels c : values()) {
      if (c.label.equals(label)) {
        return c;
      }
    }
    throw new VesselsegException.Usage("input channels '" + label + "' are not known: expected one of "
        + labels());
  }

  /** The network input for planar RGB [3,h,w] in [0,1] (the array itself for {@link #RGB}). */
  public float[] apply(float[] rgb, int w, int h) {
    if (this == RGB) {
      return rgb;
    }
    int n = w * h;
    float[] out = rgb.clone();
    float[] green = Arrays.copyOfRange(rgb, n, 2 * n);
    System.arraycopy(Clahe.equalize(green, w, h, 8, 2.0), 0, out, 2 * n, n);
    return out;
  }

  /** {@code s} with its photograph replaced by this input (masks unchanged). */
  public Sample apply(Sample s) {
    return this == RGB ? s : new Sample(s.id(), s.width(), s.height(), apply(s.rgb(), s.width(), s.height()),
        s.vessel(), s.vessel2(), s.fov(), s.fovEstimated());
  }
}
