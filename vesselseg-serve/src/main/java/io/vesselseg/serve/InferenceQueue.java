package io.vesselseg.serve;

import io.vesselseg.Segmentation;
import io.vesselseg.VesselSegmenter;
import io.vesselseg.VesselsegException;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded queue in front of the inference workers. Each worker is a thread that owns its own models (one per
 * test-time augmentation) and takes one request at a time; at most {@code workers + maxQueue} requests are
 * admitted (computing or waiting), the next gets 503 with {@code Retry-After}. A request still waiting at its
 * deadline is dropped with 504 without being computed. Pixels are decoded by the worker, so the memory held by
 * waiting requests is their encoded bytes only. No dynamic batching: one photograph per forward pass.
 */
final class InferenceQueue implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(InferenceQueue.class);

  /** What came back for one request, with its timings in seconds. */
  record Result(Segmentation segmentation, String modelSha256, double queuedSeconds, double inferenceSeconds) {}

  private record Job(Supplier<BufferedImage> input, VesselSegmenter.Tta tta, long arrivedNanos,
      long deadlineNanos, CompletableFuture<Result> future) {}

  private final LinkedBlockingQueue<Job> waiting = new LinkedBlockingQueue<>();
  private final Semaphore admitted;
  private final List<Thread> threads = new ArrayList<>();
  private final List<VesselSegmenter> segmenters = new ArrayList<>();
  private final ServerMetrics metrics;
  private final int retryAfterSeconds;
  private final int maxQueue;
  private volatile boolean stopping;

  /**
   * Starts {@code workers} threads; {@code open} makes one model for a test-time augmentation and is called
   * here, on the caller's thread, for each worker ({@link VesselSegmenter.Tta#NONE} and {@code FLIPS}).
   */
  InferenceQueue(int workers, int maxQueue, double timeoutSeconds, ServerMetrics metrics,
      java.util.function.Function<VesselSegmenter.Tta, VesselSegmenter> open) {
    this.admitted = new Semaphore(workers + maxQueue);
    this.maxQueue = maxQueue;
    this.metrics = metrics;
    this.retryAfterSeconds = (int) Math.max(1, Math.min(60, Math.ceil(timeoutSeconds / 4)));
    metrics.queueDepth(waiting::size);
    try {
      for (int i = 0; i < workers; i++) {
        Map<VesselSegmenter.Tta, VesselSegmenter> models = Map.of(
            VesselSegmenter.Tta.NONE, track(open.apply(VesselSegmenter.Tta.NONE)),
            VesselSegmenter.Tta.FLIPS, track(open.apply(VesselSegmenter.Tta.FLIPS)));
        Thread t = new Thread(() -> work(models), "inference-" + i);
        t.setDaemon(true);
        threads.add(t);
      }
    } catch (RuntimeException e) {
      segmenters.forEach(VesselSegmenter::close);
      throw e;
    }
    threads.forEach(Thread::start);
  }

  private VesselSegmenter track(VesselSegmenter s) {
    segmenters.add(s);
    return s;
  }

  /** The models of the first worker (the model card, warm-up, names and hashes). */
  VesselSegmenter first() {
    return segmenters.get(0);
  }

  /**
   * Admits a request or refuses it at once.
   *
   * @param input decodes the photograph (on the worker; may throw {@link HttpError})
   * @throws HttpError 503 with Retry-After when every worker and queue place is taken, or while stopping
   */
  CompletableFuture<Result> submit(Supplier<BufferedImage> input, VesselSegmenter.Tta tta, long arrivedNanos,
      long deadlineNanos) {
    if (stopping) {
      throw new HttpError(503, "stopping", "the server is shutting down: send the request to another replica",
          Map.of("Retry-After", "1"));
    }
    if (!admitted.tryAcquire()) {
      throw new HttpError(503, "queue_full", "the server is busy: every worker and all " + maxQueue
          + " queue places are taken (--max-queue); retry after " + retryAfterSeconds + " s",
          Map.of("Retry-After", String.valueOf(retryAfterSeconds)));
    }
    Job job = new Job(input, tta, arrivedNanos, deadlineNanos, new CompletableFuture<>());
    waiting.add(job);
    return job.future;
  }

  private void work(Map<VesselSegmenter.Tta, VesselSegmenter> models) {
    while (true) {
      Job job;
      try {
        job = waiting.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (job == null) {
        if (stopping) {
          return;
        }
        continue;
      }
      try {
        run(job, models.get(job.tta));
      } finally {
        admitted.release();
      }
    }
  }

  private void run(Job job, VesselSegmenter model) {
    long start = System.nanoTime();
    double queued = (start - job.arrivedNanos) / 1e9;
    metrics.queueWait(queued);
    if (job.future.isDone()) {
      return; // its client gave up (deadline) while it waited
    }
    if (start > job.deadlineNanos) {
      job.future.completeExceptionally(deadline(queued));
      return;
    }
    try {
      Segmentation s = model.segment(job.input.get());
      double inference = (System.nanoTime() - start) / 1e9;
      metrics.inference(inference);
      job.future.complete(new Result(s, model.modelSha256(), queued, inference));
    } catch (HttpError | VesselsegException e) {
      job.future.completeExceptionally(e);
    } catch (RuntimeException | OutOfMemoryError e) {
      LOG.error("inference failed", e);
      job.future.completeExceptionally(e);
    }
  }

  static HttpError deadline(double waitedSeconds) {
    return new HttpError(504, "deadline", String.format(java.util.Locale.ROOT, "no result within the server's "
        + "deadline (--timeout) after %.2f s: send a smaller image, retry later, or raise --timeout", waitedSeconds));
  }

  /**
   * Stops admitting, lets the workers finish what was admitted (up to {@code graceSeconds}), then frees the
   * models' native memory.
   */
  void stop(double graceSeconds) {
    stopping = true;
    long end = System.nanoTime() + (long) (graceSeconds * 1e9);
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Job left;
    while ((left = waiting.poll()) != null) {
      left.future.completeExceptionally(new HttpError(503, "stopping", "the server stopped before this request "
          + "was computed: retry on another replica", Map.of("Retry-After", "1")));
    }
    boolean busy = threads.stream().anyMatch(Thread::isAlive);
    if (busy) {
      LOG.warn("an inference worker was still computing after {} s; its model's memory is left to the process exit",
          graceSeconds);
    } else {
      segmenters.forEach(VesselSegmenter::close);
    }
  }

  @Override
  public void close() {
    stop(30);
  }
}
