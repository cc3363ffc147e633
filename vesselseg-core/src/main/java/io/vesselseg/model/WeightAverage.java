package io.vesselseg.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * An exponential moving average of a training network's weights (and its BatchNorm statistics), kept in a
 * second network of the same shape: after every optimiser step {@code avg += (1 - d) * (w - avg)}, with
 * {@code d = min(decay, (1 + n) / (10 + n))} after n updates so that the first steps do not drag the
 * random initialisation along. The average is what gets validated and saved when training asks for it.
 */
public final class WeightAverage implements AutoCloseable {

  private final Network source;
  private final Network average;
  private final double decay;
  private long updates;

  /** Starts the average at {@code source}'s current weights. */
  public WeightAverage(Network source, double decay) {
    this.source = source;
    this.decay = decay;
    // created with seed 0 and overwritten at once; the trainer reseeds libtorch's RNG every epoch (DropBlock)
    this.average = Network.create(source.architecture(), source.device(), source.precision(),
        source.normalization(), 0);
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      copy(source.module().parameters(), average.module().parameters());
      copy(source.module().buffers(), average.module().buffers());
    }
  }

  /** The averaged network (owned by this object). */
  public Network network() {
    return average;
  }

  /** Updates done so far (sets the decay's warm-up). */
  public long updates() {
    return updates;
  }

  /** Continues a resumed run's average as if {@code n} updates had been made. */
  public void setUpdates(long n) {
    this.updates = n;
  }

  /** Moves the average towards the source's current weights; call after each optimiser step. */
  public void update() {
    double d = Math.min(decay, (1.0 + updates) / (10.0 + updates));
    average.dropFused();
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      Scalar w = new Scalar(1 - d);
      lerp(source.module().parameters(), average.module().parameters(), w);
      lerp(source.module().buffers(), average.module().buffers(), w);
    }
    updates++;
  }

  private static void lerp(TensorVector from, TensorVector to, Scalar weight) {
    for (long i = 0; i < from.size(); i++) {
      Tensor dst = to.get(i);
      if (dst.is_floating_point()) {
        dst.lerp_(from.get(i), weight);
      } else {
        dst.copy_(from.get(i));
      }
    }
  }

  private static void copy(TensorVector from, TensorVector to) {
    for (long i = 0; i < from.size(); i++) {
      to.get(i).copy_(from.get(i));
    }
  }

  @Override
  public void close() {
    average.close();
  }
}
