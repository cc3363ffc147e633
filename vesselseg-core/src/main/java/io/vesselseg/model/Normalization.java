package io.vesselseg.model;

/**
 * Per-channel mean and standard deviation (on [0,1] pixel values) that inputs are normalised with before the
 * first convolution, computed over the FOV pixels of the training images, and what those three input
 * channels hold ({@code channels}: the label of an {@code io.vesselseg.data.InputChannels}, "rgb" unless the
 * model was trained on another input).
 */
public record Normalization(float[] mean, float[] std, String channels) {

  /** Statistics of plain RGB input. */
  public Normalization(float[] mean, float[] std) {
    this(mean, std, "rgb");
  }

  public Normalization {
    if (channels == null || channels.isBlank()) {
      throw new IllegalArgumentException("normalisation needs the input channels' name");
    }
    if (mean.length != 3 || std.length != 3) {
      throw new IllegalArgumentException("normalisation needs 3 means and 3 stds");
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("normalisation std must be positive, got " + s);
      }
    }
  }

  /** Identity-like statistics for untrained models. */
  public static Normalization unit() {
    return new Normalization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
  }
}
