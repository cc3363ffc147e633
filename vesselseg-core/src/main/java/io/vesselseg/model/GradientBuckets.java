package io.vesselseg.model;

import static org.bytedeco.pytorch.global.torch.zeros;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.VoidTensorHook;
import org.bytedeco.pytorch.Work;

/**
 * The gradient averaging of one {@link Network} in a {@link Distributed} group, as DDP's Reducer does it: the
 * trainable parameters in reverse order (the order backward produces their gradients) are cut into buckets,
 * the first of at most {@value #FIRST_BUCKET_BYTES} bytes, the others of at most
 * {@link Distributed#BUCKET_BYTES}; each bucket is one flat fp32 tensor summed by one allreduce, divided by the
 * world size and copied back into the gradients.
 *
 * <p>With overlap, a hook on every parameter ({@code Tensor.register_hook}, a JavaCPP function pointer called
 * by the autograd engine) copies the parameter's gradient into its bucket as soon as backward has computed it,
 * and a full bucket's allreduce starts at once (asynchronously, on Gloo's threads) while backward goes on;
 * buckets are launched in index order on every rank, so the ranks issue the same collectives in the same
 * order. {@link #finish()} waits for them. Without overlap the buckets are filled and reduced after backward.
 * A parameter that gets no gradient contributes zeros and keeps no gradient, on every rank alike.
 */
final class GradientBuckets {

  /** The first bucket's cap (DDP's {@code first_bucket_bytes_cap}): a small bucket starts early. */
  static final long FIRST_BUCKET_BYTES = 1L << 20;

  private final Distributed group;
  private final Network network;
  private final boolean overlap;
  private final List<int[]> buckets = new ArrayList<>(); // parameter indices per bucket
  private final int[] bucketOf;
  private final long[] offsetOf;
  private final long[] bucketNumel;
  private final List<VoidTensorHook> hooks = new ArrayList<>();
  private final int[] hookIds;
  // per step (between arm and finish)
  private Tensor[] flat;
  private Work[] works;
  private int[] ready;
  private int launched;
  private int early;
  private boolean armed;
  private RuntimeException failure;

  /**
   * Buckets for {@code network}: with overlap unless {@code VESSELSEG_DIST_OVERLAP=0}; {@code
   * VESSELSEG_DIST_BUCKET_BYTES} caps every bucket (default: {@value #FIRST_BUCKET_BYTES} bytes the first,
   * {@link Distributed#BUCKET_BYTES} the others).
   */
  static GradientBuckets fromEnvironment(Distributed group, Network network, java.util.Map<String, String> env) {
    String cap = env.get("VESSELSEG_DIST_BUCKET_BYTES");
    boolean set = cap != null && !cap.isBlank();
    long first = set ? Long.parseLong(cap.trim()) : FIRST_BUCKET_BYTES;
    long others = set ? Long.parseLong(cap.trim()) : Distributed.BUCKET_BYTES;
    return new GradientBuckets(group, network, !"0".equals(env.get("VESSELSEG_DIST_OVERLAP")), first, others);
  }

  /**
   * Buckets for {@code network}'s trainable parameters, the first of at most {@code firstCap} bytes, the others
   * of at most {@code cap}; with {@code overlap} a hook on each of them.
   */
  GradientBuckets(Distributed group, Network network, boolean overlap, long firstCap, long cap) {
    this.group = group;
    this.network = network;
    this.overlap = overlap;
    TensorVector params = network.module().parameters();
    int n = (int) params.size();
    bucketOf = new int[n];
    offsetOf = new long[n];
    hookIds = new int[n];
    List<Integer> current = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    long bytes = 0;
    long limit = firstCap;
    for (int i = n - 1; i >= 0; i--) {
      Tensor p = params.get(i);
      bucketOf[i] = -1;
      if (!p.requires_grad()) {
        continue;
      }
      if (!p.is_floating_point() || p.element_size() != 4) { // the buckets are fp32
        throw new IllegalStateException("data-parallel training needs fp32 parameters, parameter " + i + " is "
            + p.scalar_type());
      }
      bucketOf[i] = buckets.size();
      offsetOf[i] = bytes / 4;
      current.add(i);
      bytes += p.numel() * 4;
      if (bytes >= limit) {
        close(current, sizes, bytes);
        bytes = 0;
        limit = cap;
      }
    }
    if (!current.isEmpty()) {
      close(current, sizes, bytes);
    }
    bucketNumel = sizes.stream().mapToLong(Long::longValue).toArray();
    if (overlap) {
      for (int i = 0; i < n; i++) {
        if (bucketOf[i] >= 0) {
          final int index = i;
          VoidTensorHook h = new VoidTensorHook() {
            @Override
            public void call(TensorBase grad) {
              ready(index, grad);
            }
          };
          h.retainReference(); // outlives any PointerScope: the engine calls it in later steps
          hooks.add(h);
          hookIds[i] = params.get(i).register_hook(h);
        }
      }
    }
  }

