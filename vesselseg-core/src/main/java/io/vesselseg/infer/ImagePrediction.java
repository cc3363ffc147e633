package io.vesselseg.infer;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.FovEstimator;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.RgbImage;
import io.vesselseg.viz.Overlay;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The {@code predict} service: for each photograph writes {@code <stem>_prob.png} (8-bit probability) and
 * {@code <stem>_mask.png} (0/255 vessel mask at the model's threshold, restricted to an estimated FOV).
 * Each file is written atomically. Photographs are resampled for the network so that their FOV diameter
 * matches the training set's (when the model records it), and the outputs come back at full size.
 */
public final class ImagePrediction {

  private static final List<String> EXTENSIONS = List.of(".tif", ".tiff", ".png", ".jpg", ".jpeg", ".gif",
      ".bmp");

  /** The outputs of one photograph. */
  public record Written(Path input, Path probability, Path mask, Path overlay, double vesselFraction,
      double seconds) {}

  private ImagePrediction() {}

  /** The image files named by {@code input}: the file itself, or the readable images of a folder. */
  public static List<Path> inputs(Path input) {
    if (Files.isRegularFile(input)) {
      return List.of(input);
    }
    if (!Files.isDirectory(input)) {
      throw new VesselsegException.Usage("--input " + input + " does not exist: pass an image file (TIFF, "
          + "PNG, JPEG, GIF, BMP) or a folder of them");
    }
    try (Stream<Path> s = Files.list(input)) {
      List<Path> files = s.filter(Files::isRegularFile).filter(ImagePrediction::isImage).sorted().toList();
      if (files.isEmpty()) {
        throw new VesselsegException.Usage("folder " + input + " holds no images (expected files ending in "
            + String.join(", ", EXTENSIONS) + ")");
      }
      return files;
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot list " + input + ": " + e.getMessage(), e);
    }
  }

  static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return EXTENSIONS.stream().anyMatch(n::endsWith);
  }

  /** Writes the PNGs of one photograph; with {@code overlay} also {@code <stem>_overlay.png}. */
  public static Written predict(Path file, Path outDir, Predictor predictor, float threshold,
      boolean overlay, double modelFovDiameter) {
    long t0 = System.nanoTime();
    RgbImage img = ImageFiles.readRgb(file);
    byte[] fov = FovEstimator.estimate(img.chw(), img.width(), img.height());
    float[] prob = predictor.probabilities(img.chw(), img.width(), img.height(), fov, modelFovDiameter);
    byte[] mask = Overlay.threshold(prob, threshold, fov);
    List<Path> files = outputs(file, outDir, overlay);
    Path probFile = files.get(0);
    Path maskFile = files.get(1);
    ImageFiles.writeGreyPng(probFile, Overlay.grey(prob), img.width(), img.height());
    ImageFiles.writeMaskPng(maskFile, mask, img.width(), img.height());
    Path overlayFile = null;
    if (overlay) {
      overlayFile = files.get(2);
      ImageFiles.writePng(overlayFile, Overlay.vessels(img.chw(), img.width(), img.height(), mask));
    }
    long vessels = 0;
    long inside = 0;
    for (int i = 0; i < mask.length; i++) {
      vessels += mask[i];
      inside += fov[i];
    }
    return new Written(file, probFile, maskFile, overlayFile, vessels / (double) Math.max(1, inside),
        (System.nanoTime() - t0) / 1e9);
  }

  /**
   * What a batch did: the photographs it wrote, those it skipped because their outputs existed, and whether a
   * stop request ended it before the last photograph.
   */
  public record Batch(List<Written> written, List<Path> skipped, boolean stopped) {}

  /**
   * Predicts {@code files} in order into {@code outDir}. With {@code skipExisting} a photograph whose outputs
   * all exist already is skipped (each output is written atomically, so an existing one is complete: a batch
   * that was stopped resumes where it stopped). {@code stop} is asked before each photograph; once it says
   * so the batch ends there, every output written so far complete.
   */
  public static Batch predictAll(List<Path> files, Path outDir, Predictor predictor, float threshold,
      boolean overlay, double modelFovDiameter, boolean skipExisting, BooleanSupplier stop,
      Consumer<Written> each) {
    boolean created = !Files.exists(outDir);
    try {
      Files.createDirectories(outDir);
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot create output folder " + outDir + ": " + e.getMessage(), e);
    }
    List<Written> out = new ArrayList<>();
    List<Path> skipped = new ArrayList<>();
    try {
      for (Path f : files) {
        if (stop.getAsBoolean()) {
          return new Batch(out, skipped, true);
        }
        if (skipExisting && outputs(f, outDir, overlay).stream().allMatch(Files::isRegularFile)) {
          skipped.add(f);
          continue;
        }
        Written w = predict(f, outDir, predictor, threshold, overlay, modelFovDiameter);
        each.accept(w);
        out.add(w);
      }
    } catch (RuntimeException e) {
      if (created && out.isEmpty()) { // the folder this call made holds nothing: leave no trace
        try {
          Files.deleteIfExists(outDir);
        } catch (IOException ignored) {
          // not empty after all (another writer): keep it
        }
      }
      throw e;
    }
    return new Batch(out, skipped, false);
  }

  /** The files {@link #predict} writes for {@code file}. */
  static List<Path> outputs(Path file, Path outDir, boolean overlay) {
    String stem = stem(file);
    List<Path> out = new ArrayList<>(List.of(outDir.resolve(stem + "_prob.png"),
        outDir.resolve(stem + "_mask.png")));
    if (overlay) {
      out.add(outDir.resolve(stem + "_overlay.png"));
    }
    return out;
  }

  static String stem(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }
}
