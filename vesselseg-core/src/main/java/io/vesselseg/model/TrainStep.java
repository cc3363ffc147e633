package io.vesselseg.model;

import static org.bytedeco.pytorch.global.torch.binary_cross_entropy_with_logits;
import static org.bytedeco.pytorch.global.torch.from_blob;
import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.max_pool2d;
import static org.bytedeco.pytorch.global.torch.relu;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One optimisation step of a {@link Network}: AdamW on a {@link Loss}, bf16 autocast around the forward
 * only (per the Network's precision), loss in fp32. Owns the optimizer (created outside any scope, closed by
 * {@link #close()}); each {@link #step} opens and closes its own PointerScope, so only the loss value leaves.
 * With a {@link WeightAverage} attached, the average follows every step and is the {@link #validated()}
 * network.
 */
public final class TrainStep implements AutoCloseable {

  private final Network network;
  private final AdamW optimizer;
  private final Loss loss;
  private WeightAverage average;
  private double distillWeight;
  private float lastDistillLoss = Float.NaN;
  private Distributed distributed;
  private int microBatches = 1;

  /** Steps on BCE + soft Dice. */
  public TrainStep(Network network, double lr, double weightDecay) {
    this(network, lr, weightDecay, true);
  }

  /** Steps on BCE, plus soft Dice when {@code dice}. */
  public TrainStep(Network network, double lr, double weightDecay, boolean dice) {
    this(network, lr, weightDecay, dice ? Loss.BCE_DICE : Loss.BCE);
  }

  /** Steps on {@code loss}. */
  public TrainStep(Network network, double lr, double weightDecay, Loss loss) {
    if (network.members() > 1) {
      throw new IllegalArgumentException("an ensemble of " + network.members() + " members cannot be trained as "
          + "one network: train each member, then combine the model files");
    }
    this.network = network;
    this.loss = loss;
    AdamWOptions o = new AdamWOptions(lr);
    o.weight_decay().put(weightDecay);
    this.optimizer = new AdamW(network.module().parameters(), o);
  }

  /**
   * Knowledge distillation from now on: each step given soft targets minimises (1 − {@code weight}) · the loss
   * on the labels + {@code weight} · BCE(logits, soft targets), per stage of a W-Net.
   */
  public void distill(double weight) {
    if (!(weight >= 0 && weight <= 1)) {
      throw new IllegalArgumentException("distillation weight " + weight + " must be in [0, 1]");
    }
    this.distillWeight = weight;
  }

  /**
   * The distillation term (BCE of the logits against the soft targets, summed over a W-Net's stages, before
   * weighting) of the last step that had soft targets; NaN before any.
   */
  public float lastDistillLoss() {
    return lastDistillLoss;
  }

  /**
   * Data-parallel from now on: each {@link #step} trains on this rank's shard (the rank-th of world-size equal
   * parts) of the global batch it is given, and the gradients are averaged over the ranks before the update.
   * BatchNorm statistics and the soft Dice term are per shard (per rank). {@code d} stays the caller's.
   */
  public void distribute(Distributed d) {
    this.distributed = d;
  }

  /** The group this step trains in, or null: a single process. */
  public Distributed distributed() {
    return distributed;
  }

  /**
   * Splits every global batch into {@code n} equal shards, each forward and backward on its own, gradients
   * accumulated as their mean: one process computing exactly what {@code n} data-parallel ranks compute
   * (BatchNorm statistics and soft Dice per shard), up to float summation order.
   */
  public void accumulate(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("micro-batches " + n + " must be at least 1");
    }
    this.microBatches = n;
  }

  AdamW optimizer() {
    return optimizer;
  }

  /** Keeps an average of the weights with {@code decay} from now on (owned and closed by this step). */
  public WeightAverage averageWeights(double decay) {
    if (average != null) {
      average.close();
    }
    average = new WeightAverage(network, decay);
    return average;
  }

  /**
   * Seeds libtorch's RNG, the source of DropBlock's blocks (nothing else in a step draws from it). The trainer
   * seeds it per epoch from the run seed, so a resumed run drops the same blocks as an uninterrupted one.
   */
  public void seedNoise(long seed) {
    manual_seed(seed);
  }

  /** The weight average, or null when none is kept. */
  public WeightAverage average() {
    return average;
  }

  /** The network to validate and save as the model: the weight average when kept, else the trained one. */
  public Network validated() {
    return average != null ? average.network() : network;
  }

  /**
   * Runs one step on raw RGB patches {@code x} [b,3,p,p] and targets {@code y} [b,1,p,p] in [0,1].
   *
   * @return the loss before the update, summed over a W-Net's two stages (NaN or infinite when training
   *     diverged; the update is then skipped)
   */
  public float step(float[] x, float[] y, int b, int p, double lr) {
    return step(x, y, null, b, p, lr);
  }

  /**
   * {@link #step(float[], float[], int, int, double)} with soft targets {@code t} [b,1,p,p] in [0,1] (null:
   * none), weighted as {@link #distill} set.
   *
   * <p>With a {@link #distribute distributed} group {@code b} is the global batch and the step trains on this
   * rank's shard; with {@link #accumulate micro-batches} it trains on each shard in turn.
   *
   * @return the loss before the update (the mean over shards or ranks): the weighted sum of the label loss
   *     and the distillation term, summed over a W-Net's stages
   */
  public float step(float[] x, float[] y, float[] t, int b, int p, double lr) {
    Network net = network;
    net.dropFused();
    net.module().train(true);
    var groups = optimizer.param_groups();
    for (long i = 0; i < groups.size(); i++) {
      groups.get(i).options().set_lr(lr);
    }
    int shards = distributed != null ? distributed.worldSize() : microBatches;
    if (b % shards != 0) {
      throw new IllegalArgumentException("batch size " + b + " is not a multiple of " + shards
          + (distributed != null ? " processes" : " micro-batches") + ": choose --batch-size as a multiple");
    }
    int per = b / shards;
    int first = distributed != null ? distributed.rank() : 0;
    int last = distributed != null ? first + 1 : shards;
    try (PointerScope scope = new PointerScope()) {
      optimizer.zero_grad();
      Tensor inAll = net.input(x, b, p, p);
      Tensor targetAll = from_blob(new FloatPointer(y), new long[] {b, 1, p, p})
          .to(net.nativeDevice(), ScalarType.Float);
      Tensor softAll = t == null ? null : from_blob(new FloatPointer(t), new long[] {b, 1, p, p})
          .to(net.nativeDevice(), ScalarType.Float);
      double sum = 0;
      for (int k = first; k < last; k++) {
        Tensor in = shards == 1 ? inAll : inAll.narrow(0, (long) k * per, per);
        Tensor target = shards == 1 ? targetAll : targetAll.narrow(0, (long) k * per, per);
        Tensor soft = softAll == null || shards == 1 ? softAll : softAll.narrow(0, (long) k * per, per);
        Tensor total = shardLoss(net, in, target, soft);
        float value = total.item_float();
        if (distributed != null) { // every rank must agree to skip a diverged step, or the allreduce would hang
          value = (float) (distributed.sum(value) / shards);
        }
        if (!Float.isFinite(value)) {
          return value;
        }
        sum += value;
        if (distributed != null) {
          distributed.beforeBackward(net); // with overlap its allreduces start during this backward
        }
        (distributed == null && shards > 1 ? total.mul(new Scalar(1.0 / shards)) : total).backward();
      }
      if (distributed != null) {
        distributed.averageGradients(net);
      }
      optimizer.step();
      if (average != null) {
        average.update();
      }
      return (float) (distributed != null ? sum : sum / shards);
    }
  }

  /** The label loss (plus the weighted distillation term when {@code soft}) of one shard, summed over stages. */
  private Tensor shardLoss(Network net, Tensor in, Tensor target, Tensor soft) {
    Tensor total = null;
    Tensor distilled = null;
    for (Tensor logits : net.stageLogits(in)) {
      Tensor l = loss(logits, target);
      if (soft != null) {
        Tensor d = binary_cross_entropy_with_logits(logits, soft);
        distilled = distilled == null ? d : distilled.add(d);
        l = l.mul(new Scalar(1 - distillWeight)).add(d.mul(new Scalar(distillWeight)));
      }
      total = total == null ? l : total.add(l);
    }
    if (distilled != null) {
      lastDistillLoss = distilled.item_float();
    }
    return total;
  }

  /** The loss of one stage's logits against the target (a W-Net's step sums its two stages' losses). */
  private Tensor loss(Tensor logits, Tensor target) {
    Tensor total = binary_cross_entropy_with_logits(logits, target);
    if (loss == Loss.BCE_DICE) {
      total = total.add(softDice(logits, target));
    } else if (loss == Loss.BCE_DICE_CLDICE) {
      Tensor prob = logits.sigmoid();
      Scalar half = new Scalar(0.5);
      total = total.add(softDice(logits, target).mul(half)).add(softClDice(prob, target).mul(half));
    }
    return total;
  }

  /** 1 - (2·Σpy + 1) / (Σp + Σy + 1) over the whole batch. */
  private static Tensor softDice(Tensor logits, Tensor target) {
    Tensor prob = logits.sigmoid();
    Scalar one = new Scalar(1.0);
    Tensor inter = prob.mul(target).sum().mul(new Scalar(2.0)).add(one);
    Tensor denom = prob.sum().add(target.sum()).add(one);
    return inter.div(denom).neg().add(one);
  }

  /** Soft skeleton iterations: enough to thin vessels up to ~2·{@value} px wide to their centre lines. */
  static final int SKELETON_ITERATIONS = 5;

  /**
   * 1 - 2·Tprec·Tsens / (Tprec + Tsens), where Tprec is the share of the predicted soft skeleton inside the
   * target and Tsens the share of the target's soft skeleton inside the prediction (sums over the batch, +1
   * smoothing). {@code prob} and {@code target} are [b,1,h,w] in [0,1].
   */
  static Tensor softClDice(Tensor prob, Tensor target) {
    Scalar one = new Scalar(1.0);
    Tensor skelP = softSkeleton(prob, SKELETON_ITERATIONS);
    Tensor skelT = softSkeleton(target, SKELETON_ITERATIONS);
    Tensor tprec = skelP.mul(target).sum().add(one).div(skelP.sum().add(one));
    Tensor tsens = skelT.mul(prob).sum().add(one).div(skelT.sum().add(one));
    return tprec.mul(tsens).mul(new Scalar(2.0)).div(tprec.add(tsens)).neg().add(one);
  }

  /**
   * The soft skeleton of clDice: what soft opening removes, accumulated over {@code iterations} soft erosions
   * (erosion = min over the 3×1 and 1×3 crosses, dilation = max over 3×3, both as max-pooling, so it is
   * differentiable).
   */
  static Tensor softSkeleton(Tensor img, int iterations) {
    Tensor skel = relu(img.sub(softOpen(img)));
    for (int i = 0; i < iterations; i++) {
      img = softErode(img);
      Tensor delta = relu(img.sub(softOpen(img)));
      skel = skel.add(relu(delta.sub(skel.mul(delta))));
    }
    return skel;
  }

  private static Tensor softErode(Tensor img) {
    Tensor vertical = max_pool2d(img.neg(), new long[] {3, 1}, new long[] {1, 1}, new long[] {1, 0},
        new long[] {1, 1}, false).neg();
    Tensor horizontal = max_pool2d(img.neg(), new long[] {1, 3}, new long[] {1, 1}, new long[] {0, 1},
        new long[] {1, 1}, false).neg();
    return vertical.minimum(horizontal);
  }

  private static Tensor softOpen(Tensor img) {
    return max_pool2d(softErode(img), new long[] {3, 3}, new long[] {1, 1}, new long[] {1, 1},
        new long[] {1, 1}, false);
  }

  @Override
  public void close() {
    if (distributed != null) {
      distributed.detach(network);
    }
    if (average != null) {
      average.close();
    }
    optimizer.close();
  }
}
