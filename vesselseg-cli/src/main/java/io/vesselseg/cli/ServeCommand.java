package io.vesselseg.cli;

import io.vesselseg.VesselSegmenter;
import io.vesselseg.serve.SegmentationServer;
import io.vesselseg.serve.ServeSettings;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vesselseg serve}: the HTTP segmentation service (module vesselseg-serve) until SIGTERM or Ctrl-C,
 * which stop it gracefully (no new work, admitted requests finished, exit 0).
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Serve the model over HTTP: POST /v1/segment (image in, PNG mask, probability map, overlay or "
        + "JSON out), the Open Inference Protocol (KServe v2) under /v2, GET /v1/model (the model card) and GET "
        + "/metrics (Prometheus). See docs/serve.md.",
        "SIGTERM or Ctrl-C stops it gracefully: readiness turns 503, new requests get 503, admitted ones finish "
            + "(at most 30 s), exit 0."})
final class ServeCommand implements Callable<Integer> {

  @Option(names = "--host", defaultValue = "0.0.0.0", description = "address to listen on (127.0.0.1: this "
      + "machine only)")
  String host;

  @Option(names = "--port", defaultValue = "8080", description = "TCP port (0: any free port)")
  int port;

  @Option(names = "--model", defaultValue = ServeSettings.BUILT_IN, description = "builtin (the ensemble in the jar),"
      + " compact (the small model in the jar), or a .safetensors model file or training run directory")
  String model;

  @Option(names = "--model-name", defaultValue = "vessels", description = "the model's name in /v2/models/{name}")
  String modelName;

  @Option(names = "--members", defaultValue = "0", description = "of an ensemble model, serve only its first N "
      + "networks (0: all; the built-in model has 4: --members 1 is ~4x faster)")
  int members;

  @Option(names = "--rescale", defaultValue = "auto", description = "auto: resample each photograph to the "
      + "training set's FOV diameter; none: use it as it is (photographs already at the training scale)")
  String rescale;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda")
  String device;

  @Option(names = "--precision", defaultValue = "fp32", description = "fp32, bf16 (autocast; fast on CUDA and "
      + "CPUs with native bf16) or int8 (CPU; a model calibrated by vesselseg quantize, e.g. compact)")
  String precision;

  @Option(names = "--workers", defaultValue = "1", description = "inference workers, each with its own copy of "
      + "the model; libtorch's threads are split between them")
  int workers;

  @Option(names = "--max-batch", defaultValue = "1", description = "most photographs a worker computes together "
      + "(dynamic batching: those waiting in the queue; photographs of one size share forward passes)")
  int maxBatch;

  @Option(names = "--max-delay-ms", defaultValue = "0", paramLabel = "MS", description = "how long a worker with "
      + "a part-full batch waits for more photographs (0: only what already waits)")
  int maxDelayMs;

  @Option(names = "--max-queue", defaultValue = "16", description = "requests that may wait for a worker; more "
      + "get 503 with Retry-After")
  int maxQueue;

  @Option(names = "--max-upload-mb", defaultValue = "64", description = "largest request body, MiB (413 above)")
  int maxUploadMb;

  @Option(names = "--max-pixels", defaultValue = "50000000", description = "largest image, width x height, "
      + "checked from its header before decoding (413 above)")
  long maxPixels;

  @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS", description = "deadline of a request "
      + "from its arrival (504 past it)")
  double timeout;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() throws InterruptedException {
    if (!rescale.equals("auto") && !rescale.equals("none")) {
      throw new io.vesselseg.VesselsegException.Usage("--rescale " + rescale + ": expected auto or none");
    }
    VesselSegmenter.Options options = VesselSegmenter.Options.defaults().withMembers(members)
        .withRescale(rescale.equals("auto")).withDevice(device).withPrecision(precision);
    ServeSettings settings = new ServeSettings(host, port, model, modelName, options, workers, maxBatch, maxDelayMs,
        maxQueue, maxUploadMb, maxPixels, timeout);
    SegmentationServer server = SegmentationServer.start(settings);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      System.err.println("vesselseg serve: stopping (finishing admitted requests, at most "
          + (int) SegmentationServer.GRACE_SECONDS + " s)");
      server.stop();
      System.err.println("vesselseg serve: stopped");
      System.err.flush();
      stopped.countDown();
      // a signal ends the JVM with 128 + its number; a graceful stop is a normal end
      Runtime.getRuntime().halt(Main.OK);
    }, "serve-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    System.out.printf("vesselseg serve: listening on http://%s:%d (model '%s', %d worker(s)); POST /v1/segment, "
        + "/v2, /metrics%n", host, server.port(), modelName, workers);
    System.out.flush();
    stopped.await();
    return Main.OK;
  }
}
