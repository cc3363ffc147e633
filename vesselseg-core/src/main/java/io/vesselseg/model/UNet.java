package io.vesselseg.model;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.max_pool2d;
import static org.bytedeco.pytorch.global.torch.reflection_pad2d;
import static org.bytedeco.pytorch.global.torch.relu;
import static org.bytedeco.pytorch.global.torch.replication_pad2d;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.ConvTranspose2dImpl;
import org.bytedeco.pytorch.ConvTranspose2dOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * U-Net: conv-BN-ReLU ×2 blocks, max-pool down path, transposed-conv up path with skip concatenation, 1×1
 * head. {@link #forward} takes float [N,3,H,W] of any H, W (reflect-padded to a multiple of 2^depth inside,
 * cropped back) and returns logits [N,1,H,W]. Parameter names follow PyTorch's dotted style
 * ({@code enc0.c1.weight}, {@code up0.weight}, {@code head.weight}) so safetensors files match a PyTorch twin.
 * With a refined {@link Architecture} a second U-Net, registered as {@code refine} (its parameters are
 * {@code refine.enc0.c1.weight} ...), reads the normalised photograph and this one's sigmoid as a fourth
 * channel and its logits are the output; {@link #stages} gives both stages' logits for training. The module
 * and its parameters live outside any PointerScope and are owned by {@link Network}.
 */
public final class UNet extends Module {

  /** conv-BN-ReLU, twice; in training with a DropBlock rate, conv-DropBlock-BN-ReLU (as SA-UNet). */
  static final class Block extends Module {
    final Conv2dImpl c1;
    final BatchNorm2dImpl b1;
    final Conv2dImpl c2;
    final BatchNorm2dImpl b2;

    Block(int in, int out) {
      c1 = register_module("c1", new Conv2dImpl(conv3x3(in, out)));
      b1 = register_module("b1", new BatchNorm2dImpl(new BatchNormOptions(out)));
      c2 = register_module("c2", new Conv2dImpl(conv3x3(out, out)));
      b2 = register_module("b2", new BatchNorm2dImpl(new BatchNormOptions(out)));
    }

    Tensor forward(Tensor x, double dropBlock) {
      double rate = is_training() ? dropBlock : 0;
      Tensor y = relu(b1.forward(DropBlock.apply(c1.forward(x), rate)));
      return relu(b2.forward(DropBlock.apply(c2.forward(y), rate)));
    }
  }

  private final Architecture arch;
  private final List<Block> encoders = new ArrayList<>();
  private final List<ConvTranspose2dImpl> ups = new ArrayList<>();
  private final List<Block> decoders = new ArrayList<>();
  private final Block bottleneck;
  private final Conv2dImpl head;
  private final UNet refiner;
  private double dropBlock;

  public UNet(Architecture arch) {
    this(arch, 3);
  }

  private UNet(Architecture arch, int inputChannels) {
    this.arch = arch;
    int c = arch.baseChannels();
    int in = inputChannels;
    for (int level = 0; level < arch.depth(); level++) {
      int out = c << level;
      encoders.add(register_module("enc" + level, new Block(in, out)));
      in = out;
    }
    bottleneck = register_module("bottleneck", new Block(in, c << arch.depth()));
    for (int level = arch.depth() - 1; level >= 0; level--) {
      int out = c << level;
      ConvTranspose2dOptions u =
          new ConvTranspose2dOptions(2 * out, out, new LongPointer(new long[] {2, 2}));
      u.stride().put(new LongPointer(new long[] {2, 2}));
      ups.add(register_module("up" + level, new ConvTranspose2dImpl(u)));
      decoders.add(register_module("dec" + level, new Block(2 * out, out)));
    }
    Conv2dOptions h = new Conv2dOptions(c, 1, new LongPointer(new long[] {1, 1}));
    head = register_module("head", new Conv2dImpl(h));
    refiner = arch.refined() ? register_module("refine", new UNet(arch.refiner(), 4)) : null;
  }

  private static Conv2dOptions conv3x3(int in, int out) {
    Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(new long[] {3, 3}));
    o.padding().put(new LongPointer(new long[] {1, 1}));
    o.bias().put(false);
    return o;
  }

  /**
   * Share of each feature map that DropBlock zeroes after every convolution while the module is in training
   * mode (0: none). Not part of the weights: evaluation and the folded copy never drop anything.
   */
  void setDropBlock(double rate) {
    this.dropBlock = rate;
    if (refiner != null) {
      refiner.setDropBlock(rate);
    }
  }

  /** The shape this U-Net was built with. */
  public Architecture architecture() {
    return arch;
  }

  /**
   * Logits [N,1,H,W] for input [N,3,H,W] (the second stage's when refined); each stage pads to a multiple of
   * its 2^depth and crops back.
   */
  public Tensor forward(Tensor x) {
    Tensor[] s = stages(x);
    return s[s.length - 1];
  }

  /**
   * {@link #forward}, recording the activations Seg-Grad-CAM reads ({@link Attribution}) into {@code taps}: the
   * output of the bottleneck block as {@code "bottleneck"} and of each decoder block as {@code "dec" + level},
   * all of the stage whose logits are the output (the second one of a W-Net). They are on the stage's padded
   * grid ({@link #padded}): {@code 2^depth} times the activation's size, cropped by the caller.
   */
  Tensor forward(Tensor x, java.util.Map<String, Tensor> taps) {
    if (refiner != null) {
      Tensor first = padded(x, 1 << arch.depth(), this::forwardAligned);
      return refiner.forward(refinerInput(x, first), taps);
    }
    return padded(x, 1 << arch.depth(), y -> forwardAligned(y, taps));
  }

  /** Every stage's logits [N,1,H,W], first to last (one for a plain U-Net, two for a W-Net). */
  Tensor[] stages(Tensor x) {
    Tensor first = padded(x, 1 << arch.depth(), this::forwardAligned);
    if (refiner == null) {
      return new Tensor[] {first};
    }
    return new Tensor[] {first, refiner.forward(refinerInput(x, first))};
  }

  /** The second stage's input: the (normalised) photograph and the first stage's vessel probability. */
  static Tensor refinerInput(Tensor x, Tensor firstLogits) {
    return cat(new TensorVector(x, firstLogits.sigmoid().to(x.scalar_type())), 1);
  }

  /** The second-stage U-Net, or null for a plain one. */
  UNet refiner() {
    return refiner;
  }

  /**
   * Runs {@code body} on {@code x} reflect-padded (replicate-padded when too small to reflect) to a multiple
   * of {@code m} per side, left/top getting the smaller half, and crops its output back to x's size.
   */
  static Tensor padded(Tensor x, int m, UnaryOperator<Tensor> body) {
    long h = x.size(2);
    long w = x.size(3);
    long ph = (m - h % m) % m;
    long pw = (m - w % m) % m;
    Tensor in = x;
    if (ph > 0 || pw > 0) {
      long[] pad = {pw / 2, pw - pw / 2, ph / 2, ph - ph / 2};
      boolean reflectable = pad[1] < w && pad[0] < w && pad[3] < h && pad[2] < h;
      in = reflectable ? reflection_pad2d(x, pad) : replication_pad2d(x, pad);
    }
    Tensor y = body.apply(in);
    if (ph > 0 || pw > 0) {
      y = y.narrow(2, ph / 2, h).narrow(3, pw / 2, w);
    }
    return y;
  }

  List<Block> encoders() {
    return encoders;
  }

  Block bottleneck() {
    return bottleneck;
  }

  List<ConvTranspose2dImpl> ups() {
    return ups;
  }

  List<Block> decoders() {
    return decoders;
  }

  Conv2dImpl head() {
    return head;
  }

  private Tensor forwardAligned(Tensor x) {
    return forwardAligned(x, null);
  }

  /** The U-Net on an input of aligned size; {@code taps}, when not null, receives the activations. */
  private Tensor forwardAligned(Tensor x, java.util.Map<String, Tensor> taps) {
    List<Tensor> skips = new ArrayList<>();
    Tensor y = x;
    for (Block enc : encoders) {
      y = enc.forward(y, dropBlock);
      skips.add(y);
      y = max_pool2d(y, 2, 2);
    }
    y = bottleneck.forward(y, dropBlock);
    if (taps != null) {
      taps.put("bottleneck", y);
    }
    for (int i = 0; i < ups.size(); i++) {
      Tensor skip = skips.get(skips.size() - 1 - i);
      y = ups.get(i).forward(y);
      y = decoders.get(i).forward(cat(new TensorVector(skip, y), 1), dropBlock);
      if (taps != null) {
        taps.put("dec" + (decoders.size() - 1 - i), y);
      }
    }
    return head.forward(y);
  }
}
