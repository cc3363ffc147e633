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
 * {@code steps globalBatch weightsFile} ({@code {rank}} in the file name: the rank). It trains a tiny U-Net on
 * synthetic patches (every rank draws the same global batch, trains its shard) and writes its parameters as
 * big-endian floats. Each rank starts from a different seed, so equal results prove the start-up broadcast. Exit
 * 3 with the message on a collective's failure. Optional arguments {@code depth baseChannels patch} measure other
 * sizes (docs/distributed.md's figures; {@code VESSELSEG_BENCH_ALLREDUCE=n} also times n allreduces of the
 * gradient's size alone); without WORLD_SIZE it trains as one process.
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
        if (env.rank() == 1 && env.restart() == 0 && System.getenv("VESSELSEG_TEST_FAIL_FIRST_ATTEMPT") != null) {
          System.out.println("rank 1 fails in attempt 0, as asked");
          System.exit(1); // TorchrunTest: torchrun's agent restarts both ranks (attempt 1)
        }
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
      double[] ms = new double[steps];
      double[] wait = new double[steps];
      for (int s = 0; s < steps; s++) {
        sampler.fill(rng, x, y, batch);
        long t0 = System.nanoTime();
        float loss = step.step(x, y, batch, patch, 1e-2);
        ms[s] = (System.nanoTime() - t0) / 1e6;
        wait[s] = group == null ? 0 : group.gradientSeconds() * 1e3;
        System.out.printf("step %d loss %.5f%s%n", s + 1, loss, group == null ? ""
            : String.format(" allreduce %d bytes %.2f ms (%s)", group.gradientBytes(), group.gradientSeconds() * 1e3,
                group.bucketReport()));
      }
      if (steps > 1) {
        double[] later = java.util.Arrays.copyOfRange(ms, 1, steps);
        double[] waits = java.util.Arrays.copyOfRange(wait, 1, steps);
        java.util.Arrays.sort(later);
        java.util.Arrays.sort(waits);
        System.out.printf("ms per step after the first: median %.0f, min %.0f, max %.0f; gradient averaging after "
            + "backward: median %.1f ms%n", later[later.length / 2], later[0], later[later.length - 1],
            waits[waits.length / 2]);
      }
      if (group != null && System.getenv("VESSELSEG_BENCH_ALLREDUCE") != null) {
        allreduceAlone(group, group.gradientBytes() / 4, Integer.parseInt(System.getenv("VESSELSEG_BENCH_ALLREDUCE")));
      }
      return parameters(net);
    }
  }

  /** Times {@code n} allreduces of one flat fp32 tensor of {@code numel} elements (no copies around them). */
  private static void allreduceAlone(Distributed group, long numel, int n) {
    try (PointerScope scope = new PointerScope()) {
      Tensor buf = org.bytedeco.pytorch.global.torch.zeros(numel);
      double[] ms = new double[n];
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        group.await(group.processGroup().allreduce(new TensorVector(buf),
            new org.bytedeco.pytorch.AllreduceOptions()), "the allreduce benchmark");
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
      java.util.Arrays.sort(ms);
      System.out.printf("allreduce alone of %d bytes, %d times: median %.1f ms, min %.1f, max %.1f%n", numel * 4, n,
          ms[n / 2], ms[0], ms[n - 1]);
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
