package io.vesselseg.model;

import static org.bytedeco.pytorch.global.torch.cat;

import io.vesselseg.VesselsegException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;

/**
 * Data parallelism across processes on libtorch's c10d: a {@link TCPStore} rendezvous (hosted by rank 0), a
 * {@link ProcessGroupGloo} (CPU tensors), the start-up broadcast of parameters and buffers from rank 0, and
 * gradient averaging by allreduce of the gradients flattened into buckets of about {@value #BUCKET_BYTES}
 * bytes. Every collective waits at most {@link #timeout()}; one that does not finish in time, or whose peer
 * has gone (Gloo sees the closed connection at once), throws {@link VesselsegException.Data} naming this
 * rank. Not thread-safe: one training loop per process. Close it after training.
 */
public final class Distributed implements AutoCloseable {

  /** Target size of one flat gradient bucket (DDP's default, 25 MB). */
  public static final long BUCKET_BYTES = 25L << 20;
  /** Time-out of the rendezvous and of every collective unless {@code VESSELSEG_DIST_TIMEOUT_S} says. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);

  /**
   * The torchrun / PyTorchJob environment: {@code MASTER_ADDR}, {@code MASTER_PORT}, {@code WORLD_SIZE},
   * {@code RANK}, {@code LOCAL_RANK}.
   */
  public record Env(String masterAddr, int masterPort, int worldSize, int rank, int localRank) {

    public Env {
      if (worldSize < 1 || rank < 0 || rank >= worldSize) {
        throw new VesselsegException.Usage("RANK " + rank + " must be in [0, WORLD_SIZE " + worldSize
            + "): set WORLD_SIZE to the number of processes and RANK to 0..WORLD_SIZE-1");
      }
      if (masterPort < 1 || masterPort > 65535) {
        throw new VesselsegException.Usage("MASTER_PORT " + masterPort + " is not a TCP port (1..65535)");
      }
    }

    /** The environment's values, or null when {@code WORLD_SIZE} is unset or 1 (a single process). */
    public static Env from(Map<String, String> env) {
      String world = env.get("WORLD_SIZE");
      if (world == null || world.isBlank() || world.trim().equals("1")) {
        return null;
      }
      return new Env(env.getOrDefault("MASTER_ADDR", "127.0.0.1"), number(env, "MASTER_PORT", "29500"),
          number(env, "WORLD_SIZE", "1"), number(env, "RANK", null), number(env, "LOCAL_RANK", "0"));
    }

    private static int number(Map<String, String> env, String name, String fallback) {
      String v = env.getOrDefault(name, fallback);
      if (v == null) {
        throw new VesselsegException.Usage(name + " is not set although WORLD_SIZE is "
            + env.get("WORLD_SIZE") + ": a distributed run needs MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK "
            + "(torchrun and PyTorchJob set them; ./vesselseg train --nproc N does too)");
      }
      try {
        return Integer.parseInt(v.trim());
      } catch (NumberFormatException e) {
        throw new VesselsegException.Usage(name + " must be an integer, found '" + v + "'");
      }
    }
  }

  private final Env env;
  private final Duration timeout;
  private final TCPStore store;
  private final ProcessGroupGloo group;
  private long bytesPerStep;
  private double gradientSeconds;

  private Distributed(Env env, Duration timeout, TCPStore store, ProcessGroupGloo group) {
    this.env = env;
    this.timeout = timeout;
    this.store = store;
    this.group = group;
  }

  /** Joins the group described by {@code env}; rank 0 hosts the store. Blocks until all ranks are there. */
  public static Distributed join(Env env, Duration timeout) {
    try {
      TCPStoreOptions so = new TCPStoreOptions();
      so.port((short) env.masterPort());
      so.isServer(env.rank() == 0);
      so.numWorkers(new SizeTPointer(1).put(env.worldSize()));
      so.waitWorkers(true);
      so.timeout(new Milliseconds(timeout.toMillis()));
      TCPStore store = new TCPStore(env.masterAddr(), so);
      ProcessGroupGloo.Options o = ProcessGroupGloo.Options.create(new Milliseconds(timeout.toMillis()));
      o.devices(new GlooDeviceVector(device(env.masterAddr())));
      return new Distributed(env, timeout, store, new ProcessGroupGloo(store, env.rank(), env.worldSize(), o));
    } catch (RuntimeException e) {
      throw new VesselsegException.Data("rank " + env.rank() + " could not join " + env.worldSize()
          + " processes at " + env.masterAddr() + ":" + env.masterPort() + " within " + timeout.toSeconds()
          + " s (" + e.getMessage() + "); check that rank 0 runs, MASTER_ADDR/MASTER_PORT reach it and the port "
          + "is free");
    }
  }

  /**
   * The network interface Gloo talks over: loopback for a master on this machine, {@code GLOO_SOCKET_IFNAME}
   * when set (as in PyTorch), else the interface this host's name resolves to.
   */
  private static org.bytedeco.pytorch.gloo.Device device(String masterAddr) {
    String ifname = System.getenv("GLOO_SOCKET_IFNAME");
    if (ifname != null && !ifname.isBlank()) {
      return ProcessGroupGloo.createDeviceForInterface(ifname.trim());
    }
    if (masterAddr.equals("127.0.0.1") || masterAddr.equals("localhost")) {
      return ProcessGroupGloo.createDeviceForHostname("127.0.0.1");
    }
    return ProcessGroupGloo.createDefaultDevice();
  }