  private void close(List<Integer> current, List<Long> sizes, long bytes) {
    buckets.add(current.stream().mapToInt(Integer::intValue).toArray());
    sizes.add(bytes / 4);
    current.clear();
  }

  Network network() {
    return network;
  }

  int bucketCount() {
    return buckets.size();
  }

  /** How many of the last step's buckets started their allreduce during backward (overlap). */
  int startedDuringBackward() {
    return early;
  }

  /** Before backward (inside the step's PointerScope): fresh zeroed buckets, the hooks armed. */
  void arm() {
    flat = new Tensor[buckets.size()];
    works = new Work[buckets.size()];
    ready = new int[buckets.size()];
    launched = 0;
    failure = null;
    for (int b = 0; b < flat.length; b++) {
      flat[b] = zeros(bucketNumel[b]); // fp32 on the CPU
    }
    armed = overlap;
  }

  /** The hook: parameter {@code index}'s gradient is computed; copy it, start every bucket now complete. */
  private void ready(int index, TensorBase grad) {
    if (!armed) {
      return; // a backward outside a distributed step (e.g. a saliency map): nothing to do
    }
    try (NoGradGuard g = new NoGradGuard()) {
      int b = bucketOf[index];
      Tensor gr = new Tensor(grad);
      flat[b].narrow(0, offsetOf[index], gr.numel()).copy_(gr.reshape(-1));
      ready[b]++;
      launchCompleted();
    } catch (RuntimeException e) { // never throw into the autograd engine: finish() reports it
      failure = failure == null ? e : failure;
    }
  }

  private void launchCompleted() {
    while (launched < buckets.size() && ready[launched] == buckets.get(launched).length) {
      launch(launched++);
    }
  }

  private void launch(int b) {
    AllreduceOptions o = new AllreduceOptions();
    o.timeout(new org.bytedeco.javacpp.chrono.Milliseconds(group.timeout().toMillis()));
    works[b] = group.processGroup().allreduce(new TensorVector(flat[b]), o);
  }

  /**
   * After backward: the buckets not started yet (all of them without overlap) are filled from the gradients
   * and started, every allreduce is awaited, and the means are copied back into the gradients.
   *
   * @return the bytes this rank sent into the allreduces (the buckets' size)
   */
  long finish() {
    armed = false;
    early = launched;
    if (failure != null) {
      throw failure;
    }
    try (NoGradGuard g = new NoGradGuard()) {
      TensorVector params = network.module().parameters();
      for (int b = launched; b < buckets.size(); b++) {
        for (int i : buckets.get(b)) {
          Tensor grad = params.get(i).grad();
          if (!overlap && grad.defined()) {
            flat[b].narrow(0, offsetOf[i], grad.numel()).copy_(grad.reshape(-1));
          }
        }
        launch(b);
      }
      launched = buckets.size();
      long bytes = 0;
      Scalar world = new Scalar((double) group.worldSize());
      for (int b = 0; b < buckets.size(); b++) {
        group.await(works[b], "the gradient allreduce");
        flat[b].div_(world);
        bytes += bucketNumel[b] * 4;
        for (int i : buckets.get(b)) {
          Tensor grad = params.get(i).grad();
          if (grad.defined()) {
            grad.copy_(flat[b].narrow(0, offsetOf[i], grad.numel()).view_as(grad));
          }
        }
      }
      flat = null;
      works = null;
      return bytes;
    }
  }

  /** Removes the hooks from the parameters (call while the network is open) and frees them. */
  void release() {
    armed = false;
    if (hooks.isEmpty()) {
      return;
    }
    try (PointerScope scope = new PointerScope()) {
      TensorVector params = network.module().parameters();
      for (int i = 0, h = 0; i < bucketOf.length; i++) {
        if (bucketOf[i] >= 0) {
          params.get(i).remove_hook(hookIds[i]);
          hooks.get(h++).releaseReference();
        }
      }
    }
    hooks.clear();
  }
}
