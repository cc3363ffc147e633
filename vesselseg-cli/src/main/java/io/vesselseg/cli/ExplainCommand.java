package io.vesselseg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vesselseg.AtomicFiles;
import io.vesselseg.Explanation;
import io.vesselseg.Region;
import io.vesselseg.VesselSegmenter;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.FovEstimator;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Npy;
import io.vesselseg.data.RgbImage;
import io.vesselseg.infer.Models;
import io.vesselseg.measure.ImageQuality;
import io.vesselseg.viz.Heatmap;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg explain}: attribution heatmaps for the model's vessel logits over a region (docs/explain.md). */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Show which pixels the model's vessel logits over a region depend on: Seg-Grad-CAM, integrated "
        + "gradients and SmoothGrad maps over the photograph (<name>_<method>.png), the raw maps (.npy, float32) "
        + "and <name>_explain.json (docs/explain.md).")
final class ExplainCommand implements Callable<Integer> {

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "a colour fundus photograph")
  Path input;

  // two plain options, not a picocli ArgGroup: the generated CLI reference re-adds options one by one
  @Option(names = "--region", paramLabel = "X,Y,W,H", description = "a box: left, top, width, height in pixels "
      + "(or --point)")
  String region;

  @Option(names = "--point", paramLabel = "X,Y", description = "a point; with --radius, the disc around it")
  String point;

  @Option(names = "--radius", defaultValue = "4", paramLabel = "R", description = "radius of the --point disc "
      + "(default: ${DEFAULT-VALUE})")
  int radius;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "folder for the pictures, maps and JSON")
  Path output;

  @Option(names = "--model", description = "run directory, .safetensors model file, or builtin (the default) or compact")
  String model;

  @Option(names = "--member", defaultValue = "0", paramLabel = "N",
      description = "which network of an ensemble to explain, from 0 (default: ${DEFAULT-VALUE})")
  int member;

  @Option(names = "--method", defaultValue = "gradcam,ig,smoothgrad", split = ",", paramLabel = "M",
      description = "gradcam, ig, smoothgrad, comma-separated (default: ${DEFAULT-VALUE})")
  List<String> methods;

  @Option(names = "--layer", defaultValue = "bottleneck", description = "Grad-CAM's layer: bottleneck or decoder "
      + "(the half-resolution decoder block) (default: ${DEFAULT-VALUE})")
  String layer;

  @Option(names = "--steps", defaultValue = "32", description = "integrated gradients' steps (default: ${DEFAULT-VALUE})")
  int steps;

  @Option(names = "--samples", defaultValue = "16", description = "SmoothGrad's noisy copies (default: ${DEFAULT-VALUE})")
  int samples;

  @Option(names = "--rescale", defaultValue = "auto",
      description = "auto: resample to the training set's FOV diameter; none: use the photograph as is")
  String rescale;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda")
  String device;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    List<Explanation.Method> ms = methods.stream().map(s -> Explanation.Method.parse(s.strip())).distinct().toList();
    Explanation.Settings settings = Explanation.Settings.defaults().withMember(member)
        .withLayer(Explanation.Layer.parse(layer)).withSteps(steps).withSamples(samples);
    if (!rescale.equals("auto") && !rescale.equals("none")) {
      throw new VesselsegException.Usage("--rescale " + rescale + ": expected auto or none");
    }
    RgbImage rgb = ImageFiles.readRgb(input);
    int w = rgb.width();
    int h = rgb.height();
    if ((region == null) == (point == null)) {
      throw new VesselsegException.Usage("give the pixels to explain as one of --region X,Y,W,H or --point X,Y"
          + (region != null ? ", not both" : ""));
    }
    Region r = region != null ? box(region) : disc(point, radius);
    byte[] mask = r.mask(w, h);
    ImageQuality q = ImageQuality.assess(rgb.chw(), FovEstimator.estimate(rgb.chw(), w, h), w, h);
    if (q.flags().contains(ImageQuality.Flag.NO_FOV) || q.flags().contains(ImageQuality.Flag.NOT_FUNDUS)) {
      throw new VesselsegException.Data(input.getFileName() + " does not look like a colour fundus photograph ("
          + (q.flags().contains(ImageQuality.Flag.NO_FOV) ? "no field of view found" : "its field of view is not red")
          + "): explain needs one, as segment does");
    }
    var options = VesselSegmenter.Options.defaults().withMembers(member + 1).withRescale(rescale.equals("auto"))
        .withDevice(device).withFoldBatchNorm(false);
    BufferedImage photo = io.vesselseg.viz.Overlay.photo(rgb.chw(), w, h);
    List<Explanation> results = new ArrayList<>();
    String modelName;
    String sha;
    try (VesselSegmenter s = model == null ? VesselSegmenter.builtIn(options)
        : Models.isBuiltIn(model) ? VesselSegmenter.builtIn(model, options) : VesselSegmenter.load(Path.of(model), options)) {
      modelName = s.modelName();
      sha = s.modelSha256();
      for (Explanation.Method m : ms) {
        Explanation e = s.explain(photo, r, m, settings);
        System.out.printf(Locale.ROOT, "%s: %.1f s, region logit sum %.2f%n", name(e), e.seconds(), e.target());
        results.add(e);
      }
    }
    String stem = stem(input.getFileName().toString());
    for (Explanation e : results) {
      ImageFiles.writePng(output.resolve(stem + "_" + name(e) + ".png"), Heatmap.over(rgb.chw(), w, h, e.map(), mask));
      byte[] npy = Npy.encode(e.map(), h, w);
      AtomicFiles.write(output.resolve(stem + "_" + name(e) + ".npy"), "map", o -> o.write(npy));
    }
    byte[] json = json(modelName, sha, r, w, h, results);
    AtomicFiles.write(output.resolve(stem + "_explain.json"), "JSON", o -> o.write(json));
    System.out.println(results.size() + " maps -> " + output);
    return Main.OK;
  }

  private static String name(Explanation e) {
    return e.method() == Explanation.Method.GRAD_CAM
        ? "gradcam-" + e.settings().layer().name().toLowerCase(Locale.ROOT) : e.method().label();
  }

  private byte[] json(String modelName, String sha, Region r, int w, int h, List<Explanation> results) throws Exception {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("photograph", input.toString());
    root.put("width", w);
    root.put("height", h);
    root.put("model", modelName);
    root.put("model_sha256", sha);
    root.put("member", member);
    root.put("region", r.isDisc() ? Map.of("x", r.x(), "y", r.y(), "radius", r.radius())
        : Map.of("x", r.x(), "y", r.y(), "width", r.width(), "height", r.height()));
    List<Map<String, Object>> maps = new ArrayList<>();
    for (Explanation e : results) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("method", e.method().label());
      m.put("png", stem(input.getFileName().toString()) + "_" + name(e) + ".png");
      m.put("map", stem(input.getFileName().toString()) + "_" + name(e) + ".npy");
      switch (e.method()) {
        case GRAD_CAM -> m.put("layer", e.settings().layer().name().toLowerCase(Locale.ROOT));
        case INTEGRATED_GRADIENTS -> {
          m.put("steps", e.settings().steps());
          m.put("baseline", "zero in the normalised space (the training set's mean colour)");
          m.put("baseline_logit_sum", e.baselineTarget());
          m.put("attribution_sum", e.mapSum());
        }
        case SMOOTH_GRAD -> {
          m.put("samples", e.settings().samples());
          m.put("sigma", e.settings().sigma());
          m.put("seed", e.settings().seed());
        }
        default -> { }
      }
      m.put("region_logit_sum", e.target());
      m.put("input_width", e.inputWidth());
      m.put("input_height", e.inputHeight());
      m.put("seconds", e.seconds());
      maps.add(m);
    }
    root.put("maps", maps);
    return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(root);
  }

  static Region box(String s) {
    int[] v = ints(s, 4, "--region", "X,Y,W,H");
    return Region.box(v[0], v[1], v[2], v[3]);
  }

  static Region disc(String s, int radius) {
    int[] v = ints(s, 2, "--point", "X,Y");
    return Region.disc(v[0], v[1], radius);
  }

  private static int[] ints(String s, int n, String option, String form) {
    String[] parts = s.split(",");
    int[] v = new int[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) {
        v[i] = Integer.parseInt(parts[i].strip());
      }
    } catch (NumberFormatException e) {
      v = new int[0];
    }
    if (v.length != n) {
      throw new VesselsegException.Usage(option + " '" + s + "': expected " + n + " whole numbers, " + form);
    }
    return v;
  }

  private static String stem(String name) {
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }
}
