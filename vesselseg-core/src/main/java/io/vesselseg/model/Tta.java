package io.vesselseg.model;

/**
 * Test-time augmentation: the prediction is the mean of the network's probabilities over transformed copies
 * of the input, each mapped back. The U-Net is not equivariant to flips or transposes, so averaging removes
 * part of its orientation bias.
 */
public enum Tta {
  /** One pass. */
  NONE(1),
  /** Identity, horizontal, vertical and both flips. */
  FLIPS(4),
  /** The eight symmetries of the square: the four flips, each with and without a transpose. */
  D8(8);

  private final int passes;

  Tta(int passes) {
    this.passes = passes;
  }

  /** Forward passes per image. */
  public int passes() {
    return passes;
  }

  /** The name used on the command line and in reports: none, flips, d8. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
