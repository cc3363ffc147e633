package io.vesselseg.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vesselseg.Provenance;
import io.vesselseg.Segmentation;
import io.vesselseg.VesselSegmenter;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.infer.Models;
import io.vesselseg.model.Engine;
import io.vesselseg.model.Int8Calibration;
import io.vesselseg.model.SafeTensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code vesselseg bench infer}: the latency of segmenting one photograph with each model, all on the same
 * photographs in one process, the models taking turns (round-robin over repetitions and photographs). Per
 * photograph two timings: end to end (read the PNG, segment, write the mask PNG) and in memory (a decoded
 * photograph in, its mask out: FOV estimate, network, calibration, threshold). Medians over photographs ×
 * repetitions after one warm-up photograph; ratios are against the built-in ensemble and against one of its
 * members measured in the same run. The compact model's PyTorch twin ({@code scripts/torch_peer.py infer}: the
 * network's forward pass and sigmoid on a photograph of the same size, nothing else) is timed too when
 * {@code .venv-bench/} exists.
 */
public final class InferBenchmark {

  /**
   * A model to time: {@code model} is a built-in name or a file; {@code members} 0 for all networks.
   *
   * @param label     its row name
   * @param model     {@code builtin}, {@code compact} or a model file / run directory
   * @param members   of an ensemble, the networks used (0: all)
   * @param precision fp32, bf16 or int8
   * @param threads   libtorch threads for this row (0: the run's)
   * @param tile      {@link VesselSegmenter.Options#tile()}: 0 whole photographs, else tiles of this side
   * @param layout    memory layout of the network's activations and folded weights
   */
  public record Spec(String label, String model, int members, String precision, int threads, int tile,
      Layout layout) {

    Spec(String label, String model, int members, String precision) {
      this(label, model, members, precision, 0, 0, Layout.DEFAULT);
    }
  }

  /**
   * The memory layouts {@code Network} can run in, chosen by its system properties (read when a model is loaded):
   * both row-major (NCHW); channels-last (NHWC) input with row-major folded weights (the default); both NHWC.
   */
  public enum Layout {
    NCHW("false", "false"), DEFAULT("true", "false"), NHWC("true", "true");

    private final String input;
    private final String weights;

    Layout(String input, String weights) {
      this.input = input;
      this.weights = weights;
    }

    /** Sets the properties for the next model loaded; returns a restorer of the previous ones. */
    Runnable apply() {
      String oldInput = System.getProperty("vesselseg.channelsLast");
      String oldWeights = System.getProperty("vesselseg.foldedChannelsLast");
      System.setProperty("vesselseg.channelsLast", input);
      System.setProperty("vesselseg.foldedChannelsLast", weights);
      return () -> {
        restore("vesselseg.channelsLast", oldInput);
        restore("vesselseg.foldedChannelsLast", oldWeights);
      };
    }

    private static void restore(String key, String value) {
      if (value == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, value);
      }
    }

