package io.vesselseg.cli;

import io.vesselseg.bench.ServeBenchmark;
import io.vesselseg.bench.ServeSoak;
import io.vesselseg.bench.ServerSetup;
import io.vesselseg.bench.SoakBenchmark;
import io.vesselseg.bench.SpeedBenchmark;
import io.vesselseg.model.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg bench ...}: benchmarks that print and write figures (never timed assertions). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks that print figures and write them as JSON.",
    subcommands = {BenchCommand.Soak.class, BenchCommand.Speed.class, BenchInferCommand.class,
        BenchCommand.Serve.class, BenchCommand.ServeSoakCommand.class, BenchSparkCommand.class})
final class BenchCommand implements Runnable {

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
        "a benchmark is required: soak, speed, infer, serve, serve-soak or spark");
  }

  /** {@code vesselseg bench soak}: resident memory over thousands of training steps and predictions. */
  @Command(name = "soak", mixinStandardHelpOptions = true,
      description = "Train and predict for --steps steps; report resident memory after warm-up and at the "
          + "end (growth must stay under 5%%).")
  static final class Soak implements Callable<Integer> {

    @Option(names = "--steps", defaultValue = "2000", description = "training steps (batch 8 of 64²)")
    int steps;

    @Option(names = "--predict-every", defaultValue = "10", description = "a 192² prediction every N steps")
    int predictEvery;

    @Option(names = "--json", description = "write the figures here")
    Path json;

    @Option(names = "--verbose", description = "stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() {
      if (steps < 10 || predictEvery < 1) {
        throw new io.vesselseg.VesselsegException.Usage("--steps " + steps + " must be >= 10 and "
            + "--predict-every " + predictEvery + " >= 1");
      }
      Map<String, Object> r = SoakBenchmark.run(steps, predictEvery, Precision.FP32, System.out::println);
      System.out.println(String.format(Locale.ROOT,
          "RSS: %.1f MiB at start, %.1f MiB after warm-up, %.1f MiB at the end: %+.2f%% growth after warm-up",
          r.get("rss_start_mib"), r.get("rss_after_warmup_mib"), r.get("rss_end_mib"),
          r.get("growth_after_warmup_pct")));
      if (json != null) {
        EvaluateCommand.write(json, r);
        System.out.println("figures written to " + json);
      }
      return Main.OK;
    }
  }

  /** {@code vesselseg bench speed}: training and inference speed side by side with PyTorch eager. */
  @Command(name = "speed", mixinStandardHelpOptions = true,
      description = "Training (AdamW, 16x3x96^2) and full-image inference (565x584) speed and peak memory, "
          + "vesselseg vs PyTorch on the same random-init weights and thread count, one process per "
          + "configuration; plus our fp32 probabilities vs PyTorch's. Needs .venv-bench/ "
          + "(bash scripts/bench-venv.sh).")
  static final class Speed implements Callable<Integer> {

    @Option(names = "--quick", description = "a smoke run: few steps, 1 repetition unless --repeats")
    boolean quick;

    @Option(names = "--repeats", description = "timed repetitions per configuration (default 5; 1 with "
        + "--quick)")
    Integer repeats;

    @Option(names = "--threads", defaultValue = "0", description = "libtorch threads on both sides "
        + "(default: all cores)")
    int threads;

    @Option(names = "--json", description = "write the figures here")
    Path json;

    @Option(names = "--verbose", description = "stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() {
      int reps = repeats != null ? repeats : quick ? 1 : 5;
      Map<String, Object> r = SpeedBenchmark.run(new SpeedBenchmark.Options(quick, reps, threads),
          System.out::println);
      SpeedBenchmark.table(r).forEach(System.out::println);
      if (json != null) {
        EvaluateCommand.write(json, r);
        System.out.println("figures written to " + json);
      }
      return Main.OK;
    }
  }

  /** The server settings {@code bench serve} and {@code bench serve-soak} share. */
  static final class ServerOptions {

    @Option(names = "--model", defaultValue = "builtin", description = "builtin, or a .safetensors model file or "
        + "run directory (bench serve's peer loads the same file)")
    String model;

    @Option(names = "--threads", defaultValue = "0", description = "threads per server, split between its "
        + "workers (default: all cores); ours via -XX:ActiveProcessorCount, the peer's torch.set_num_threads")
    int threads;

    @Option(names = "--workers", defaultValue = "1", description = "inference workers of each server")
    int workers;

    @Option(names = "--max-queue", defaultValue = "16", description = "our --max-queue (the peer has no limit)")
    int maxQueue;

    @Option(names = "--members", defaultValue = "1", description = "networks of an ensemble model both sides "
        + "run (0: all); passed to serve as --members when serve has that option, else both run all")
    int members;

    @Option(names = "--server-args", paramLabel = "ARGS", defaultValue = "",
        showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER, description = "more arguments for "
        + "our serve, split at spaces, e.g. \"--max-batch 4\" (a --members here applies to the peer too)")
    String serverArgs;

    @Option(names = "--heap", defaultValue = "2g", description = "-Xmx of our server's JVM")
    String heap;

    ServerSetup setup(List<String> peerArgs) {
      boolean hasMembers = new picocli.CommandLine(new ServeCommand()).getCommandSpec()
          .findOption("--members") != null;
      int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
      return new ServerSetup(Main.class.getName(), model, t, workers, maxQueue, members, hasMembers,
          ServerSetup.split(serverArgs), peerArgs, heap);
    }
  }

  /** {@code vesselseg bench serve}: closed-loop HTTP load on our server and on the FastAPI/PyTorch peer. */
  @Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Closed-loop load on POST /v1/segment of 'vesselseg serve' and of a PyTorch peer "
          + "(scripts/serve_peer.py: FastAPI on uvicorn, same model file, networks and threads), one server at "
          + "a time on 127.0.0.1: good answers/s, p50/p95/p99 latency, answers by status and the server's "
          + "RSS per level of concurrent clients, then a run with 10%% malformed uploads. Ours only when "
          + ".venv-bench/ is missing (bash scripts/bench-venv.sh). See docs/serve.md."})
  static final class Serve implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ServerOptions server = new ServerOptions();

    @Option(names = "--quick", description = "a smoke run: 1 and 4 clients, 3 s each after 1 s of warm-up, the "
        + "malformed run at 4 clients (each unless given)")
    boolean quick;

    @Option(names = "--clients", split = ",", paramLabel = "N", description = "levels of concurrent clients "
        + "(default 1,4,16,64)")
    List<Integer> clients;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "counted seconds per level (default 20)")
    Double duration;

    @Option(names = "--warmup", paramLabel = "SECONDS", description = "uncounted seconds before each level "
        + "(default 5)")
    Double warmup;

    @Option(names = "--size", defaultValue = "565x584", paramLabel = "WxH|N", description = "photograph size: "
        + "DRIVE's 565x584 (default; its FOV needs no resampling), or e.g. 256 (resampled to the model's FOV "
        + "scale by both servers)")
    String size;

    @Option(names = "--mixed-clients", paramLabel = "N", description = "clients of the run with 10%% malformed "
        + "uploads (default 16; 0: no such run)")
    Integer mixedClients;

    @Option(names = "--retry-wait", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "after a 503 a client waits its Retry-After (at most until the level ends) before its "
            + "next request (default); --no-retry-wait: it sends at once")
    boolean retryWait;

    @Option(names = "--no-peer", description = "measure our server only")
    boolean noPeer;

    @Option(names = "--peer-args", paramLabel = "ARGS", defaultValue = "",
        showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER, description = "more arguments for "
        + "scripts/serve_peer.py, split at spaces, e.g. \"--limit-concurrency 18\"")
    String peerArgs;

    @Option(names = "--json", description = "write the figures here")
    Path json;

    @Option(names = "--verbose", description = "stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() {
      int[] wh = parseSize(size);
      ServeBenchmark.Options o = new ServeBenchmark.Options(server.setup(ServerSetup.split(peerArgs)),
          clients != null ? clients : quick ? List.of(1, 4) : List.of(1, 4, 16, 64),
          duration != null ? duration : quick ? 3 : 20, warmup != null ? warmup : quick ? 1 : 5, wh[0], wh[1],
          mixedClients != null ? mixedClients : quick ? 4 : 16, retryWait, !noPeer, quick);
      Map<String, Object> r = ServeBenchmark.run(o, System.out::println);
      ServeBenchmark.table(r).forEach(System.out::println);
      if (json != null) {
        EvaluateCommand.write(json, r);
        System.out.println("figures written to " + json);
      }
      return Main.OK;
    }
  }

  /** {@code vesselseg bench serve-soak}: our server's memory over many requests, and decompression bombs. */
  @Command(name = "serve-soak", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Send --requests photographs through --clients closed-loop clients to 'vesselseg serve' "
          + "and report its RSS after --warmup-requests answers and at the end (growth %%); then --bombs PNGs "
          + "of ~1 kB that claim 100000x100000 pixels: statuses, latency, RSS before and after.")
  static final class ServeSoakCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ServerOptions server = new ServerOptions();

    @Option(names = "--quick", description = "a smoke run: 300 requests, warm-up 30, 10 bombs (each unless "
        + "given)")
    boolean quick;

    @Option(names = "--requests", paramLabel = "N", description = "photographs to send (default 10000)")
    Integer requests;

    @Option(names = "--warmup-requests", paramLabel = "N", description = "answers before the reference RSS "
        + "(default 500)")
    Integer warmupRequests;

    @Option(names = "--clients", defaultValue = "4", description = "concurrent clients")
    int clients;

    @Option(names = "--size", defaultValue = "256", description = "photograph width and height")
    int size;

    @Option(names = "--bombs", paramLabel = "N", description = "decompression bombs after the soak (default 50)")
    Integer bombs;

    @Option(names = "--json", description = "write the figures here")
    Path json;

    @Option(names = "--verbose", description = "stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() {
      int n = requests != null ? requests : quick ? 300 : 10_000;
      ServeSoak.Options o = new ServeSoak.Options(server.setup(List.of()), n,
          warmupRequests != null ? warmupRequests : quick ? 30 : 500, clients, size,
          bombs != null ? bombs : quick ? 10 : 50);
      Map<String, Object> r = ServeSoak.run(o, System.out::println);
      @SuppressWarnings("unchecked")
      Map<String, Object> b = (Map<String, Object>) r.get("bombs");
      System.out.println(String.format(Locale.ROOT, "RSS %.1f MiB after %d answers (warm-up), %.1f MiB after %d: "
          + "%+.2f%% growth; %.2f answers/s; statuses %s", r.get("rss_after_warmup_mib"), o.warmupRequests(),
          r.get("rss_end_mib"), n, r.get("growth_after_warmup_pct"), r.get("answers_per_s"), r.get("statuses")));
      @SuppressWarnings("unchecked")
      Map<String, Object> lat = (Map<String, Object>) b.get("latency_ms");
      System.out.println(String.format(Locale.ROOT, "%d bombs (%d bytes, 100000x100000): statuses %s, latency "
          + "p50 %s ms, max %s ms; RSS %.1f -> %.1f MiB", o.bombs(), b.get("bytes"), b.get("statuses"),
          ms(lat.get("p50")), ms(lat.get("max")), b.get("rss_before_mib"), b.get("rss_after_mib")));
      if (json != null) {
        EvaluateCommand.write(json, r);
        System.out.println("figures written to " + json);
      }
      return Main.OK;
    }
  }

  private static String ms(Object v) {
    return v instanceof Number n ? String.format(Locale.ROOT, "%.1f", n.doubleValue()) : "n/a";
  }

  /** "565x584" or "256" (square) into {width, height}; a usage error otherwise. */
  static int[] parseSize(String s) {
    String[] p = s.strip().toLowerCase(Locale.ROOT).split("x");
    try {
      if (p.length == 1) {
        int n = Integer.parseInt(p[0]);
        return new int[] {n, n};
      }
      if (p.length == 2) {
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new io.vesselseg.VesselsegException.Usage("--size '" + s + "': expected WIDTHxHEIGHT (e.g. 565x584) "
        + "or one number for a square (e.g. 256)");
  }
}
