package io.vesselseg.serve;

import io.vesselseg.Segmentation;
import io.vesselseg.VesselSegmenter;
import io.vesselseg.VesselsegException;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.HashMap;
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
 * A bounded queue in front of the inference workers. Each worker is a thread that owns its own model and takes
 * up to {@code maxBatch} requests at a time (dynamic batching: what waits in the queue, plus what arrives
 * within {@code maxDelayMillis}); photographs of one size and test-time augmentation share forward passes
 * ({@link VesselSegmenter#segmentAll}). At most {@code workers * maxBatch + maxQueue} requests are admitted
 * (computing or waiting), the next gets 503 with {@code Retry-After}. A request still waiting at its deadline
 * is dropped with 504 without being computed. Pixels are decoded by the worker, so the memory held by waiting
 * requests is their encoded bytes only.
 */
final class InferenceQueue implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(InferenceQueue.class);

  /** What came back for one request, with its timings in seconds. */
  record Result(Segmentation segmentation, String modelSha256, double queuedSeconds, double inferenceSeconds) {}

  private record Job(Supplier<BufferedImage> input, Mode mode, long arrivedNanos,
      long deadlineNanos, CompletableFuture<Result> future) {}

  private final LinkedBlockingQueue<Job> waiting = new LinkedBlockingQueue<>();
  private final Semaphore admitted;
  private final List<Thread> threads = new ArrayList<>();
  private final List<VesselSegmenter> segmenters = new ArrayList<>();
  private final ServerMetrics metrics;
  private final int retryAfterSeconds;
  private final int maxQueue;
  private final int maxBatch;
  private final long maxDelayNanos;
  private volatile boolean stopping;

  /**
   * Starts {@code workers} threads; {@code open} makes one worker's model and is called here, on the caller's
   * thread, for each worker.
   */
  InferenceQueue(ServeSettings settings, ServerMetrics metrics, Supplier<VesselSegmenter> open) {
    this.maxBatch = settings.maxBatch();
    this.maxDelayNanos = settings.maxDelayMillis() * 1_000_000L;
    this.admitted = new Semaphore(settings.workers() * settings.maxBatch() + settings.maxQueue());
    this.maxQueue = settings.maxQueue();
    this.metrics = metrics;
    this.retryAfterSeconds = (int) Math.max(1, Math.min(60, Math.ceil(settings.timeoutSeconds() / 4)));
    metrics.queueDepth(waiting::size);
    try {
      for (int i = 0; i < settings.workers(); i++) {
        VesselSegmenter model = open.get();
        segmenters.add(model);
        Thread t = new Thread(() -> work(model), "inference-" + i);
        t.setDaemon(true);
        threads.add(t);
      }
    } catch (RuntimeException e) {
      segmenters.forEach(VesselSegmenter::close);
      throw e;
    }
    threads.forEach(Thread::start);
  }

  /** The first worker's model (the model card, names and hashes). */
  VesselSegmenter first() {
    return segmenters.get(0);
  }

  /**
   * Admits a request or refuses it at once.
   *
   * @param input decodes the photograph (on the worker; may throw {@link HttpError})
   * @throws HttpError 503 with Retry-After when every worker and queue place is taken, or while stopping
   */
  CompletableFuture<Result> submit(Supplier<BufferedImage> input, Mode mode, long arrivedNanos,
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
    Job job = new Job(input, mode, arrivedNanos, deadlineNanos, new CompletableFuture<>());
    waiting.add(job);
    return job.future;
  }

  private void work(VesselSegmenter model) {
    while (true) {
      List<Job> batch = new ArrayList<>(maxBatch);
      try {
        Job first = waiting.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (stopping) {
            return;
          }
          continue;
        }
        batch.add(first);
        long until = System.nanoTime() + maxDelayNanos;
        while (batch.size() < maxBatch) {
          long left = until - System.nanoTime();
          Job next = left > 0 ? waiting.poll(left, TimeUnit.NANOSECONDS) : waiting.poll();
          if (next == null) {
            break;
          }
          batch.add(next);
        }
      } catch (InterruptedException e) {
        batch.forEach(j -> j.future.completeExceptionally(new HttpError(503, "stopping", "the server stopped "
            + "before this request was computed: retry on another replica", Map.of("Retry-After", "1"))));
        admitted.release(batch.size());
        return;
      }
      try {
        run(batch, model);
      } finally {
        admitted.release(batch.size());
      }
    }
  }

  /**
   * What a request asks of the model: the test-time augmentation, and whether to compute the uncertainty.
   * Requests of one mode share a batch.
   */
  record Mode(VesselSegmenter.Tta tta, boolean uncertainty) {}

  /** Decodes the batch's photographs and segments them, one {@code segmentAll} per {@link Mode}. */
  private void run(List<Job> batch, VesselSegmenter model) {
    long start = System.nanoTime();
    Map<Mode, List<Job>> byMode = new java.util.LinkedHashMap<>();
    Map<Job, BufferedImage> images = new HashMap<>();
    for (Job job : batch) {
      double queued = (start - job.arrivedNanos) / 1e9;
      metrics.queueWait(queued);
      if (job.future.isDone()) {
        continue; // its client gave up (deadline) while it waited
      }
      if (start > job.deadlineNanos) {
        job.future.completeExceptionally(deadline(queued));
        continue;
      }
      try {
        images.put(job, job.input.get());
        byMode.computeIfAbsent(job.mode, t -> new ArrayList<>()).add(job);
      } catch (RuntimeException | OutOfMemoryError e) {
        fail(job, e);
      }
    }
    for (Map.Entry<Mode, List<Job>> group : byMode.entrySet()) {
      List<Job> jobs = group.getValue();
      Mode mode = group.getKey();
      List<Segmentation> out;
      try {
        out = model.segmentAll(jobs.stream().map(images::get).toList(), mode.tta(), mode.uncertainty());
      } catch (RuntimeException | OutOfMemoryError e) {
        if (jobs.size() == 1) {
          fail(jobs.get(0), e);
          continue;
        }
        // one photograph may spoil a batch: give each its own answer
        out = null;
      }
      metrics.batch(jobs.size());
      for (int k = 0; k < jobs.size(); k++) {
        Job job = jobs.get(k);
        try {
          Segmentation s = out != null ? out.get(k)
              : model.segmentAll(List.of(images.get(job)), mode.tta(), mode.uncertainty()).get(0);
          double inference = (System.nanoTime() - start) / 1e9;
          metrics.inference(inference);
          job.future.complete(new Result(s, model.modelSha256(), (start - job.arrivedNanos) / 1e9, inference));
        } catch (RuntimeException | OutOfMemoryError e) {
          fail(job, e);
        }
      }
    }
  }

  private static void fail(Job job, Throwable e) {
    if (!(e instanceof HttpError || e instanceof VesselsegException)) {
      LOG.error("inference failed", e);
    }
    job.future.completeExceptionally(e);
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
