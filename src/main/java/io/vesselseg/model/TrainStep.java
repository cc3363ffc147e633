package io.vesselseg.model;

import static org.bytedeco.pytorch.global.torch.binary_cross_entropy_with_logits;
import static org.bytedeco.pytorch.global.torch.from_blob;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One optimisation step of a {@link Network}: AdamW on BCE (+ soft Dice), bf16 autocast around the forward
 * only (per the Network's precision), loss in fp32. Owns the optimizer (created outside any scope, closed by
 * {@link #close()}); each {@link #step} opens and closes its own PointerScope, so only the loss value leaves.
 * With a {@link WeightAverage} attached, the average follows every step and is the {@link #validated()}
 * network.
 */
public final class TrainStep implements AutoCloseable {

  private final Network network;
  private final AdamW optimizer;
  private final boolean dice;
  private WeightAverage average;

  /** Steps on BCE + soft Dice. */
  public TrainStep(Network network, double lr, double weightDecay) {
    this(network, lr, weightDecay, true);
  }

  /** Steps on BCE, plus soft Dice when {@code dice}. */
  public TrainStep(Network network, double lr, double weightDecay, boolean dice) {
    this.network = network;
    this.dice = dice;
    AdamWOptions o = new AdamWOptions(lr);
    o.weight_decay().put(weightDecay);
    this.optimizer = new AdamW(network.module().parameters(), o);
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
   * @return the loss before the update (NaN or infinite when training diverged; the update is then skipped)
   */
  public float step(float[] x, float[] y, int b, int p, double lr) {
    Network net = network;
    net.dropFused();
    net.module().train(true);
    var groups = optimizer.param_groups();
    for (long i = 0; i < groups.size(); i++) {
      groups.get(i).options().set_lr(lr);
    }
    try (PointerScope scope = new PointerScope()) {
      optimizer.zero_grad();
      Tensor in = net.input(x, b, p, p);
      Tensor target = from_blob(new FloatPointer(y), new long[] {b, 1, p, p})
          .to(net.nativeDevice(), ScalarType.Float);
      Tensor logits = net.logits(in);
      Tensor loss = binary_cross_entropy_with_logits(logits, target);
      if (dice) {
        loss = loss.add(softDice(logits, target));
      }
      float value = loss.item_float();
      if (!Float.isFinite(value)) {
        return value;
      }
      loss.backward();
      optimizer.step();
      if (average != null) {
        average.update();
      }
      return value;
    }
  }

  /** 1 - (2·Σpy + 1) / (Σp + Σy + 1) over the whole batch. */
  private static Tensor softDice(Tensor logits, Tensor target) {
    Tensor prob = logits.sigmoid();
    Scalar one = new Scalar(1.0);
    Tensor inter = prob.mul(target).sum().mul(new Scalar(2.0)).add(one);
    Tensor denom = prob.sum().add(target.sum()).add(one);
    return inter.div(denom).neg().add(one);
  }

  @Override
  public void close() {
    if (average != null) {
      average.close();
    }
    optimizer.close();
  }
}
