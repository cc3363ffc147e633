package io.vesselseg.model;

import static org.bytedeco.pytorch.global.torch.bernoulli;
import static org.bytedeco.pytorch.global.torch.max_pool2d;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * DropBlock (Ghiasi et al., NeurIPS 2018), the structured dropout SA-UNet puts after every convolution of its
 * U-Net: during training, square blocks of each feature map are zeroed and the rest rescaled so the mean is
 * kept. Block centres are drawn per sample with probability γ = rate / s² · HW / ((H−s+1)(W−s+1)), so about
 * {@code rate} of the map is dropped; the block side s is {@link #BLOCK} (SA-UNet's 7), clipped to the largest
 * odd side the map has. One mask serves all channels of a sample (the paper's shared-mask variant): a mask per
 * channel made training steps 3× slower on a 2-core CPU (9.4 vs ~27 patches/s of 96²), for the draws and the
 * 7×7 max-pooling of every activation. Draws from libtorch's global RNG (see {@link TrainStep#seedNoise}).
 */
final class DropBlock {

  /** Side of a dropped block on maps large enough for it (SA-UNet's choice). */
  static final int BLOCK = 7;

  private DropBlock() {}

  /** {@code x} [N,C,H,W] with blocks dropped at {@code rate} (0 returns {@code x} itself). */
  static Tensor apply(Tensor x, double rate) {
    if (rate <= 0) {
      return x;
    }
    long h = x.size(2);
    long w = x.size(3);
    long side = Math.min(BLOCK, Math.min(h, w));
    if (side % 2 == 0) {
      side--;
    }
    double gamma = rate / (side * side) * (h * w) / ((double) (h - side + 1) * (w - side + 1));
    Tensor centres = bernoulli(x.detach().narrow(1, 0, 1), Math.min(1.0, gamma)); // [N,1,H,W]
    long pad = side / 2;
    Tensor dropped = max_pool2d(centres, new long[] {side, side}, new long[] {1, 1}, new long[] {pad, pad},
        new long[] {1, 1}, false);
    Tensor keep = dropped.neg().add(new Scalar(1.0));
    Tensor kept = keep.sum().clamp_min(new Scalar(1.0));
    return x.mul(keep).mul(new Scalar((double) keep.numel())).div(kept);
  }
}
