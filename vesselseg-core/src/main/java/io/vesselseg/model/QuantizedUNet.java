package io.vesselseg.model;

import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.conv_transpose2d;
import static org.bytedeco.pytorch.global.torch.max_pool2d;
import static org.bytedeco.pytorch.global.torch.quantize_per_channel;
import static org.bytedeco.pytorch.global.torch.quantize_per_tensor;

import io.vesselseg.VesselsegException;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorType;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * An int8 copy of a {@link FoldedUNet} for the CPU: libtorch's quantised kernels (FBGEMM / oneDNN), reached
 * through its operator dispatcher because the presets have no Java API for them. Weights are int8, per output
 * channel for the 3×3 convolutions; activations are uint8 (up to {@link #QMAX}) with the ranges
 * {@link Int8Calibration} measured on training photographs (one per {@link FoldedUNet.Observer} site). Each
 * block is two fused conv+ReLU kernels, max pooling runs on uint8, upsampling runs in fp32 ({@link #up}), the
 * skip and upsampled halves are concatenated into one requantised tensor, and the 1×1 head runs in fp32 on the
 * dequantised last block, so logits keep their full range. Built once (weights packed for the kernels), owned
 * by this object, freed by {@link #close()}. U-Nets only: a W-Net's second stage is refused.
 */
final class QuantizedUNet implements AutoCloseable {

  private static final long[] ONE = {1, 1};
  private static final long[] PAD0 = {0, 0};
  private static final long[] TWO = {2, 2};
  /**
   * The largest uint8 code activations use: all 8 bits on CPUs with VNNI (int8 dot products into 32 bits), 7
   * bits elsewhere, as PyTorch's x86 observers do ({@code reduce_range}), because FBGEMM's AVX2 kernels sum
   * u8×s8 pairs into 16 bits, which full-range codes can saturate. Measured on the compact model's three DRIVE
   * validation photographs: F1 0.8386 with 8 bits, 0.8372 with 7, 0.8393 in fp32.
   */
  static final int QMAX = Integer.getInteger("vesselseg.int8.qmax",
      Precision.cpuHasAny("avx512_vnni", "avx_vnni", "amx_int8") ? 255 : 127);

  /** A uint8 activation's quantisation. */
  private record Q(double scale, long zeroPoint) {}

  /** Packed int8 weights and the quantisation of what the layer writes. */
  private record Layer(IValue packed, Q out) {}

  private static OperatorHandle op(String name, String overload) {
    OperatorHandle h = Dispatcher.singleton().findSchemaOrThrow(name, overload);
    h.retainReference(); // class-lifetime: no PointerScope open at first use may free it
    return h;
  }

  private static final OperatorHandle PREPACK = op("quantized::conv2d_prepack", "");
  private static final OperatorHandle CONV_RELU = op("quantized::conv2d_relu", "new");
  private static final OperatorHandle CAT = op("quantized::cat", "");

  private final FoldedUNet source;
  private final Q input;
  private final List<Layer[]> encoders = new ArrayList<>();
  private final Layer[] bottleneck;
  private final List<Q> ups = new ArrayList<>();
  private final List<Q> cats = new ArrayList<>();
  private final List<Layer[]> decoders = new ArrayList<>();
  private final List<IValue> owned = new ArrayList<>();

  /**
   * The number of observer sites of a U-Net of {@code depth} levels: the input, 2 per block (the encoders,
   * the bottleneck, the decoders) and 1 per upsampling.
   */
  static int sites(int depth) {
    return 1 + 2 * (2 * depth + 1) + depth;
  }

  /** Refuses a W-Net ({@code refined}): int8 covers U-Nets only. */
  static void requireUNet(boolean refined) {
    if (refined) {
      throw new VesselsegException.Usage("int8 runs U-Nets only; this model is a W-Net (two stages): use fp32 "
          + "or bf16");
    }
  }

  /**
   * Quantises {@code folded} with the activation ranges {@code ranges[site] = {min, max}}.
   *
   * @throws VesselsegException.Usage for a W-Net or ranges of another architecture
   */
  QuantizedUNet(FoldedUNet folded, float[][] ranges) {
    requireUNet(folded.hasRefiner());
    int depth = folded.encoders().size();
    if (ranges.length != sites(depth)) {
      throw new VesselsegException.Usage("int8 calibration has " + ranges.length + " activation ranges, a "
          + depth + "-level U-Net needs " + sites(depth) + ": calibrate this model again (vesselseg quantize)");
    }
    this.source = folded;
    int site = 0;
    this.input = signed(ranges[site++]);
    try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      for (FoldedUNet.FoldedConv[] b : folded.encoders()) {
        encoders.add(new Layer[] {conv(b[0], ranges[site++]), conv(b[1], ranges[site++])});
      }
      bottleneck = new Layer[] {conv(folded.bottleneck()[0], ranges[site++]),
          conv(folded.bottleneck()[1], ranges[site++])};
      for (int i = 0; i < depth; i++) {
        float[] upRange = ranges[site++];
        ups.add(signed(upRange));
        float[] skipRange = ranges[2 + 2 * (depth - 1 - i)]; // the second conv of encoder depth-1-i
        cats.add(signed(new float[] {Math.min(skipRange[0], upRange[0]), Math.max(skipRange[1], upRange[1])}));
        FoldedUNet.FoldedConv[] d = folded.decoders().get(i);
        decoders.add(new Layer[] {conv(d[0], ranges[site++]), conv(d[1], ranges[site++])});
      }
    }
  }

  /** Logits [N,1,H,W] for normalised fp32 input [N,3,H,W]; call inside a PointerScope. */
  Tensor forward(Tensor x) {
    return forward(x, null);
  }

  /** {@link #forward(Tensor)}, showing {@code observer} (when not null) each site's activation, dequantised. */
  Tensor forward(Tensor x, FoldedUNet.Observer observer) {
    FoldedUNet.Observer o = observer == null ? null : (site, t) -> observer.see(site, t.dequantize());
    return UNet.padded(x, 1 << encoders.size(), a -> forwardAligned(a, o));
  }

  private Tensor forwardAligned(Tensor x, FoldedUNet.Observer o) {
    int[] site = {0};
    Tensor y = see(o, site, quantize_per_tensor(x, input.scale(), input.zeroPoint(), ScalarType.QUInt8));
    List<Tensor> skips = new ArrayList<>();
    for (Layer[] enc : encoders) {
      y = block(enc, y, o, site);
      skips.add(y);
      y = max_pool2d(y, TWO, TWO, PAD0, ONE, false); // uint8 kernel; stride must be explicit for it
    }
    y = block(bottleneck, y, o, site);
    for (int i = 0; i < ups.size(); i++) {
      Tensor skip = skips.get(skips.size() - 1 - i);
      y = see(o, site, up(y, i));
      y = block(decoders.get(i), cat(skip, y, cats.get(i)), o, site);
    }
    FoldedUNet.FoldedConv head = source.head();
    return conv2d(y.dequantize(), head.weight(), head.biasOpt(), ONE, PAD0, ONE, 1);
  }

  private static Tensor block(Layer[] b, Tensor x, FoldedUNet.Observer o, int[] site) {
    return see(o, site, call(CONV_RELU, see(o, site, call(CONV_RELU, x, b[0])), b[1]));
  }

  /**
   * Upsampling {@code i} in fp32 between a dequantise and a quantise: libtorch's quantised transposed
   * convolution ({@code quantized::conv_transpose2d}) put the shipped compact model's upsampled activations 8 to
   * 16 quantisation steps away from fp32 (a random network's within a third of a step), and a 2×2 stride-2
   * kernel is a small share of the arithmetic.
   */
  private Tensor up(Tensor y, int i) {
    FoldedUNet.FoldedConv up = source.ups().get(i);
    Tensor f = conv_transpose2d(y.dequantize(), up.weight(), up.biasOpt(), TWO, PAD0, PAD0, 1, ONE);
    Q q = ups.get(i);
    return quantize_per_tensor(f, q.scale(), q.zeroPoint(), ScalarType.QUInt8);
  }

  private static Tensor see(FoldedUNet.Observer o, int[] site, Tensor t) {
    if (o != null) {
      o.see(site[0], t);
    }
    site[0]++;
    return t;
  }

  private static Tensor call(OperatorHandle op, Tensor x, Layer layer) { // a quantised conv: output (scale, zero)
    IValueVector stack = new IValueVector();
    stack.push_back(new IValue(x));
    stack.push_back(layer.packed());
    stack.push_back(new IValue(layer.out().scale()));
    stack.push_back(new IValue(layer.out().zeroPoint()));
    op.callBoxed(stack);
    return stack.get(0).toTensor();
  }

  private static Tensor cat(Tensor skip, Tensor up, Q out) {
    GenericList list = new GenericList(new Type.TypePtr(TensorType.get()));
    list.push_back(new IValue(skip));
    list.push_back(new IValue(up));
    IValueVector stack = new IValueVector();
    stack.push_back(new IValue(list));
    stack.push_back(new IValue(1L));
    stack.push_back(new IValue(out.scale()));
    stack.push_back(new IValue(out.zeroPoint()));
    CAT.callBoxed(stack);
    return stack.get(0).toTensor();
  }

  /** A 3×3 conv + ReLU: int8 weights per output channel, uint8 output in [0, max]. */
  private Layer conv(FoldedUNet.FoldedConv c, float[] range) {
    Tensor w = c.weight().contiguous();
    Tensor scales = w.abs().amax(new long[] {1, 2, 3}, false).clamp_min(new org.bytedeco.pytorch.Scalar(1e-12))
        .div(new org.bytedeco.pytorch.Scalar(127.0)).to(ScalarType.Double);
    Tensor zeros = torch.zeros(new long[] {w.size(0)}, new org.bytedeco.pytorch.TensorOptions(ScalarType.Long));
    Tensor wq = quantize_per_channel(w, scales, zeros, 0, ScalarType.QInt8);
    IValue packed = prepack(wq, c.bias());
    return new Layer(packed, new Q(Math.max(range[1], 1e-6f) / QMAX, 0));
  }

  /** Packs a 3×3 convolution's int8 weights and fp32 bias for the quantised kernel (stride 1, padding 1). */
  private IValue prepack(Tensor wq, Tensor bias) {
    IValueVector stack = new IValueVector();
    stack.push_back(new IValue(wq));
    stack.push_back(new IValue(bias));
    stack.push_back(new IValue(ints(1, 1)));
    stack.push_back(new IValue(ints(1, 1)));
    stack.push_back(new IValue(ints(1, 1)));
    stack.push_back(new IValue(1L));
    PREPACK.callBoxed(stack);
    IValue packed = new IValue(stack.get(0));
    packed.retainReference(); // outlives the constructor's scope; close() releases it
    owned.add(packed);
    return packed;
  }

  private static GenericList ints(long a, long b) {
    GenericList l = new GenericList(new Type.TypePtr(IntType.getIntTypePtr().get()));
    l.push_back(new IValue(a));
    l.push_back(new IValue(b));
    return l;
  }

  /** uint8 quantisation of a signed range (widened to contain 0). */
  private static Q signed(float[] range) {
    double lo = Math.min(range[0], 0);
    double hi = Math.max(range[1], 0);
    double scale = Math.max(hi - lo, 1e-6) / QMAX;
    long zero = Math.max(0, Math.min(QMAX, Math.round(-lo / scale)));
    return new Q(scale, zero);
  }

  @Override
  public void close() {
    owned.forEach(IValue::close);
    owned.clear();
  }
}
