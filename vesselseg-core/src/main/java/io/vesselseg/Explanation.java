package io.vesselseg;

import java.util.Objects;

/**
 * An attribution map from {@link VesselSegmenter#explain}: which pixels of a photograph the model's vessel
 * logits over a {@link Region} depend on. docs/explain.md says what each method means and how it was checked.
 *
 * @param method         how it was computed
 * @param settings       with what
 * @param width          the photograph's width
 * @param height         the photograph's height
 * @param map            [height*width] row-major, at the photograph's size: Grad-CAM ≥ 0; integrated gradients
 *                       and SmoothGrad signed (positive: this pixel's value raises the region's vessel logits)
 * @param target         the explained member's vessel logits summed over the region (at the network's scale)
 * @param baselineTarget the same for integrated gradients' baseline (the training set's mean colour
 *                       everywhere); NaN for the other methods
 * @param mapSum         the map's sum at the network's scale: for integrated gradients ≈ target − baselineTarget
 * @param inputWidth     the width the network read the photograph at (its own unless rescaled)
 * @param inputHeight    the height the network read it at
 * @param seconds        wall time of the call
 */
public record Explanation(Method method, Settings settings, int width, int height, float[] map, double target,
    double baselineTarget, double mapSum, int inputWidth, int inputHeight, double seconds) {

  /** Attribution methods. */
  public enum Method {
    /** Seg-Grad-CAM (Vinogradova et al. 2020) on {@link Settings#layer()}. */
    GRAD_CAM("gradcam"),
    /** Integrated gradients (Sundararajan et al. 2017) on the input. */
    INTEGRATED_GRADIENTS("ig"),
    /** SmoothGrad (Smilkov et al. 2017) on the input. */
    SMOOTH_GRAD("smoothgrad");

    private final String label;

    Method(String label) {
      this.label = label;
    }

    /** The name on the command line and in files: gradcam, ig, smoothgrad. */
    public String label() {
      return label;
    }

    /** The method labelled {@code label}. */
    public static Method parse(String label) {
      for (Method m : values()) {
        if (m.label.equals(label)) {
          return m;
        }
      }
      throw new VesselsegException.Usage("method '" + label + "' is not known: expected gradcam, ig or smoothgrad");
    }
  }

  /** Seg-Grad-CAM's layers. */
  public enum Layer {
    /** The bottleneck block's output. */
    BOTTLENECK,
    /** The decoder block at half resolution. */
    DECODER;

    /** The method labelled {@code label}: bottleneck or decoder. */
    public static Layer parse(String label) {
      for (Layer l : values()) {
        if (l.name().equalsIgnoreCase(label)) {
          return l;
        }
      }
      throw new VesselsegException.Usage("layer '" + label + "' is not known: expected bottleneck or decoder");
    }
  }

  /**
   * @param member  which network of an ensemble is explained (0-based; its maps are not averaged over members)
   * @param layer   Grad-CAM's layer
   * @param steps   integrated gradients' steps
   * @param samples SmoothGrad's noisy copies
   * @param sigma   SmoothGrad's noise, as a share of the normalised input's range
   * @param seed    SmoothGrad's random seed
   */
  public record Settings(int member, Layer layer, int steps, int samples, double sigma, long seed) {

    public Settings {
      Objects.requireNonNull(layer, "layer");
      if (member < 0) {
        throw new VesselsegException.Usage("member " + member + " must be 0 or more");
      }
      if (steps < 1 || steps > 1024) {
        throw new VesselsegException.Usage("steps " + steps + " must be in 1..1024");
      }
      if (samples < 1 || samples > 1024) {
        throw new VesselsegException.Usage("samples " + samples + " must be in 1..1024");
      }
      if (!(sigma >= 0 && sigma <= 1)) {
        throw new VesselsegException.Usage("sigma " + sigma + " must be in [0, 1]");
      }
    }

    /** Member 0, the bottleneck, 32 steps, 16 samples, sigma 0.15, seed 0. */
    public static Settings defaults() {
      return new Settings(0, Layer.BOTTLENECK, 32, 16, 0.15, 0);
    }

    public Settings withMember(int m) {
      return new Settings(m, layer, steps, samples, sigma, seed);
    }

    public Settings withLayer(Layer l) {
      return new Settings(member, l, steps, samples, sigma, seed);
    }

    public Settings withSteps(int s) {
      return new Settings(member, layer, s, samples, sigma, seed);
    }

    public Settings withSamples(int s) {
      return new Settings(member, layer, steps, s, sigma, seed);
    }
  }
}
