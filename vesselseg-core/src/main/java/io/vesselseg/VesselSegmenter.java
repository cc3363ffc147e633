package io.vesselseg;

import io.vesselseg.data.FovEstimator;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.RgbImage;
import io.vesselseg.eval.VesselMask;
import io.vesselseg.infer.Models;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The public Java API: load a model once, then segment the vessels of fundus photographs with it.
 *
 * <pre>{@code
 * try (VesselSegmenter segmenter = VesselSegmenter.builtIn()) {
 *   Segmentation s = segmenter.segment(Path.of("photo.jpg"));
 *   ImageIO.write(s.maskImage(), "png", new File("mask.png"));
 * }
 * }</pre>
 *
 * <p>A photograph goes through the steps of {@code vesselseg segment}: its field of view (FOV) is estimated,
 * it is resampled so that the FOV's diameter matches the training set's (unless {@link Options#rescale()} is
 * off), turned into the input the model was trained on, predicted whole (tiled with blended seams when large),
 * calibrated as the model file says, and thresholded at the model's threshold for the chosen test-time
 * augmentation inside the FOV. Probabilities and masks come back at the photograph's own size.
 *
 * <p><b>Resources and threads.</b> An instance owns the network's native (libtorch) memory until
 * {@link #close()}; after that {@code segment} throws {@link IllegalStateException}. One instance may be shared
 * by threads: calls to {@code segment} are serialised (libtorch already uses every core for one photograph).
 * For more throughput, e.g. on a GPU or a many-core machine, open one instance per thread and give each fewer
 * threads. Errors are {@link VesselsegException}s whose message says what was expected and what was found.
 */
public final class VesselSegmenter implements AutoCloseable {

  /** Test-time augmentation: average the prediction over transformed copies of the photograph. */
  public enum Tta {
    /** One forward pass per network (the default). */
    NONE(io.vesselseg.model.Tta.NONE),
    /** The four flips (4× the time; the model's own {@code --tta} threshold). */
    FLIPS(io.vesselseg.model.Tta.FLIPS),
    /** The eight flips and transposes (8× the time; the model's own {@code --tta8} threshold). */
    D8(io.vesselseg.model.Tta.D8);

    private final io.vesselseg.model.Tta engine;

    Tta(io.vesselseg.model.Tta engine) {
      this.engine = engine;
    }
  }

  /**
   * How a model is loaded and applied.
   *
   * @param tta       test-time augmentation
   * @param members   of an ensemble model, use only its first {@code members} networks (0: all of them)
   * @param rescale   resample each photograph so its FOV diameter matches the training set's (as recorded in
   *                  the model file); off: use the photograph at its own scale
   * @param device    {@code auto} (CUDA when libtorch sees a GPU, else CPU), {@code cpu} or {@code cuda}
   * @param precision {@code fp32}, {@code bf16} (autocast; fast on CUDA and CPUs with native bf16) or
   *                  {@code int8} (CPU; a model file calibrated by {@code vesselseg quantize}, e.g. compact)
   * @param threshold the probability threshold of the mask, in (0, 1); 0: the model's own for {@code tta}
   * @param foldBatchNorm predict with a copy whose BatchNorm layers are folded into the convolutions (the same
   *                  probabilities within 1e-4, ~30% less memory); off: the trainable module, for comparisons
   * @param tile      0: each photograph through the network whole (tiles of 512² above 1.5 Mpixel, at the network's
   *                  scale); from 64: always square tiles of this side, overlapping by a quarter, blended (less
   *                  memory, more arithmetic: docs/compact.md#speed has the measured cost)
   */
  public record Options(Tta tta, int members, boolean rescale, String device, String precision, float threshold,
      boolean foldBatchNorm, int tile) {

    /** The smallest and largest tile side {@code tile} accepts. */
    public static final int MIN_TILE = 64;
    public static final int MAX_TILE = 4096;

    public Options {
      Objects.requireNonNull(tta, "tta");
      if (members < 0 || members > Checkpoint.MAX_MEMBERS) {
        throw new VesselsegException.Usage("members " + members + " must be in 0.." + Checkpoint.MAX_MEMBERS
            + " (0: every network of the model)");
      }
      if (!java.util.List.of("auto", "cpu", "cuda").contains(device)) {
        throw new VesselsegException.Usage("device '" + device + "': expected auto, cpu or cuda");
      }
      Precision.parse(precision);
      if (threshold != 0 && !(threshold > 0 && threshold < 1)) {
        throw new VesselsegException.Usage("threshold " + threshold + " must be in (0, 1), or 0 for the "
            + "model's own");
      }
      if (tile != 0 && (tile < MIN_TILE || tile > MAX_TILE)) {
        throw new VesselsegException.Usage("tile " + tile + " must be 0 (whole photographs) or in " + MIN_TILE
            + ".." + MAX_TILE + " pixels");
      }
    }

    /** One pass, every member, rescaled, automatic device, fp32, the model's threshold, BatchNorm folded. */
    public static Options defaults() {
      return new Options(Tta.NONE, 0, true, "auto", "fp32", 0, true, 0);
    }

    public Options withTta(Tta t) {
      return new Options(t, members, rescale, device, precision, threshold, foldBatchNorm, tile);
    }

    public Options withMembers(int m) {
      return new Options(tta, m, rescale, device, precision, threshold, foldBatchNorm, tile);
    }

    public Options withRescale(boolean r) {
      return new Options(tta, members, r, device, precision, threshold, foldBatchNorm, tile);
    }

    public Options withDevice(String d) {
      return new Options(tta, members, rescale, d, precision, threshold, foldBatchNorm, tile);
    }

    public Options withPrecision(String p) {
      return new Options(tta, members, rescale, device, p, threshold, foldBatchNorm, tile);
    }

    public Options withThreshold(float t) {
      return new Options(tta, members, rescale, device, precision, t, foldBatchNorm, tile);
    }

    public Options withFoldBatchNorm(boolean f) {
      return new Options(tta, members, rescale, device, precision, threshold, f, tile);
    }

    public Options withTile(int t) {
      return new Options(tta, members, rescale, device, precision, threshold, foldBatchNorm, t);
    }
  }

  private final Checkpoint.Loaded loaded;
  private final java.util.EnumMap<Tta, Predictor> predictors = new java.util.EnumMap<>(Tta.class);
  private final Options options;
  private final String name;
  private final String sha256;
  private final double fovDiameter;
  private final java.util.Map<String, String> metadata;
  private boolean closed;

  private VesselSegmenter(byte[] modelBytes, String name, Options options) {
    Objects.requireNonNull(options, "options");
    this.name = name;
    this.sha256 = Models.sha256(modelBytes);
    SafeTensors.Contents contents = SafeTensors.parse(modelBytes, name);
    this.metadata = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(contents.metadata()));
    this.loaded = Checkpoint.load(contents, name, ComputeDevice.resolve(options.device()),
        Precision.parse(options.precision()), options.members() == 0 ? Checkpoint.MAX_MEMBERS : options.members());
    if (options.foldBatchNorm()) {
      loaded.network().fuseForInference();
    }
    for (Tta t : Tta.values()) {
      predictors.put(t, options.tile() == 0 ? new Predictor(loaded.network(), t.engine)
          : new Predictor(loaded.network(), t.engine, options.tile(), options.tile() / 4, 0));
    }
    this.options = options;
    this.fovDiameter = options.rescale() ? Models.fovDiameter(loaded, "auto") : 0;
  }

  /** The model that ships inside the jar (trained on DRIVE), with {@link Options#defaults()}. */
  public static VesselSegmenter builtIn() {
    return builtIn(Options.defaults());
  }

  /** The model that ships inside the jar (trained on DRIVE). */
  public static VesselSegmenter builtIn(Options options) {
    byte[] bytes = Models.builtInBytes();
    if (bytes == null) {
      throw new VesselsegException.Usage("this build ships no built-in model (" + Models.BUILT_IN + " is not on "
          + "the class path): load a model file with VesselSegmenter.load(path)");
    }
    return new VesselSegmenter(bytes, "built-in", options);
  }

  /**
   * A model that ships inside the jar, by name: {@code "builtin"} (the four-network ensemble, as
   * {@link #builtIn(Options)}) or {@code "compact"} (one small network for fast or small machines;
   * docs/compact.md has its figures).
   *
   * @throws VesselsegException.Usage for any other name
   */
  public static VesselSegmenter builtIn(String name, Options options) {
    if (Models.BUILT_IN_NAME.equals(name)) {
      return builtIn(options);
    }
    return new VesselSegmenter(Models.bytes(requireBuiltIn(name)), "built-in " + name, options);
  }

  private static String requireBuiltIn(String name) {
    if (!Models.isBuiltIn(name)) {
      throw new VesselsegException.Usage("no built-in model is named '" + name + "': the names are "
          + String.join(", ", new java.util.TreeSet<>(Models.NAMED.keySet())));
    }
    return name;
  }

  /** A model file ({@code .safetensors}) or a training run directory (its {@code best.safetensors}). */
  public static VesselSegmenter load(Path model) {
    return load(model, Options.defaults());
  }

  /** A model file ({@code .safetensors}) or a training run directory (its {@code best.safetensors}). */
  public static VesselSegmenter load(Path model, Options options) {
    Path file = Models.resolve(model.toString());
    try {
      return new VesselSegmenter(Files.readAllBytes(file), file.toString(), options);
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot read model file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Segments the photograph in {@code file} (TIFF, PNG, JPEG, GIF, BMP, PPM). */
  public Segmentation segment(Path file) {
    return segmentRgb(java.util.List.of(ImageFiles.readRgb(file)), options.tta()).get(0);
  }

  /** Segments a decoded photograph (colour; grey is replicated to three channels; alpha is ignored). */
  public Segmentation segment(BufferedImage photo) {
    return segment(photo, options.tta());
  }

  /**
   * Segments a decoded photograph with the test-time augmentation {@code tta} for this call (the threshold is
   * the model's own for it, unless the options fixed one), whatever the options said.
   */
  public Segmentation segment(BufferedImage photo, Tta tta) {
    return segmentAll(java.util.List.of(photo), tta).get(0);
  }

  /**
   * Segments several photographs in one go, in their order. Photographs whose network input has the same size
   * (after resampling to the training scale) share forward passes, as one batch: faster per photograph on a
   * GPU, and on a CPU for small photographs (docs/serve.md has the figures). Each result equals
   * {@link #segment(BufferedImage, Tta)} of that photograph within float rounding; its
   * {@link Segmentation#seconds()} is the time of the whole call.
   */
  public java.util.List<Segmentation> segmentAll(java.util.List<BufferedImage> photos, Tta tta) {
    return segmentAll(photos, tta, false);
  }

  /**
   * {@link #segmentAll(java.util.List, Tta)}, with the uncertainty of each photograph too when {@code uncertainty}
   * ({@link #segmentWithUncertainty(BufferedImage, Tta)}).
   */
  public java.util.List<Segmentation> segmentAll(java.util.List<BufferedImage> photos, Tta tta,
      boolean uncertainty) {
    Objects.requireNonNull(tta, "tta");
    java.util.List<RgbImage> images = photos.stream().map(ImageFiles::toRgb).toList();
    return segmentRgb(images, tta, uncertainty);
  }

  /**
   * {@link #segment(BufferedImage, Tta)} with the uncertainty too: the per-pixel spread of the probabilities
   * over the ensemble's members and the augmentations ({@link Segmentation#uncertainty()}), and the members'
   * disagreement, which raises the out-of-distribution flag in {@link Segmentation#quality()}. No slower for an
   * ensemble (its members run anyway); a single network needs {@code tta} other than NONE for a spread.
   */
  public Segmentation segmentWithUncertainty(BufferedImage photo, Tta tta) {
    return segmentAll(java.util.List.of(photo), tta, true).get(0);
  }

  /** {@link #segmentWithUncertainty(BufferedImage, Tta)} of the photograph in {@code file}, the options' TTA. */
  public Segmentation segmentWithUncertainty(Path file) {
    return segmentRgb(java.util.List.of(ImageFiles.readRgb(file)), options.tta(), true).get(0);
  }

  private java.util.List<Segmentation> segmentRgb(java.util.List<RgbImage> images, Tta tta) {
    return segmentRgb(images, tta, false);
  }

  private synchronized java.util.List<Segmentation> segmentRgb(java.util.List<RgbImage> images, Tta tta,
      boolean spread) {
    if (closed) {
      throw new IllegalStateException("this VesselSegmenter is closed: open a new one to segment more "
          + "photographs");
    }
    long t0 = System.nanoTime();
    java.util.List<Predictor.Photo> photos = new java.util.ArrayList<>(images.size());
    for (RgbImage img : images) {
      photos.add(new Predictor.Photo(img.chw(), img.width(), img.height(),
          FovEstimator.estimate(img.chw(), img.width(), img.height())));
    }
    Predictor predictor = predictors.get(tta);
    java.util.List<float[][]> maps = spread ? predictor.probabilitiesWithSpread(photos, fovDiameter)
        : predictor.probabilities(photos, fovDiameter).stream().map(p -> new float[][] {p}).toList();
    float cut = threshold(tta);
    double seconds = (System.nanoTime() - t0) / 1e9;
    java.util.List<Segmentation> out = new java.util.ArrayList<>(images.size());
    for (int k = 0; k < images.size(); k++) {
      byte[] fov = photos.get(k).fov();
      float[][] m = maps.get(k);
      out.add(new Segmentation(images.get(k), m[0], VesselMask.of(m[0], cut, fov), fov, cut, seconds,
          spread ? m[1] : null, spread ? m[2] : null));
    }
    return out;
  }

  /** {@link #explain(BufferedImage, Region, Explanation.Method, Explanation.Settings)} with the default settings. */
  public Explanation explain(BufferedImage photo, Region region, Explanation.Method method) {
    return explain(photo, region, method, Explanation.Settings.defaults());
  }

  /**
   * Why the model calls {@code region} a vessel: the attribution map of {@code method} for one network of the
   * model ({@link Explanation.Settings#member()}), for the sum of its vessel logits over the region, at the
   * photograph's size. The photograph is prepared as {@link #segment} prepares it (FOV, rescaling, input
   * channels), without test-time augmentation, in fp32 on the model's device (docs/explain.md).
   *
   * @throws VesselsegException.Usage when the region does not lie inside the photograph, the member does not
   *                                  exist, or the network input is too large
   */
  public synchronized Explanation explain(BufferedImage photo, Region region, Explanation.Method method,
      Explanation.Settings settings) {
    if (closed) {
      throw new IllegalStateException("this VesselSegmenter is closed: open a new one to explain photographs");
    }
    long t0 = System.nanoTime();
    RgbImage img = ImageFiles.toRgb(photo);
    byte[] mask = region.mask(img.width(), img.height());
    Predictor.Photo p = new Predictor.Photo(img.chw(), img.width(), img.height(),
        FovEstimator.estimate(img.chw(), img.width(), img.height()));
    var explainer = new io.vesselseg.infer.Explainer(loaded.network(), predictors.get(Tta.NONE), settings.member(),
        fovDiameter);
    var m = explainer.explain(p, mask, io.vesselseg.infer.Explainer.Method.valueOf(method.name()),
        io.vesselseg.model.Attribution.Layer.valueOf(settings.layer().name()), settings.steps(), settings.samples(),
        settings.sigma(), settings.seed());
    return new Explanation(method, settings, img.width(), img.height(), m.map(), m.target(), m.baselineTarget(),
        m.mapSum(), m.inputWidth(), m.inputHeight(), (System.nanoTime() - t0) / 1e9);
  }

  /**
   * Sets how many threads libtorch uses for one forward pass, for the whole JVM (every instance): e.g. a
   * batch job's cores per task, so that parallel tasks do not oversubscribe the machine.
   *
   * @param n threads; {@code n <= 0}: one per available core
   * @return the count set
   */
  public static int threads(int n) {
    return io.vesselseg.model.Engine.threads(n);
  }

  /** The model's name: {@code built-in} or its file's path. */
  public String modelName() {
    return name;
  }

  /** How many networks each prediction runs (an ensemble's members in use; 1 for a single network). */
  public int networks() {
    return loaded.network().members();
  }

  /** SHA-256 (hex) of the model file's bytes: which model made a result, exactly. */
  public String modelSha256() {
    return sha256;
  }

  /**
   * The model file's metadata as stored (string keys and values, sorted by key; values such as
   * {@code architecture} or {@code provenance} are JSON text): docs/model-format.md lists the keys.
   */
  public java.util.Map<String, String> modelMetadata() {
    return metadata;
  }

  /** The threshold masks are cut at: the model's own for the options' test-time augmentation. */
  public float threshold() {
    return threshold(options.tta());
  }

  /**
   * The threshold masks are cut at with {@code tta}: the options' fixed one, else the model's own for
   * {@code tta} (the plain one when the model recorded none for it).
   */
  public float threshold(Tta tta) {
    return options.threshold() != 0 ? options.threshold() : loaded.meta().thresholds().forTta(tta.engine);
  }

  /** Frees the network's native memory; idempotent. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      loaded.network().close();
    }
  }

}
