package io.vesselseg.model;

import io.vesselseg.VesselsegException;

/**
 * Shape of the U-Net: {@code depth} down-sampling levels, {@code baseChannels} feature maps at full
 * resolution (doubled at each level), RGB input, one logit channel out.
 */
public record Architecture(int depth, int baseChannels) {

  public Architecture {
    if (depth < 1 || depth > 6) {
      throw new VesselsegException.Usage("U-Net depth " + depth + " is out of range: expected 1..6");
    }
    if (baseChannels < 4 || baseChannels > 128) {
      throw new VesselsegException.Usage(
          "U-Net base channels " + baseChannels + " is out of range: expected 4..128");
    }
  }

  /** The 4-level, 16-channel U-Net (1.94 M parameters) that the design notes measured. */
  public static Architecture defaults() {
    return new Architecture(4, 16);
  }

  /** Input sides are padded to a multiple of this (2^depth). */
  public int multiple() {
    return 1 << depth;
  }
}
