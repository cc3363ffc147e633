package io.vesselseg.model;

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
import org.bytedeco.pytorch.PrefixStore;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;

/**
 * Data parallelism across processes on libtorch's c10d: a {@link TCPStore} rendezvous (hosted by rank 0, or by
 * torchrun's agent), a {@link ProcessGroupGloo} (CPU tensors), the start-up broadcast of parameters and buffers
 * from rank 0, and gradient averaging by allreduce of the gradients in flat buckets, overlapped with the backward
 * pass ({@link GradientBuckets}). Every collective waits at most {@link #timeout()}; one that does not finish in
 * time, or whose peer has gone (Gloo sees the closed connection at once), throws {@link VesselsegException.Data}
 * naming this rank. Not thread-safe: one training loop per process. Close it after training.
 */
public final class Distributed implements AutoCloseable {

  /** Target size of one flat gradient bucket (DDP's default, 25 MB). */
  public static final long BUCKET_BYTES = 25L << 20;
  /** Time-out of the rendezvous and of every collective unless {@code VESSELSEG_DIST_TIMEOUT_S} says. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);

  /**
   * The torchrun / PyTorchJob environment: {@code MASTER_ADDR}, {@code MASTER_PORT}, {@code WORLD_SIZE},
   * {@code RANK}, {@code LOCAL_RANK}; and torchrun's {@code TORCHELASTIC_USE_AGENT_STORE=True} ({@code agentStore}:
   * torchrun's agent already hosts the store on {@code MASTER_PORT}, every rank connects as a client) with
   * {@code TORCHELASTIC_RESTART_COUNT} ({@code restart}: the keys of attempt n are prefixed
   * {@code /worker/attempt_n}, as PyTorch's workers do, so a restarted attempt does not read the last one's).
   */
  public record Env(String masterAddr, int masterPort, int worldSize, int rank, int localRank, boolean agentStore,
      int restart) {

    public Env {
      if (worldSize < 1 || rank < 0 || rank >= worldSize) {
        throw new VesselsegException.Usage("RANK " + rank + " must be in [0, WORLD_SIZE " + worldSize
            + "): set WORLD_SIZE to the number of processes and RANK to 0..WORLD_SIZE-1");
      }
      if (masterPort < 1 || masterPort > 65535) {
        throw new VesselsegException.Usage("MASTER_PORT " + masterPort + " is not a TCP port (1..65535)");
      }
    }

    /** Rank 0 hosts the store (no torchrun agent). */
    public Env(String masterAddr, int masterPort, int worldSize, int rank, int localRank) {
      this(masterAddr, masterPort, worldSize, rank, localRank, false, 0);
    }

    /** The environment's values, or null when {@code WORLD_SIZE} is unset or 1 (a single process). */
    public static Env from(Map<String, String> env) {
      String world = env.get("WORLD_SIZE");
      if (world == null || world.isBlank() || world.trim().equals("1")) {
        return null;
      }
      return new Env(env.getOrDefault("MASTER_ADDR", "127.0.0.1"), number(env, "MASTER_PORT", "29500"),
          number(env, "WORLD_SIZE", "1"), number(env, "RANK", null), number(env, "LOCAL_RANK", "0"),
          "True".equals(env.get("TORCHELASTIC_USE_AGENT_STORE")), number(env, "TORCHELASTIC_RESTART_COUNT", "0"));
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
  private final TCPStore tcp;
  private final Store store;
  private final ProcessGroupGloo group;
  private GradientBuckets buckets;
  private long bytesPerStep;
  private double gradientSeconds;

  private Distributed(Env env, Duration timeout, TCPStore tcp, Store store, ProcessGroupGloo group) {
    this.env = env;
    this.timeout = timeout;
    this.tcp = tcp;
    this.store = store;
    this.group = group;
  }

  /**
   * Joins the group described by {@code env}; rank 0 hosts the store, unless torchrun's agent does
   * ({@link Env#agentStore()}). Blocks until all ranks are there.
   */
  public static Distributed join(Env env, Duration timeout) {
    try {
      TCPStoreOptions so = new TCPStoreOptions();
      so.port((short) env.masterPort());
      so.isServer(env.rank() == 0 && !env.agentStore());
      so.numWorkers(new SizeTPointer(1).put(env.worldSize()));
      so.waitWorkers(true);
      so.timeout(new Milliseconds(timeout.toMillis()));
      TCPStore tcp = new TCPStore(env.masterAddr(), so);
      Store store = env.agentStore() ? new PrefixStore("/worker/attempt_" + env.restart(), tcp) : tcp;
      ProcessGroupGloo.Options o = ProcessGroupGloo.Options.create(new Milliseconds(timeout.toMillis()));
      o.devices(new GlooDeviceVector(device(env.masterAddr())));
      return new Distributed(env, timeout, tcp, store,
          new ProcessGroupGloo(store, env.rank(), env.worldSize(), o));
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

  /**
   * Wall-clock seconds the last step spent on gradient averaging after its backward pass (filling the buckets,
   * the allreduces or what remained of them with overlap, dividing, copying back).
   */
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
   * Call right before the backward pass of a step on {@code net} (inside the step's scope): fresh buckets and,
   * unless {@code VESSELSEG_DIST_OVERLAP=0}, hooks that start their allreduces during backward
   * ({@link GradientBuckets#fromEnvironment}).
   */
  public void beforeBackward(Network net) {
    if (buckets != null && buckets.network() != net) {
      detach(buckets.network());
    }
    if (buckets == null) {
      buckets = GradientBuckets.fromEnvironment(this, net, System.getenv());
    }
    buckets.arm();
  }

  /**
   * Replaces every gradient of {@code net} by its mean over the ranks: gradients in flat buckets (the first of
   * 1 MB, the others of about {@link #BUCKET_BYTES}, in reverse parameter order), one allreduce (sum) per bucket,
   * divided by the world size, copied back (see {@link GradientBuckets}). Parameters without a gradient keep
   * none, on every rank alike. Call after the backward pass, {@link #beforeBackward} having been called before.
   */
  public void averageGradients(Network net) {
    if (buckets == null || buckets.network() != net) {
      throw new IllegalStateException("beforeBackward(net) was not called before this backward pass");
    }
    long t0 = System.nanoTime();
    bytesPerStep = buckets.finish();
    gradientSeconds = (System.nanoTime() - t0) / 1e9;
  }

  /** Removes the hooks {@link #beforeBackward} put on {@code net}'s parameters (call before closing it). */
  public void detach(Network net) {
    if (buckets != null && buckets.network() == net) {
      buckets.release();
      buckets = null;
    }
  }

  /** Buckets and how many started during the last backward pass, e.g. "2 buckets, 1 started during backward". */
  public String bucketReport() {
    return buckets == null ? "no buckets yet" : buckets.bucketCount() + " buckets, "
        + buckets.startedDuringBackward() + " started during backward";
  }

  ProcessGroupGloo processGroup() {
    return group;
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

  void await(Work w, String what) {
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
    if (store != tcp) {
      store.close();
    }
    tcp.close();
  }
}
