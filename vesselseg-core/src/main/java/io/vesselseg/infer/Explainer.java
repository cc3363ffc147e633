package io.vesselseg.infer;

import io.vesselseg.data.Resize;
import io.vesselseg.model.Attribution;
import io.vesselseg.model.Network;

/**
 * Attribution maps of a photograph at its own size: the photograph goes through {@link Predictor#input} (the
 * model's scale and input channels, as a prediction does), the region is carried to that scale, the
 * {@link Attribution} engine runs there, and its maps are resampled (bilinear) back to the photograph.
 */
public final class Explainer {

  /** The methods (io.vesselseg.Explanation.Method has the same names). */
  public enum Method {
    GRAD_CAM, INTEGRATED_GRADIENTS, SMOOTH_GRAD
  }

  /**
   * One map at the photograph's size and what it was computed from.
   *
   * @param map            [height*width] row-major; Grad-CAM non-negative, IG and SmoothGrad signed
   * @param target         T(x): the member's logits summed over the region, at the network's scale
   * @param baselineTarget T(baseline) for IG, NaN for the others
   * @param mapSum         the sum of the map at the network's scale (for IG ≈ target − baselineTarget)
   * @param inputWidth     the network input's width (the photograph's unless rescaled)
   * @param inputHeight    the network input's height
   */
  public record Map(float[] map, double target, double baselineTarget, double mapSum, int inputWidth,
      int inputHeight) {}

  private final Attribution engine;
  private final Predictor predictor;
  private final double fovDiameter;

  /** Explains member {@code member} of the network {@code predictor} runs; {@code fovDiameter} as predictions. */
  public Explainer(Network network, Predictor predictor, int member, double fovDiameter) {
    this.engine = new Attribution(network, member);
    this.predictor = predictor;
    this.fovDiameter = fovDiameter;
  }

  /**
   * A map of {@code method} for the photograph (planar RGB [3,h,w] in [0,1]) and region (0/1 [h*w]).
   *
   * @param layer   Grad-CAM's layer
   * @param steps   IG's steps
   * @param samples SmoothGrad's noisy copies, {@code sigma} its noise (share of the input's range), {@code seed}
   *                its random seed
   */
  public Map explain(Predictor.Photo photo, byte[] region, Method method, Attribution.Layer layer, int steps,
      int samples, double sigma, long seed) {
    Predictor.Input in = predictor.input(photo, fovDiameter);
    int w = photo.width();
    int h = photo.height();
    int nw = in.width();
    int nh = in.height();
    byte[] r = nw == w && nh == h ? region : scaled(region, w, h, nw, nh);
    double target = engine.target(in.channels(), nh, nw, r);
    double baseline = Double.NaN;
    float[] map;
    switch (method) {
      case GRAD_CAM -> map = engine.gradCam(in.channels(), nh, nw, r, layer);
      case INTEGRATED_GRADIENTS -> {
        Attribution.Integrated ig = engine.integratedGradients(in.channels(), nh, nw, r, steps);
        map = ig.map();
        baseline = ig.baselineTarget();
      }
      case SMOOTH_GRAD -> map = engine.smoothGrad(in.channels(), nh, nw, r, samples, sigma, seed);
      default -> throw new IllegalArgumentException(method.toString());
    }
    double sum = 0;
    for (float v : map) {
      sum += v;
    }
    float[] out = nw == w && nh == h ? map : Resize.bilinear(map, 1, nw, nh, w, h);
    return new Map(out, target, baseline, sum, nw, nh);
  }

  /** The region at another size: pixels at least half covered, or (for a tiny one) every touched pixel. */
  static byte[] scaled(byte[] region, int w, int h, int nw, int nh) {
    float[] f = new float[region.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = region[i] != 0 ? 1 : 0;
    }
    float[] s = Resize.bilinear(f, 1, w, h, nw, nh);
    byte[] out = new byte[s.length];
    int count = 0;
    for (int i = 0; i < s.length; i++) {
      out[i] = (byte) (s[i] >= 0.5f ? 1 : 0);
      count += out[i];
    }
    if (count == 0) {
      float max = 0;
      for (float v : s) {
        max = Math.max(max, v);
      }
      for (int i = 0; i < s.length; i++) {
        out[i] = (byte) (max > 0 && s[i] >= max * 0.999f ? 1 : 0);
      }
    }
    return out;
  }
}