  /** {@link #DEFAULT_TIMEOUT}, or {@code VESSELSEG_DIST_TIMEOUT_S} seconds. */
  public static Duration timeoutFrom(Map<String, String> env) {
    String s = env.get("VESSELSEG_DIST_TIMEOUT_S");
    return s == null || s.isBlank() ? DEFAULT_TIMEOUT : Duration.ofSeconds(Long.parseLong(s.trim()));
  }

  public int rank() {
    return env.rank();
  }

  public int worldSize() {
    return env.worldSize();
  }

  public Duration timeout() {
    return timeout;
  }

  /** Bytes this rank sent into the gradient allreduce of the last step (the flat buckets' size). */
  public long gradientBytes() {
    return bytesPerStep;
  }

  /** Wall-clock seconds of the last step's gradient averaging (flatten, allreduce, divide, copy back). */
  public double gradientSeconds() {
    return gradientSeconds;
  }

  /** Copies rank 0's parameters and buffers (BatchNorm statistics) into {@code net} on every rank. */
  public void broadcastWeights(Network net) {
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      List<Tensor> all = new ArrayList<>();
      TensorVector params = net.module().parameters();
      TensorVector buffers = net.module().buffers();
      for (long i = 0; i < params.size(); i++) {
        all.add(params.get(i));
      }
      for (long i = 0; i < buffers.size(); i++) {
        all.add(buffers.get(i));
      }
      for (Tensor t : all) { // one at a time: buffers mix dtypes (num_batches_tracked is int64)
        boolean direct = t.is_contiguous();
        Tensor c = direct ? t : t.contiguous();
        BroadcastOptions o = new BroadcastOptions();
        o.rootRank(0);
        o.timeout(new Milliseconds(timeout.toMillis()));
        await(group.broadcast(new TensorVector(c), o), "the start-up broadcast of the weights");
        if (!direct) {
          t.copy_(c);
        }
      }
    }
  }

  /**
   * Replaces every gradient of {@code net} by its mean over the ranks: gradients flattened into buckets of
   * about {@link #BUCKET_BYTES}, one allreduce (sum) per bucket, divided by the world size, copied back.
   * Parameters without a gradient (frozen) are left out on every rank alike. Call inside the step's scope.
   */
  public void averageGradients(Network net) {
    long t0 = System.nanoTime();
    try (NoGradGuard g = new NoGradGuard()) {
      TensorVector params = net.module().parameters();
      List<Tensor> bucket = new ArrayList<>();
      long bytes = 0;
      long total = 0;
      for (long i = 0; i < params.size(); i++) {
        Tensor p = params.get(i);
        Tensor grad = p.grad();
        if (!p.requires_grad() || !grad.defined()) {
          continue;
        }
        bucket.add(grad);
        bytes += grad.numel() * grad.element_size();
        if (bytes >= BUCKET_BYTES) {
          total += reduce(bucket);
          bucket.clear();
          bytes = 0;
        }
      }
      if (!bucket.isEmpty()) {
        total += reduce(bucket);
      }
      bytesPerStep = total;
    }
    gradientSeconds = (System.nanoTime() - t0) / 1e9;
  }

  private long reduce(List<Tensor> grads) {
    Tensor[] flat = new Tensor[grads.size()];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = grads.get(i).reshape(-1);
    }
    Tensor buf = cat(new TensorVector(flat));
    await(group.allreduce(new TensorVector(buf), allreduce()), "the gradient allreduce");
    buf.div_(new Scalar((double) env.worldSize()));
    long off = 0;
    for (Tensor gr : grads) {
      long n = gr.numel();
      gr.copy_(buf.narrow(0, off, n).view_as(gr));
      off += n;
    }
    return buf.numel() * buf.element_size();
  }

  /** The sum of {@code value} over the ranks (e.g. to agree that a loss is finite everywhere). */
  public double sum(double value) {
    try (PointerScope scope = new PointerScope()) {
      Tensor t = org.bytedeco.pytorch.global.torch.scalar_tensor(new Scalar(value));
      t = t.to(org.bytedeco.pytorch.global.torch.ScalarType.Double);
      await(group.allreduce(new TensorVector(t), allreduce()), "the loss allreduce");
      return t.item_double();
    }
  }

  /** Rank 0's {@code value} on every rank (rank 0's decisions: stop, out of time, continue). */
  public int fromRankZero(int value) {
    try (PointerScope scope = new PointerScope()) {
      Tensor t = org.bytedeco.pytorch.global.torch.scalar_tensor(new Scalar((double) value));
      BroadcastOptions o = new BroadcastOptions();
      o.rootRank(0);
      o.timeout(new Milliseconds(timeout.toMillis()));
      await(group.broadcast(new TensorVector(t), o), "rank 0's decision to go on or stop");
      return (int) Math.round(t.item_double());
    }
  }

  private AllreduceOptions allreduce() {
    AllreduceOptions o = new AllreduceOptions();
    o.timeout(new Milliseconds(timeout.toMillis()));
    return o;
  }

  private void await(Work w, String what) {
    try {
      w._wait(new Milliseconds(timeout.toMillis()));
    } catch (RuntimeException e) {
      throw new VesselsegException.Data("rank " + env.rank() + " of " + env.worldSize() + ": " + what
          + " failed or timed out after at most " + timeout.toSeconds() + " s (" + firstLine(e.getMessage())
          + "): another rank has stopped or hangs; see its output. The last checkpoint rank 0 wrote stays "
          + "usable with --resume");
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "no message";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  @Override
  public void close() {
    group.close();
    store.close();
  }
}
