package io.vesselseg.serve;

import io.vesselseg.VesselSegmenter;
import io.vesselseg.VesselsegException;

/**
 * The settings of a {@link SegmentationServer}, validated when made: a bad value throws
 * {@link VesselsegException.Usage} naming the setting, the value and the rule.
 *
 * @param host           the address to listen on ({@code 0.0.0.0}: every interface; tests use {@code 127.0.0.1})
 * @param port           TCP port, 0..65535 (0: any free port; {@link SegmentationServer#port()} says which)
 * @param model          {@code builtin} or {@code compact} (the models inside the jar), or a {@code .safetensors}
 *                       file / run directory
 * @param modelName      the model's name in the Open Inference Protocol paths ({@code /v2/models/{name}})
 * @param options        how the model is loaded and applied: ensemble members, rescaling, device, precision,
 *                       threshold, BatchNorm folding (its {@code tta} is ignored: each request chooses its own)
 * @param workers        inference workers, 1..64; each holds its own copy of the model, and libtorch's threads
 *                       are split between them (cores / workers each)
 * @param maxBatch       most photographs a worker computes in one batch, 1..64: it takes what waits in the
 *                       queue (dynamic batching); photographs of one size share forward passes
 * @param maxDelayMillis how long a worker holding fewer than {@code maxBatch} photographs waits for more before
 *                       computing, 0..1000 ms (0: take only what already waits)
 * @param maxQueue       requests waiting for a worker beyond those being computed, 0..10000; more get 503
 * @param maxUploadMb    largest request body in MiB (image bytes, multipart form or inference JSON), 1..2048
 * @param maxPixels      largest decoded image, width × height, checked from the image header before decoding,
 *                       1..400 000 000
 * @param timeoutSeconds deadline of a request from its arrival, in seconds, (0, 3600]; past it: 504
 */
