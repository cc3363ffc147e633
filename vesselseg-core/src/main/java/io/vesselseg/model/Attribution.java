package io.vesselseg.model;

import static org.bytedeco.pytorch.global.torch.from_blob;
import static org.bytedeco.pytorch.global.torch.grad;
import static org.bytedeco.pytorch.global.torch.upsample_bilinear2d;

import io.vesselseg.VesselsegException;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Why one member of a network calls a region a vessel: attribution maps for the <b>target</b> T(x) = the sum
 * of the member's vessel logits over the region's pixels. Every map is at the network input's size [h,w]
 * (row-major) for an input as the network reads it: the photograph's channels ({@code InputChannels}) at the
 * network's scale, raw in [0,1], planar [3,h,w]; it is normalised here as {@link Network#input} does.
 *
 * <ul>
 *   <li>{@link #gradCam} (Seg-Grad-CAM, Vinogradova et al. 2020): for the activations A [K,h',w'] of the
 *       bottleneck or of the half-resolution decoder block, w_k = spatial mean of dT/dA_k, map = ReLU(Σ w_k
 *       A_k), upsampled bilinearly to [h,w]; non-negative.</li>
 *   <li>{@link #integratedGradients} (Sundararajan et al. 2017): baseline x' = 0 in the normalised space (the
 *       training set's mean colour everywhere: a flat picture without vessels); per pixel, Σ over channels of
 *       (x − x') · mean of dT/dx at x' + α(x − x'), α at the midpoints of {@code steps} equal intervals;
 *       signed, and its sum approximates T(x) − T(x') (completeness).</li>
 *   <li>{@link #smoothGrad} (Smilkov et al. 2017): dT/dx averaged over {@code samples} copies of x plus
 *       Gaussian noise of σ = {@code sigma} × (max − min of the normalised input); per pixel, Σ over channels;
 *       signed (pictures show its magnitude).</li>
 * </ul>
 * Gradients are computed in fp32 with the trainable module in eval mode (BatchNorm uses its running
 * statistics), without test-time augmentation and without autocast, on the network's device. Several
 * interpolation steps or noisy copies go through the network together, up to {@link #BATCH_PIXELS} pixels per
 * pass. Every tensor lives in one PointerScope per call; only Java arrays leave.
 */
public final class Attribution {

  /**
   * Network inputs above this many pixels are refused: a backward pass keeps every activation (a DRIVE
   * photograph, 0.33 M pixels, in batches of 3 peaked at 3.6 GB resident for the built-in U-Net, JVM included);
   * photographs rescaled to DRIVE's FOV diameter are ~0.33 M pixels.
   */
  public static final long MAX_PIXELS = 2_000_000L;
  /** Pixels per batched pass for integrated gradients and SmoothGrad (3 DRIVE-sized copies). */
  public static final long BATCH_PIXELS = 1_000_000L;

  /** The activations Seg-Grad-CAM reads. */
  public enum Layer {
    /** The bottleneck block's output: the coarsest, most semantic features (1/2^depth of the size). */
    BOTTLENECK,
    /**
     * The output of the decoder block at half resolution ({@code dec1}; {@code dec0} for a one-level net). The
     * full-resolution block feeds the 1×1 head directly, so its Grad-CAM would only repeat the logit map.
     */
    DECODER
  }

  /** Integrated gradients' per-pixel map and the two ends of the path, T(input) and T(baseline). */
  public record Integrated(float[] map, double inputTarget, double baselineTarget) {}

  private final Network network;
  private final UNet module;
  private final int member;

  /** Explains member {@code member} (0-based) of {@code network}, which stays the caller's to close. */
  public Attribution(Network network, int member) {
    if (member < 0 || member >= network.members()) {
      throw new VesselsegException.Usage("member " + member + " does not exist: this model has "
          + network.members() + " network" + (network.members() == 1 ? " (member 0)" : "s (members 0.."
          + (network.members() - 1) + ")"));
    }
    this.network = network;
    this.module = network.module(member);
    this.member = member;
  }

  /** Which member is explained. */
  public int member() {
    return member;
  }

  /** T(input): the sum of the member's logits over the region (eval mode, fp32). */
  public double target(float[] input, int h, int w, byte[] region) {
    check(input, h, w, region);
    try (PointerScope scope = new PointerScope()) {
      module.eval();
      Tensor x = network.input(input, 1, h, w).contiguous();
      return target(module.forward(x), regionTensor(region, h, w)).item_double();
    }
  }

  /** Seg-Grad-CAM map [h*w], non-negative, of the activations of {@code layer}. */
  public float[] gradCam(float[] input, int h, int w, byte[] region, Layer layer) {
    check(input, h, w, region);
    try (PointerScope scope = new PointerScope()) {
      module.eval();
      Tensor x = network.input(input, 1, h, w).contiguous().requires_grad_(true);
      Map<String, Tensor> taps = new HashMap<>();
      Tensor logits = module.forward(x, taps);
      int depth = module.architecture().refined() ? module.architecture().refineDepth()
          : module.architecture().depth();
      Tensor a = taps.get(layer == Layer.BOTTLENECK ? "bottleneck" : depth > 1 ? "dec1" : "dec0");
      Tensor g = grad(new TensorVector(target(logits, regionTensor(region, h, w))), new TensorVector(a)).get(0);
      Tensor weights = g.mean(new long[] {2, 3}, true, new ScalarTypeOptional());
      Tensor cam = a.mul(weights).sum(new long[] {1}, true, new ScalarTypeOptional()).relu();
      int m = 1 << depth;
      long hp = (h + m - 1) / m * m;
      long wp = (w + m - 1) / m * m;
      Tensor up = upsample_bilinear2d(cam.detach(), new long[] {hp, wp}, false);
      return Network.toArray(up.narrow(2, (hp - h) / 2, h).narrow(3, (wp - w) / 2, w));
    }
  }

  /** Integrated gradients from the normalised-zero baseline, {@code steps} midpoint steps. */
  public Integrated integratedGradients(float[] input, int h, int w, byte[] region, int steps) {
    check(input, h, w, region);
    if (steps < 1) {
      throw new VesselsegException.Usage("integrated gradients need at least 1 step, not " + steps);
    }
    try (PointerScope scope = new PointerScope()) {
      module.eval();
      Tensor mask = regionTensor(region, h, w);
      float[] x = Network.toArray(network.input(input, 1, h, w));
      float[] sum = new float[x.length];
      int batch = batch(h, w, steps);
      for (int k0 = 0; k0 < steps; k0 += batch) {
        int n = Math.min(batch, steps - k0);
        float[] path = new float[n * x.length];
        for (int j = 0; j < n; j++) {
          float alpha = (float) ((k0 + j + 0.5) / steps);
          for (int i = 0; i < x.length; i++) {
            path[j * x.length + i] = alpha * x[i];
          }
        }
        addGradients(path, n, h, w, mask, sum);
      }
      float[] map = new float[h * w];
      for (int c = 0; c < 3; c++) {
        for (int i = 0; i < map.length; i++) {
          map[i] += x[c * map.length + i] * sum[c * map.length + i] / steps;
        }
      }
      Tensor zero = from_blob(new FloatPointer(new float[3 * h * w]), new long[] {1, 3, h, w})
          .to(network.nativeDevice(), ScalarType.Float);
      double baseline = target(module.forward(zero), mask).item_double();
      double end = target(module.forward(from_blob(new FloatPointer(x), new long[] {1, 3, h, w})
          .to(network.nativeDevice(), ScalarType.Float)), mask).item_double();
      return new Integrated(map, end, baseline);
    }
  }

  /** SmoothGrad map [h*w], signed: {@code samples} noisy copies, noise σ = sigma × input range. */
  public float[] smoothGrad(float[] input, int h, int w, byte[] region, int samples, double sigma, long seed) {
    check(input, h, w, region);
    if (samples < 1 || !(sigma >= 0)) {
      throw new VesselsegException.Usage("SmoothGrad needs at least 1 sample and sigma >= 0, not " + samples
          + " and " + sigma);
    }
    try (PointerScope scope = new PointerScope()) {
      module.eval();
      Tensor mask = regionTensor(region, h, w);
      float[] x = Network.toArray(network.input(input, 1, h, w));
      float lo = Float.POSITIVE_INFINITY;
      float hi = Float.NEGATIVE_INFINITY;
      for (float v : x) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      double noise = sigma * (hi - lo);
      SplittableRandom rng = new SplittableRandom(seed);
      float[] sum = new float[x.length];
      int batch = batch(h, w, samples);
      for (int k0 = 0; k0 < samples; k0 += batch) {
        int n = Math.min(batch, samples - k0);
        float[] noisy = new float[n * x.length];
        for (int i = 0; i < noisy.length; i++) {
          noisy[i] = (float) (x[i % x.length] + noise * gaussian(rng));
        }
        addGradients(noisy, n, h, w, mask, sum);
      }
      float[] map = new float[h * w];
      for (int c = 0; c < 3; c++) {
        for (int i = 0; i < map.length; i++) {
          map[i] += sum[c * map.length + i] / samples;
        }
      }
      return map;
    }
  }

  /** Adds dT/dx of each of the {@code n} normalised inputs [n,3,h,w] to {@code sum} [3,h,w]. */
  private void addGradients(float[] batch, int n, int h, int w, Tensor mask, float[] sum) {
    try (PointerScope scope = new PointerScope()) {
      Tensor x = from_blob(new FloatPointer(batch), new long[] {n, 3, h, w})
          .to(network.nativeDevice(), ScalarType.Float).requires_grad_(true);
      Tensor g = grad(new TensorVector(target(module.forward(x), mask)), new TensorVector(x)).get(0);
      float[] per = Network.toArray(g.sum(new long[] {0}, false, new ScalarTypeOptional()));
      for (int i = 0; i < sum.length; i++) {
        sum[i] += per[i];
      }
    }
  }

  /** Σ over the batch and the region of the logits [n,1,h,w]; the mask is [1,1,h,w]. */
  private static Tensor target(Tensor logits, Tensor mask) {
    return logits.to(ScalarType.Float).mul(mask).sum();
  }

  private Tensor regionTensor(byte[] region, int h, int w) {
    float[] m = new float[h * w];
    for (int i = 0; i < m.length; i++) {
      m[i] = region[i] != 0 ? 1f : 0f;
    }
    return from_blob(new FloatPointer(m), new long[] {1, 1, h, w}).to(network.nativeDevice(), ScalarType.Float);
  }

  private static int batch(int h, int w, int count) {
    return (int) Math.max(1, Math.min(count, BATCH_PIXELS / ((long) h * w)));
  }

  private static double gaussian(SplittableRandom rng) {
    double u = 1 - rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
  }

  private static void check(float[] input, int h, int w, byte[] region) {
    if ((long) h * w > MAX_PIXELS) {
      throw new VesselsegException.Usage("the network input is " + w + "x" + h + " = " + (long) w * h
          + " pixels; explanations take at most " + MAX_PIXELS + " (memory for the backward pass): let the "
          + "photograph be rescaled to the model's scale, or crop it");
    }
    if (input.length != 3 * h * w || region.length != h * w) {
      throw new IllegalArgumentException("input " + w + "x" + h + " needs " + 3 * h * w + " values and a region of "
          + h * w + ", got " + input.length + " and " + region.length);
    }
    boolean any = false;
    for (byte b : region) {
      any |= b != 0;
    }
    if (!any) {
      throw new VesselsegException.Usage("the region is empty at the network's scale: choose a larger one");
    }
  }
}