    String describe() {
      return switch (this) {
        case NCHW -> "NCHW";
        case DEFAULT -> "NHWC input";
        case NHWC -> "NHWC";
      };
    }
  }

  /** What to measure: the photographs (raw RGB), repetitions, libtorch threads, the models. */
  public record Options(List<Sample> photographs, int repeats, int threads, List<Spec> models, Path workDir,
      boolean torchPeer) {}

  /** The label prefix of the sweep's rows (which get no PyTorch twin of their own). */
  static final String SWEEP = "sweep: ";

  private InferBenchmark() {}

  /**
   * The default rows: the ensemble, one member, the compact model, then {@code files}, at each precision; int8
   * rows only for models whose file carries an int8 calibration ({@code vesselseg quantize}).
   */
  public static List<Spec> defaultSpecs(List<String> files, List<String> precisions) {
    List<Spec> specs = new ArrayList<>();
    for (String p : precisions) {
      String suffix = precisions.size() > 1 || !p.equals("fp32") ? " " + p : "";
      boolean int8 = p.equalsIgnoreCase("int8");
      if (!int8) {
        specs.add(new Spec("ensemble (builtin, 4 networks)" + suffix, Models.BUILT_IN_NAME, 0, p));
        specs.add(new Spec("one member (builtin --members 1)" + suffix, Models.BUILT_IN_NAME, 1, p));
      }
      if (Models.builtInBytes(Models.COMPACT_NAME) != null && (!int8 || calibrated(Models.COMPACT_NAME))) {
        specs.add(new Spec("compact" + suffix, Models.COMPACT_NAME, 0, p));
      }
      for (String f : files) {
        if (!int8 || calibrated(f)) {
          specs.add(new Spec(f + suffix, f, 0, p));
        }
      }
    }
    return specs;
  }

  /** True when the model's file carries an int8 calibration. */
  static boolean calibrated(String model) {
    return SafeTensors.parse(Models.bytes(model), model).metadata().containsKey(Int8Calibration.KEY);
  }

  /**
   * The inference-path sweep of one model: every combination of libtorch threads (1 to {@code cores}), layout
   * and whole vs tiled ({@code tile}² tiles), at each precision.
   */
  public static List<Spec> sweepSpecs(String model, List<String> precisions, int cores, int tile) {
    List<Spec> specs = new ArrayList<>();
    for (String p : precisions) {
      for (int t = 1; t <= cores; t++) {
        for (Layout l : Layout.values()) {
          for (int tl : new int[] {0, tile}) {
            String label = String.format(Locale.ROOT, "%s %s, %d thr, %s, %s", model, p, t, l.describe(),
                tl == 0 ? "whole" : tl + " tiles");
            specs.add(new Spec(SWEEP + label, model, 0, p, t, tl, l));
          }
        }
      }
    }
    return specs;
  }

  /** Runs every model on every photograph; {@code log} gets progress lines. */
  public static Map<String, Object> run(Options o, Consumer<String> log) {
    int threads = Engine.threads(o.threads());
    List<Path> files = new ArrayList<>();
    List<BufferedImage> decoded = new ArrayList<>();
    for (Sample s : o.photographs()) {
      BufferedImage img = toImage(s);
      Path f = o.workDir().resolve(s.id() + ".png");
      ImageFiles.writePng(f, img);
      files.add(f);
      decoded.add(img);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> prov = Provenance.capture("cpu", 0).toMap();
    out.put("cpu", prov.get("cpu"));
    out.put("cores", Runtime.getRuntime().availableProcessors());
    out.put("threads", threads);
    out.put("photographs", o.photographs().stream().map(s -> s.id() + " " + s.width() + "x" + s.height()).toList());
    out.put("repeats", o.repeats());
    List<Map<String, Object>> rows = timeInterleaved(o, files, decoded, threads, log);
    Optional<TorchPeer> peer = o.torchPeer() ? TorchPeer.locate() : Optional.empty();
    if (o.torchPeer() && peer.isEmpty()) {
      out.put("torch_peer", TorchPeer.MISSING);
    }
    if (peer.isPresent()) {
      rows.addAll(torchRows(peer.get(), o, threads, rows, log));
    }
    ratios(rows);
    out.put("models", rows);
    return out;
  }

  /** A model opened for timing, and its timings so far. */
  private record Timed(Spec spec, VesselSegmenter segmenter, int threads, List<Double> e2e, List<Double> mem) {}

  /**
   * Opens every model (each in its layout, warmed up on one photograph), then times them round-robin: for each
   * repetition and photograph, every model in turn, so that a change in the machine's load hits all rows
   * alike instead of the rows that happened to run then.
   */
  private static List<Map<String, Object>> timeInterleaved(Options o, List<Path> files,
      List<BufferedImage> decoded, int runThreads, Consumer<String> log) {
    List<Timed> open = new ArrayList<>();
    try {
      for (Spec spec : o.models()) {
        log.accept("opening " + spec.label() + " ...");
        int threads = spec.threads() > 0 ? spec.threads() : runThreads;
        Runnable restoreLayout = spec.layout().apply();
        try {
          var options = VesselSegmenter.Options.defaults().withMembers(spec.members())
              .withPrecision(spec.precision()).withDevice("cpu").withTile(spec.tile());
          VesselSegmenter seg = Models.isBuiltIn(spec.model()) ? VesselSegmenter.builtIn(spec.model(), options)
              : VesselSegmenter.load(Path.of(spec.model()), options);
          open.add(new Timed(spec, seg, threads, new ArrayList<>(), new ArrayList<>()));
          Engine.threads(threads);
          seg.segment(decoded.get(0)); // warm-up: first-call allocations and kernel selection
        } finally {
          restoreLayout.run();
          Engine.threads(runThreads);
        }
      }
      for (int r = 0; r < o.repeats(); r++) {
        log.accept("repetition " + (r + 1) + " of " + o.repeats() + ", every model in turn ...");
        for (int i = 0; i < files.size(); i++) {
          for (Timed t : open) {
            Engine.threads(t.threads());
            long t0 = System.nanoTime();
            Segmentation s = t.segmenter().segment(files.get(i));
            ImageFiles.writeMaskPng(o.workDir().resolve("mask.png"), s.mask(), s.width(), s.height());
            t.e2e().add((System.nanoTime() - t0) / 1e9);
            long t1 = System.nanoTime();
            t.segmenter().segment(decoded.get(i));
            t.mem().add((System.nanoTime() - t1) / 1e9);
          }
        }
      }
      Engine.threads(runThreads);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Timed t : open) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", t.spec().label());
        row.put("source", t.spec().model());
        row.put("sha256", t.segmenter().modelSha256());
        row.put("networks", t.segmenter().networks());
        row.put("precision", t.spec().precision());
        row.put("threads", t.threads());
        row.put("tile", t.spec().tile());
        row.put("layout", t.spec().layout().describe());
        row.put("median_s_read_segment_write", median(t.e2e()));
        row.put("median_s_segment", median(t.mem()));
        row.put("images_per_s", 1 / median(t.mem()));
        rows.add(row);
      }
      return rows;
    } finally {
      open.forEach(t -> t.segmenter().close());
    }
  }

  /** The compact model (and any model file) in PyTorch eager, the network's forward pass only. */
  private static List<Map<String, Object>> torchRows(TorchPeer peer, Options o, int threads,
      List<Map<String, Object>> ours, Consumer<String> log) {
    List<Map<String, Object>> rows = new ArrayList<>();
    Sample first = o.photographs().get(0);
    for (Map<String, Object> row : ours) {
      String source = (String) row.get("source");
      if (source.equals(Models.BUILT_IN_NAME) || ((String) row.get("model")).startsWith(SWEEP)
          || "int8".equals(row.get("precision"))) { // the peer has no int8 twin
        continue;
      }
      Path file;
      try {
        file = Models.isBuiltIn(source) ? Files.write(o.workDir().resolve(source + ".safetensors"),
            Models.bytes(source)) : Models.resolve(source);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      log.accept("timing " + row.get("model") + " in PyTorch ...");
      JsonNode r = peer.run(List.of("infer", "--model", file.toString(), "--precision", (String) row.get("precision"),
          "--height", Integer.toString(first.height()), "--width", Integer.toString(first.width()),
          "--warmup", "2", "--repeats", Integer.toString(Math.max(5, o.repeats() * o.photographs().size()))),
          threads);
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("model", row.get("model") + " in PyTorch (forward + sigmoid only)");
      t.put("source", source);
      t.put("precision", row.get("precision"));
      t.put("median_s_segment", r.get("seconds_per_image").asDouble());
      t.put("images_per_s", 1 / r.get("seconds_per_image").asDouble());
      rows.add(t);
    }
    return rows;
  }

  /** Each row's latency ratios against the ensemble's and one member's rows (fp32 ones first, if any). */
  private static void ratios(List<Map<String, Object>> rows) {
    Map<String, Object> ensemble = find(rows, Models.BUILT_IN_NAME, 0);
    Map<String, Object> member = find(rows, Models.BUILT_IN_NAME, 1);
    for (Map<String, Object> r : rows) {
      double mine = (double) r.get("median_s_segment");
      if (ensemble != null) {
        r.put("speedup_vs_ensemble", (double) ensemble.get("median_s_segment") / mine);
      }
      if (member != null) {
        r.put("speedup_vs_one_member", (double) member.get("median_s_segment") / mine);
      }
    }
  }

  private static Map<String, Object> find(List<Map<String, Object>> rows, String source, int members) {
    return rows.stream().filter(r -> source.equals(r.get("source")) && r.containsKey("networks")
        && (members == 0 ? (int) r.get("networks") > 1 : (int) r.get("networks") == members))
        .findFirst().orElse(null);
  }

  /** The printed table. */
  @SuppressWarnings("unchecked")
  public static List<String> table(Map<String, Object> r) {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "%-52s %12s %12s %9s %12s %12s", "model", "read+seg+write",
        "segment", "images/s", "vs ensemble", "vs 1 member"));
    for (Map<String, Object> m : (List<Map<String, Object>>) r.get("models")) {
      Object e2e = m.get("median_s_read_segment_write");
      lines.add(String.format(Locale.ROOT, "%-52s %12s %10.1f ms %9.2f %11s %12s", m.get("model"),
          e2e == null ? "-" : String.format(Locale.ROOT, "%.1f ms", (double) e2e * 1000),
          (double) m.get("median_s_segment") * 1000, m.get("images_per_s"), ratio(m.get("speedup_vs_ensemble")),
          ratio(m.get("speedup_vs_one_member"))));
    }
    lines.add("medians over " + ((List<?>) r.get("photographs")).size() + " photographs x " + r.get("repeats")
        + " repetitions; " + r.get("threads") + " libtorch threads of " + r.get("cores") + " cores; " + r.get("cpu")
        + "; one run: on a shared machine, compare rows of the same run only");
    if (r.get("torch_peer") instanceof String s) {
      lines.add("PyTorch peer not timed: " + s);
    }
    return lines;
  }

  private static String ratio(Object x) {
    return x == null ? "-" : String.format(Locale.ROOT, "%.2fx", (double) x);
  }

  private static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  private static BufferedImage toImage(Sample s) {
    int w = s.width();
    int h = s.height();
    int plane = w * h;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    float[] rgb = s.rgb();
    int[] px = new int[plane];
    for (int i = 0; i < plane; i++) {
      int r = Math.round(rgb[i] * 255);
      int g = Math.round(rgb[plane + i] * 255);
      int b = Math.round(rgb[2 * plane + i] * 255);
      px[i] = (r << 16) | (g << 8) | b;
    }
    img.setRGB(0, 0, w, h, px, 0, w);
    return img;
  }
}
