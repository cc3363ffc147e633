package io.vesselseg.model;

import io.vesselseg.VesselsegException;

/**
 * Shape of the net: a U-Net of {@code depth} down-sampling levels and {@code baseChannels} feature maps at full
 * resolution (doubled at each level), RGB input, one logit channel out; and, when {@code refineDepth > 0}, a
 * second U-Net ({@code refineDepth} levels, {@code refineChannels} maps) that reads the photograph and the
 * first's vessel probability and gives the prediction (a W-Net, as Galdran et al.'s "Little W-Net").
 */
public record Architecture(int depth, int baseChannels, int refineDepth, int refineChannels) {

  /** {@link #defaults()}'s levels. */
  public static final int DEPTH = 4;
  /** {@link #defaults()}'s channels at full resolution. */
  public static final int BASE_CHANNELS = 16;

  public Architecture {
    checkStage("U-Net", depth, baseChannels);
    if (refineDepth != 0 || refineChannels != 0) {
      checkStage("second-stage U-Net (--refine)", refineDepth, refineChannels);
    }
  }

  /** A plain U-Net, no second stage. */
  public Architecture(int depth, int baseChannels) {
    this(depth, baseChannels, 0, 0);
  }

  private static void checkStage(String what, int depth, int channels) {
    if (depth < 1 || depth > 6) {
      throw new VesselsegException.Usage(what + " depth " + depth + " is out of range: expected 1..6");
    }
    if (channels < 2 || channels > 128) {
      throw new VesselsegException.Usage(
          what + " base channels " + channels + " is out of range: expected 2..128");
    }
  }

  /** The 4-level, 16-channel U-Net (1.94 M parameters) that the design notes measured. */
  public static Architecture defaults() {
    return new Architecture(DEPTH, BASE_CHANNELS);
  }

  /** True when a second U-Net refines the first's probabilities. */
  public boolean refined() {
    return refineDepth > 0;
  }

  /** The model-file and run.json name of this shape: {@code wnet} when refined, else {@code unet}. */
  public String type() {
    return refined() ? "wnet" : "unet";
  }

  /** The second stage's own shape (a plain U-Net); only when {@link #refined()}. */
  Architecture refiner() {
    return new Architecture(refineDepth, refineChannels);
  }

  /** Input sides are padded to a multiple of this (2^depth of the deeper stage). */
  public int multiple() {
    return 1 << Math.max(depth, refineDepth);
  }

  /** "unet depth 4, 16 channels", plus the second stage when there is one. */
  @Override
  public String toString() {
    String s = "unet depth " + depth + ", " + baseChannels + " channels";
    return refined() ? s + " + refiner depth " + refineDepth + ", " + refineChannels + " channels" : s;
  }
}
