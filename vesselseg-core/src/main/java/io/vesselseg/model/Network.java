package io.vesselseg.model;

import static org.bytedeco.pytorch.global.torch.clear_cache;
import static org.bytedeco.pytorch.global.torch.from_blob;
import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.set_autocast_dtype;
import static org.bytedeco.pytorch.global.torch.set_autocast_enabled;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A U-Net (or a W-Net: {@link Architecture#refined()}) on a device, with its input normalisation and forward
 * precision: the one object the rest of the program uses to run the model. Inputs cross the boundary as Java
 * arrays of raw RGB in [0,1], planar [N,3,H,W]; normalisation happens on the device. Every tensor of a call
 * is made inside one PointerScope and freed when the call returns; the module itself lives until
 * {@link #close()}. Predictions can run on a BatchNorm-folded copy of the weights ({@link #fuseForInference()},
 * what the inference commands use). A network may be an ensemble of several members of one architecture
 * ({@link #createEnsemble}, loaded from an ensemble model file): predictions average the members'
 * probabilities; training uses a single-member network only.
 */
public final class Network implements AutoCloseable {

  /** Member 0: the module training updates, and the whole network unless this is an ensemble. */
  private final UNet net;
  /** Every member, {@link #net} first. */
  private final List<UNet> members;
  private final ComputeDevice device;
  private final Device nativeDevice;
  private final Precision precision;
  private final boolean channelsLast;
  private Normalization normalization;
  private Calibration calibration = Calibration.NONE;
  private final InferenceCopies copies = new InferenceCopies();

  private Network(List<UNet> members, ComputeDevice device, Precision precision, Normalization normalization) {
    this.net = members.get(0);
    this.members = List.copyOf(members);
    this.device = device;
    this.nativeDevice = device.toDevice();
    this.precision = precision;
    this.normalization = normalization;
    this.channelsLast = !"false".equals(System.getProperty("vesselseg.channelsLast"));
    for (UNet m : members) {
      m.to(nativeDevice, false);
    }
    if (Boolean.getBoolean("vesselseg.channelsLastWeights")) {
      weightsChannelsLast();
    }
  }

  /** A freshly initialised U-Net; {@code seed} fixes libtorch's RNG, hence the initial weights. */
  public static Network create(
      Architecture arch, ComputeDevice device, Precision precision, Normalization norm, long seed) {
    manual_seed(seed);
    return new Network(List.of(new UNet(arch)), device, precision, norm);
  }

  /** An ensemble of {@code count} U-Nets of one architecture, to be filled from a model file. */
  public static Network createEnsemble(
      Architecture arch, int count, ComputeDevice device, Precision precision, Normalization norm) {
    if (count < 1) {
      throw new IllegalArgumentException("an ensemble needs at least one member, not " + count);
    }
    List<UNet> members = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      members.add(new UNet(arch));
    }
    return new Network(members, device, precision, norm);
  }

  /** Number of members whose probabilities a prediction averages: 1 unless an ensemble. */
  public int members() {
    return members.size();
  }

  public Architecture architecture() {
    return net.architecture();
  }

  public ComputeDevice device() {
    return device;
  }

  public Precision precision() {
    return precision;
  }

  public Normalization normalization() {
    return normalization;
  }

  /** How a prediction's map is calibrated per photograph ({@link Calibration#NONE} unless its file says). */
  public Calibration calibration() {
    return calibration;
  }

  public void setCalibration(Calibration c) {
    this.calibration = java.util.Objects.requireNonNull(c);
  }

  /** The activation ranges {@link Precision#INT8} predictions quantise with (from the model file). */
  void setInt8Calibration(Int8Calibration c) {
    copies.setInt8Calibration(c);
  }

  /**
   * Runs {@code predictions} (calls of {@link #predict}) on fp32 BatchNorm-folded copies of the members while
   * recording the range of every activation, and returns the ranges: what {@link Precision#INT8} needs. A
   * U-Net only (a W-Net is refused); the network is left as it was.
   */
  public Int8Calibration calibrateInt8(Runnable predictions) {
    QuantizedUNet.requireUNet(architecture().refined());
    boolean wasFused = fused();
    try {
      return copies.record(members, architecture().depth(), predictions);
    } finally {
      if (wasFused) {
        fuseForInference();
      }
    }
  }

  public void setNormalization(Normalization n) {
    this.normalization = n;
  }

  /**
   * Stores every 4-D parameter (conv and transposed-conv weights) channels-last, as PyTorch's
   * {@code model.to(memory_format=torch.channels_last)} does; loading copies into that layout and model files
   * stay row-major. Enabled by {@code -Dvesselseg.channelsLastWeights=true} (a fast path under measurement).
   */
  private void weightsChannelsLast() {
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      for (UNet m : members) {
        var params = m.parameters();
        for (long i = 0; i < params.size(); i++) {
          Tensor p = params.get(i);
          if (p.dim() == 4) {
            p.set_data(p.contiguous(MemoryFormat.ChannelsLast));
          }
        }
      }
    }
  }

  /** Number of trainable parameters, over all members. */
  public long parameterCount() {
    try (PointerScope scope = new PointerScope()) {
      long n = 0;
      for (UNet m : members) {
        var params = m.parameters();
        for (long i = 0; i < params.size(); i++) {
          n += params.get(i).numel();
        }
      }
      return n;
    }
  }

  /** DropBlock rate for training steps ({@link UNet#setDropBlock}); 0 turns it off. */
  public void setDropBlock(double rate) {
    net.setDropBlock(rate);
  }

  /**
   * Stops training the parameters of the trainable module whose names start with one of {@code prefixes}
   * (e.g. {@code enc} and {@code bottleneck}: the encoder): their gradients are no longer computed, so the
   * optimiser leaves them as they are. BatchNorm running statistics still follow the data in training mode.
   *
   * @return how many parameter values were frozen
   */
  public long freeze(List<String> prefixes) {
    long frozen = 0;
    try (PointerScope scope = new PointerScope()) {
      var dict = net.named_parameters();
      for (long i = 0; i < dict.size(); i++) {
        String name = dict.get(i).key().getString();
        if (prefixes.stream().anyMatch(name::startsWith)) {
          Tensor t = dict.get(i).value();
          t.requires_grad_(false);
          frozen += t.numel();
        }
      }
    }
    return frozen;
  }

  UNet module() {
    return net;
  }

  /** Member {@code i} (0: {@link #module()}). */
  UNet module(int i) {
    return members.get(i);
  }

  Device nativeDevice() {
    return nativeDevice;
  }

  /** Copies raw RGB [n,3,h,w] to the device, normalised (and channels-last when enabled). Scope-owned. */
  Tensor input(float[] rgb, int n, int h, int w) {
    Tensor x = from_blob(new FloatPointer(rgb), new long[] {n, 3, h, w}).to(nativeDevice, ScalarType.Float);
    float[] m = normalization.mean();
    float[] s = normalization.std();
    Tensor mean = from_blob(new FloatPointer(m), new long[] {1, 3, 1, 1}).to(nativeDevice, ScalarType.Float);
    Tensor std = from_blob(new FloatPointer(s), new long[] {1, 3, 1, 1}).to(nativeDevice, ScalarType.Float);
    x = x.sub(mean).div(std);
    return channelsLast ? x.contiguous(MemoryFormat.ChannelsLast) : x.contiguous();
  }

  /** Logits in fp32 of {@code forward} (the module or its folded copy), under bf16 autocast when so set. */
  private Tensor logits(Tensor x, UnaryOperator<Tensor> forward) {
    return autocast(() -> new Tensor[] {forward.apply(x)})[0];
  }

  /**
   * Every stage's logits in fp32 from the trainable module (what training uses), first to last: one for a
   * U-Net, two for a W-Net, whose loss covers both. The forward runs under bf16 autocast when so configured.
   * Scope-owned.
   */
  Tensor[] stageLogits(Tensor x) {
    return autocast(() -> net.stages(x));
  }

  /** Runs {@code forward} under bf16 autocast when so configured; its outputs come back in fp32. */
  private Tensor[] autocast(Supplier<Tensor[]> forward) {
    if (precision != Precision.BF16) {
      return forward.get();
    }
    set_autocast_dtype(device.type(), ScalarType.BFloat16);
    set_autocast_enabled(device.type(), true);
    try {
      Tensor[] out = forward.get();
      for (int i = 0; i < out.length; i++) {
        out[i] = out[i].to(ScalarType.Float);
      }
      return out;
    } finally {
      set_autocast_enabled(device.type(), false);
      clear_cache();
    }
  }

  /**
   * Makes {@link #predict} use a copy of the current weights with every BatchNorm folded into the preceding
   * convolution (eval-mode statistics; the same probabilities within float rounding, fewer kernels), and for
   * an int8 network its quantised copy ({@link QuantizedUNet}). The copy is a snapshot: a training step drops
   * it, and the next prediction uses the module again.
   */
  public void fuseForInference() {
    // row-major folded weights unless -Dvesselseg.foldedChannelsLast=true: channels-last ones measured no
    // faster (docs/compact.md#speed: 100.2 vs 101.6 ms for the compact model in one interleaved run)
    boolean clWeights = channelsLast && Boolean.getBoolean("vesselseg.foldedChannelsLast");
    copies.make(members, clWeights, precision == Precision.INT8);
  }

  /** True while predictions run on the BatchNorm-folded copy. */
  public boolean fused() {
    return copies.made();
  }

  /** Returns {@link #predict} to the module itself and frees the folded copy. */
  public void dropFused() {
    copies.drop();
  }

  /** {@link #predict(float[], int, int, int, Tta)} with no augmentation, or the four flips. */
  public float[] predict(float[] rgb, int n, int h, int w, boolean flipTta) {
    return predict(rgb, n, h, w, flipTta ? Tta.FLIPS : Tta.NONE);
  }

  /**
   * Vessel probabilities [n,1,h,w] (as a flat array) for raw RGB input [n,3,h,w]: the mean over the
   * {@code tta} transforms of the input, each prediction mapped back before averaging, and over the members
   * of an ensemble.
   */
  public float[] predict(float[] rgb, int n, int h, int w, Tta tta) {
    float[] sum = null;
    for (int i = 0; i < members.size(); i++) {
      // one scope per member, so an ensemble holds one member's activations at a time, not all of them
      float[] p = predictMember(i, rgb, n, h, w, tta);
      if (sum == null) {
        sum = p;
      } else {
        for (int j = 0; j < sum.length; j++) {
          sum[j] += p[j];
        }
      }
    }
    int terms = tta.passes() * members.size();
    if (terms > 1) {
      for (int j = 0; j < sum.length; j++) {
        sum[j] /= terms;
      }
    }
    return sum;
  }

  /**
   * {@link #predict} and, beside it, two per-pixel standard deviations of the probabilities: over every member
   * and every {@code tta} transform (members × passes terms), and over the members alone (each member's
   * probabilities averaged over the transforms first): how much the augmentations and the ensemble disagree.
   * Returns {mean, spread, member spread}; a spread is all zeros when it has one term.
   */
  public float[][] predictWithSpread(float[] rgb, int n, int h, int w, Tta tta) {
    float[] sum = null;
    float[] sq = null;
    float[] memberSq = null;
    int passes = tta.passes();
    for (int i = 0; i < members.size(); i++) {
      float[][] m = memberMoments(i, rgb, n, h, w, tta);
      if (sum == null) {
        sum = new float[m[0].length];
        sq = new float[m[0].length];
        memberSq = new float[m[0].length];
      }
      for (int j = 0; j < sum.length; j++) {
        float mean = m[0][j] / passes;
        sum[j] += m[0][j];
        sq[j] += m[1][j];
        memberSq[j] += mean * mean;
      }
    }
    int terms = passes * members.size();
    for (int j = 0; j < sum.length; j++) {
      float mean = sum[j] / terms;
      sum[j] = mean;
      sq[j] = (float) Math.sqrt(Math.max(0, sq[j] / terms - mean * mean));
      memberSq[j] = (float) Math.sqrt(Math.max(0, memberSq[j] / members.size() - mean * mean));
    }
    return new float[][] {sum, sq, memberSq};
  }

  /** Member {@code i}'s sum and sum of squares of the probabilities over the {@code tta} transforms. */
  private float[][] memberMoments(int i, float[] rgb, int n, int h, int w, Tta tta) {
    UnaryOperator<Tensor> f = copies.forward(i, members.get(i), n);
    try (PointerScope scope = new PointerScope();
        InferenceMode guard = new InferenceMode()) {
      Tensor x = input(rgb, n, h, w);
      List<Tensor> passes = new ArrayList<>(passes(x, f, tta != Tta.NONE));
      if (tta == Tta.D8) {
        Tensor xt = x.transpose(2, 3);
        xt = channelsLast ? xt.contiguous(MemoryFormat.ChannelsLast) : xt.contiguous();
        passes(xt, f, true).forEach(p -> passes.add(p.transpose(2, 3)));
      }
      Tensor sum = passes.get(0);
      Tensor sq = sum.mul(sum);
      for (Tensor p : passes.subList(1, passes.size())) {
        sum = sum.add(p);
        sq = sq.add(p.mul(p));
      }
      return new float[][] {toArray(sum), toArray(sq)};
    }
  }

  /** The probabilities of the identity and (when {@code all}) the three flips, each mapped back. */
  private List<Tensor> passes(Tensor x, UnaryOperator<Tensor> f, boolean all) {
    List<Tensor> out = new ArrayList<>(List.of(logits(x, f).sigmoid()));
    if (all) {
      out.add(logits(x.flip(3), f).sigmoid().flip(3));
      out.add(logits(x.flip(2), f).sigmoid().flip(2));
      out.add(logits(x.flip(2, 3), f).sigmoid().flip(2, 3));
    }
    return out;
  }

  /** Member {@code i}'s probabilities summed (not averaged) over the {@code tta} transforms. */
  private float[] predictMember(int i, float[] rgb, int n, int h, int w, Tta tta) {
    UnaryOperator<Tensor> f = copies.forward(i, members.get(i), n);
    try (PointerScope scope = new PointerScope();
        InferenceMode guard = new InferenceMode()) {
      Tensor x = input(rgb, n, h, w);
      Tensor p = flips(x, f, tta != Tta.NONE);
      if (tta == Tta.D8) {
        Tensor xt = x.transpose(2, 3);
        xt = channelsLast ? xt.contiguous(MemoryFormat.ChannelsLast) : xt.contiguous();
        p = p.add(flips(xt, f, true).transpose(2, 3));
      }
      return toArray(p);
    }
  }

  /** Sum of the probabilities over the identity and (when {@code all}) the three flips, mapped back. */
  private Tensor flips(Tensor x, UnaryOperator<Tensor> f, boolean all) {
    List<Tensor> p = passes(x, f, all);
    Tensor sum = p.get(0);
    for (Tensor q : p.subList(1, p.size())) {
      sum = sum.add(q);
    }
    return sum;
  }

  /** Copies a tensor of any device/dtype to a Java float array (row-major, NCHW). */
  static float[] toArray(Tensor t) {
    Tensor c = t.to(new Device("cpu"), ScalarType.Float).contiguous();
    float[] out = new float[(int) c.numel()];
    c.data_ptr_float().get(out);
    return out;
  }

  @Override
  public void close() {
    dropFused();
    members.forEach(UNet::close);
    nativeDevice.close();
  }
}