public record ServeSettings(String host, int port, String model, String modelName,
    VesselSegmenter.Options options, int workers, int maxBatch, int maxDelayMillis, int maxQueue, int maxUploadMb,
    long maxPixels, double timeoutSeconds) {

  /** The model argument that names the model shipped inside the jar. */
  public static final String BUILT_IN = "builtin";
  /** The model argument that names the compact model shipped inside the jar. */
  public static final String COMPACT = "compact";

  public ServeSettings {
    if (host == null || host.isBlank()) {
      throw usage("host '" + host + "' must be an address such as 0.0.0.0 or 127.0.0.1");
    }
    if (port < 0 || port > 65535) {
      throw usage("port " + port + " must be in 0..65535 (0: any free port)");
    }
    if (model == null || model.isBlank()) {
      throw usage("model '" + model + "' must be 'builtin', 'compact' or a .safetensors file or run directory");
    }
    if (modelName == null || !modelName.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      throw usage("model name '" + modelName + "' must be 1..64 letters, digits, '_', '.' or '-' (it is a URL "
          + "path segment), starting with a letter or digit");
    }
    java.util.Objects.requireNonNull(options, "options");
    if (maxBatch < 1 || maxBatch > 64) {
      throw usage("max batch " + maxBatch + " must be in 1..64 (1: one photograph per forward pass)");
    }
    if (maxDelayMillis < 0 || maxDelayMillis > 1000) {
      throw usage("max delay " + maxDelayMillis + " ms must be in 0..1000 (0: batch only what already waits)");
    }
    if (workers < 1 || workers > 64) {
      throw usage("workers " + workers + " must be in 1..64 (one per core at most pays on a CPU)");
    }
    if (maxQueue < 0 || maxQueue > 10_000) {
      throw usage("max queue " + maxQueue + " must be in 0..10000 (0: no waiting, only the workers' requests)");
    }
    if (maxUploadMb < 1 || maxUploadMb > 2048) {
      throw usage("max upload " + maxUploadMb + " MiB must be in 1..2048");
    }
    if (maxPixels < 1 || maxPixels > 400_000_000L) {
      throw usage("max pixels " + maxPixels + " must be in 1..400000000 (width x height of a decoded image)");
    }
    if (!(timeoutSeconds > 0 && timeoutSeconds <= 3600)) {
      throw usage("timeout " + timeoutSeconds + " s must be in (0, 3600] seconds");
    }
  }

  /**
   * Every interface, port 8080, the built-in model with the library's default options, named {@code vessels},
   * one worker, one photograph per batch (on a CPU, batching DRIVE-sized photographs costs throughput: see
   * docs/serve.md), a queue of 16, 64 MiB uploads, 50 megapixels, 60 s.
   */
  public static ServeSettings defaults() {
    return new ServeSettings("0.0.0.0", 8080, BUILT_IN, "vessels", VesselSegmenter.Options.defaults(), 1, 1, 0, 16,
        64, 50_000_000L, 60);
  }

  public ServeSettings withHost(String h) {
    return new ServeSettings(h, port, model, modelName, options, workers, maxBatch, maxDelayMillis, maxQueue,
        maxUploadMb, maxPixels, timeoutSeconds);
  }

  public ServeSettings withPort(int p) {
    return new ServeSettings(host, p, model, modelName, options, workers, maxBatch, maxDelayMillis, maxQueue,
        maxUploadMb, maxPixels, timeoutSeconds);
  }

  public ServeSettings withModel(String m) {
    return new ServeSettings(host, port, m, modelName, options, workers, maxBatch, maxDelayMillis, maxQueue,
        maxUploadMb, maxPixels, timeoutSeconds);
  }

  public ServeSettings withModelName(String n) {
    return new ServeSettings(host, port, model, n, options, workers, maxBatch, maxDelayMillis, maxQueue,
        maxUploadMb, maxPixels, timeoutSeconds);
  }

  public ServeSettings withOptions(VesselSegmenter.Options o) {
    return new ServeSettings(host, port, model, modelName, o, workers, maxBatch, maxDelayMillis, maxQueue,
        maxUploadMb, maxPixels, timeoutSeconds);
  }

  public ServeSettings withWorkers(int w) {
    return new ServeSettings(host, port, model, modelName, options, w, maxBatch, maxDelayMillis, maxQueue,
        maxUploadMb, maxPixels, timeoutSeconds);
  }

  public ServeSettings withMaxBatch(int b) {
    return new ServeSettings(host, port, model, modelName, options, workers, b, maxDelayMillis, maxQueue,
        maxUploadMb, maxPixels, timeoutSeconds);
  }

  public ServeSettings withMaxDelayMillis(int ms) {
    return new ServeSettings(host, port, model, modelName, options, workers, maxBatch, ms, maxQueue,
        maxUploadMb, maxPixels, timeoutSeconds);
  }

  public ServeSettings withMaxQueue(int q) {
    return new ServeSettings(host, port, model, modelName, options, workers, maxBatch, maxDelayMillis, q,
        maxUploadMb, maxPixels, timeoutSeconds);
  }

  public ServeSettings withMaxUploadMb(int mb) {
    return new ServeSettings(host, port, model, modelName, options, workers, maxBatch, maxDelayMillis,
        maxQueue, mb, maxPixels, timeoutSeconds);
  }

  public ServeSettings withMaxPixels(long px) {
    return new ServeSettings(host, port, model, modelName, options, workers, maxBatch, maxDelayMillis,
        maxQueue, maxUploadMb, px, timeoutSeconds);
  }

  public ServeSettings withTimeoutSeconds(double s) {
    return new ServeSettings(host, port, model, modelName, options, workers, maxBatch, maxDelayMillis,
        maxQueue, maxUploadMb, maxPixels, s);
  }

  /** The body limit in bytes. */
  public long maxUploadBytes() {
    return maxUploadMb * 1024L * 1024L;
  }

  private static VesselsegException.Usage usage(String message) {
    return new VesselsegException.Usage(message);
  }
}
