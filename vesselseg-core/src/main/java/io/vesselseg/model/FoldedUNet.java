package io.vesselseg.model;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.conv_transpose2d;
import static org.bytedeco.pytorch.global.torch.max_pool2d;
import static org.bytedeco.pytorch.global.torch.relu_;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.ConvTranspose2dImpl;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * An inference-only copy of a {@link UNet} in eval mode with every BatchNorm folded into the convolution
 * before it: {@code conv(x, W·γ/σ) + (β − μ·γ/σ)} with {@code σ = sqrt(running_var + eps)}, so each block is
 * two biased convolutions and two in-place ReLUs; the transposed convolutions and the head (no BN follows
 * them) are copied as they are. Every weight is stored channels-last or row-major as asked (channels-last
 * weights with channels-last input could let oneDNN skip layout reorders; not measurably faster here). The
 * weights are fp32 tensors on the U-Net's device, taken at construction (a snapshot: later training does not
 * reach them), owned by this object and freed by {@link #close()}. {@link #forward} takes and returns the
 * same tensors as {@link UNet#forward}; a W-Net's second stage is folded the same way.
 */
final class FoldedUNet implements AutoCloseable {

  /** One conv-BN pair folded to a biased convolution. */
  record FoldedConv(Tensor weight, Tensor bias, TensorOptional biasOpt) {}

  /**
   * Sees the activations of a forward pass, in order ({@link QuantizedUNet#sites(int)} of them): the input,
   * then every convolution's output after its ReLU, and every transposed convolution's output.
   */
  interface Observer {
    void see(int site, Tensor activation);
  }

  private static final long[] ONE = {1, 1};
  private static final long[] PAD1 = {1, 1};
  private static final long[] PAD0 = {0, 0};
  private static final long[] TWO = {2, 2};

  private final UNet source;
  private final List<FoldedConv[]> encoders = new ArrayList<>();
  private final FoldedConv[] bottleneck;
  private final List<FoldedConv[]> decoders = new ArrayList<>();
  private final List<FoldedConv> ups = new ArrayList<>();
  private final FoldedConv head;
  private final MemoryFormat format;
  private final List<Tensor> owned = new ArrayList<>();
  private final FoldedUNet refiner;

  FoldedUNet(UNet net, boolean channelsLast) {
    this.source = net;
    this.format = channelsLast ? MemoryFormat.ChannelsLast : MemoryFormat.Contiguous;
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      for (UNet.Block b : net.encoders()) {
        encoders.add(fold(b));
      }
      bottleneck = fold(net.bottleneck());
      for (UNet.Block b : net.decoders()) {
        decoders.add(fold(b));
      }
      for (ConvTranspose2dImpl up : net.ups()) {
        ups.add(keep(up.weight(), up.bias()));
      }
      head = keep(net.head().weight(), net.head().bias());
    }
    refiner = net.refiner() == null ? null : new FoldedUNet(net.refiner(), channelsLast);
  }

  private FoldedConv[] fold(UNet.Block b) {
    return new FoldedConv[] {fold(b.c1, b.b1), fold(b.c2, b.b2)};
  }

  private FoldedConv fold(Conv2dImpl conv, BatchNorm2dImpl bn) {
    double eps = bn.options().eps().get();
    Tensor scale = bn.weight().div(bn.running_var().add(new org.bytedeco.pytorch.Scalar(eps)).sqrt());
    return keep(conv.weight().mul(scale.view(-1, 1, 1, 1)), bn.bias().sub(bn.running_mean().mul(scale)));
  }

  /** Owned copies of a weight (in this copy's memory format) and a bias. */
  private FoldedConv keep(Tensor weight, Tensor biasValues) {
    Tensor w = weight.detach().clone().contiguous(format); // a copy even when already in that format
    Tensor bias = biasValues.detach().clone();
    TensorOptional opt = new TensorOptional(bias);
    // one more reference each, so closing the scope leaves them alive; close() releases it
    w.retainReference();
    bias.retainReference();
    opt.retainReference();
    owned.add(w);
    owned.add(bias);
    return new FoldedConv(w, bias, opt);
  }

  /** Logits [N,1,H,W] for normalised input [N,3,H,W]; call inside a PointerScope (outputs are its own). */
  Tensor forward(Tensor x) {
    return forward(x, null);
  }

  /** {@link #forward(Tensor)}, showing {@code observer} (when not null) every activation of the U-Net. */
  Tensor forward(Tensor x, Observer observer) {
    Tensor first = UNet.padded(x, 1 << source.architecture().depth(), a -> forwardAligned(a, observer));
    return refiner == null ? first : refiner.forward(UNet.refinerInput(x, first));
  }

  private Tensor forwardAligned(Tensor x, Observer observer) {
    Observer o = observer == null ? (site, t) -> { } : observer;
    int[] site = {0};
    o.see(site[0]++, x);
    List<Tensor> skips = new ArrayList<>();
    Tensor y = x;
    for (FoldedConv[] enc : encoders) {
      y = block(enc, y, o, site);
      skips.add(y);
      y = max_pool2d(y, 2, 2);
    }
    y = block(bottleneck, y, o, site);
    for (int i = 0; i < ups.size(); i++) {
      Tensor skip = skips.get(skips.size() - 1 - i);
      FoldedConv up = ups.get(i);
      y = conv_transpose2d(y, up.weight(), up.biasOpt(), TWO, PAD0, PAD0, 1, ONE);
      o.see(site[0]++, y);
      y = block(decoders.get(i), cat(new TensorVector(skip, y), 1), o, site);
    }
    return conv2d(y, head.weight(), head.biasOpt(), ONE, PAD0, ONE, 1);
  }

  private static Tensor block(FoldedConv[] b, Tensor x, Observer o, int[] site) {
    Tensor y = relu_(conv2d(x, b[0].weight(), b[0].biasOpt(), ONE, PAD1, ONE, 1));
    o.see(site[0]++, y);
    y = relu_(conv2d(y, b[1].weight(), b[1].biasOpt(), ONE, PAD1, ONE, 1));
    o.see(site[0]++, y);
    return y;
  }

  UNet source() {
    return source;
  }

  List<FoldedConv[]> encoders() {
    return encoders;
  }

  FoldedConv[] bottleneck() {
    return bottleneck;
  }

  List<FoldedConv[]> decoders() {
    return decoders;
  }

  List<FoldedConv> ups() {
    return ups;
  }

  FoldedConv head() {
    return head;
  }

  boolean hasRefiner() {
    return refiner != null;
  }

  @Override
  public void close() {
    for (FoldedConv[] b : encoders) {
      closeAll(b);
    }
    closeAll(bottleneck);
    for (FoldedConv[] b : decoders) {
      closeAll(b);
    }
    closeAll(ups.toArray(FoldedConv[]::new));
    closeAll(new FoldedConv[] {head});
    owned.forEach(Tensor::close);
    owned.clear();
    if (refiner != null) {
      refiner.close();
    }
  }

  private static void closeAll(FoldedConv[] b) {
    for (FoldedConv c : b) {
      c.biasOpt().close();
    }
  }
}
