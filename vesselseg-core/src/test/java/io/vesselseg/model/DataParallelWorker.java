package io.vesselseg.model;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.PatchSampler;
import io.vesselseg.data.SyntheticFundus;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * A rank of {@link DistributedTest}'s data-parallel runs, started as its own JVM with the torchrun environment:
 * {@code steps globalBatch weightsFile} ({@code {rank}} in the file name: the rank). It trains a tiny U-Net on synthetic patches (every rank draws the
 * same global batch, trains its shard) and writes its parameters as big-endian floats. Each rank starts from
 * a different seed, so equal results prove the start-up broadcast. Exit 3 with the message on a collective's
 * failure. Optional arguments {@code depth baseChannels patch} measure other sizes (docs/distributed.md's
 * figures); without WORLD_SIZE it trains as one process.
 */
public final class DataParallelWorker {

  static final int PATCH = 32;

  public static void main(String[] args) throws IOException {
    int steps = Integer.parseInt(args[0]);
    int batch = Integer.parseInt(args[1]);
    Distributed.Env env = Distributed.Env.from(System.getenv());
    Architecture arch = args.length > 3 ? new Architecture(Integer.parseInt(args[3]), Integer.parseInt(args[4]))
        : new Architecture(2, 4);
    int patch = args.length > 5 ? Integer.parseInt(args[5]) : PATCH;
    try (Distributed group = env == null ? null : Distributed.join(env, Distributed.timeoutFrom(System.getenv()))) {
      if (env != null) {
        System.out.printf("rank %d of %d, store at %s:%d hosted by %s%n", env.rank(), env.worldSize(),
            env.masterAddr(), env.masterPort(), env.agentStore() ? "torchrun's agent (keys of attempt "
            + env.restart() + ")" : "rank 0");
      }
      long t0 = System.nanoTime();
      float[] w = train(group, 1, steps, batch, env == null ? 0 : env.rank(), arch, patch);
      System.out.printf("%d steps of %d patches (%d²) in %.1f s: %.2f patches/s%n", steps, batch, patch,
          (System.nanoTime() - t0) / 1e9, steps * batch / ((System.nanoTime() - t0) / 1e9));
      write(Path.of(args[2].replace("{rank}", Integer.toString(env == null ? 0 : env.rank()))), w);
    } catch (VesselsegException e) {
      System.err.println(e.getMessage());
      System.exit(3);
    }
  }

  /** Trains {@code steps} steps; {@code group} null: one process in {@code micro} micro-batches. */
  static float[] train(Distributed group, int micro, int steps, int batch, int rank) {
    return train(group, micro, steps, batch, rank, new Architecture(2, 4), PATCH);
  }

  static float[] train(Distributed group, int micro, int steps, int batch, int rank, Architecture arch, int patch) {
    Engine.threads(group == null && micro == 1 ? Integer.getInteger("threads", 1) : 1);
    PatchSampler sampler = new PatchSampler(SyntheticFundus.dataset(2, 7, Math.max(96, 3 * patch),
        Math.max(96, 3 * patch)), patch, PatchSampler.Augmentation.basic());
    Random rng = new Random(11);
    float[] x = new float[batch * 3 * patch * patch];
    float[] y = new float[batch * patch * patch];
    try (Network net = Network.create(arch, ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 5 + 1000L * rank);
        TrainStep step = new TrainStep(net, 1e-2, 1e-4, true)) {
      if (group != null) {
        group.broadcastWeights(net);
        step.distribute(group);
      } else {
        step.accumulate(micro);
      }
      for (int s = 0; s < steps; s++) {
        sampler.fill(rng, x, y, batch);
        float loss = step.step(x, y, batch, patch, 1e-2);
        System.out.printf("step %d loss %.5f%s%n", s + 1, loss, group == null ? ""
            : String.format(" allreduce %d bytes %.2f ms (%s)", group.gradientBytes(), group.gradientSeconds() * 1e3,
                group.bucketReport()));
      }
      return parameters(net);
    }
  }

  static float[] parameters(Network net) {
    try (PointerScope scope = new PointerScope()) {
      TensorVector ps = net.module().parameters();
      long n = 0;
      for (long i = 0; i < ps.size(); i++) {
        n += ps.get(i).numel();
      }
      float[] out = new float[(int) n];
      int off = 0;
      for (long i = 0; i < ps.size(); i++) {
        Tensor c = ps.get(i).detach().contiguous();
        float[] part = new float[(int) c.numel()];
        c.data_ptr_float().get(part);
        System.arraycopy(part, 0, out, off, part.length);
        off += part.length;
      }
      return out;
    }
  }

  private static void write(Path f, float[] w) throws IOException {
    try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(f))) {
      for (float v : w) {
        o.writeFloat(v);
      }
    }
  }
}
