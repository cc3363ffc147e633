package io.vesselseg;

import io.vesselseg.data.ImageFiles;
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
 * Segmentations as files, for batches of photographs: {@code <stem>_prob.png} (8-bit probability),
 * {@code <stem>_mask.png} (0/255 vessel mask) and optionally {@code <stem>_overlay.png} and
 * {@code <stem>_uncertainty.png} ({@link Segmentation#uncertaintyImage()}). Each file is written
 * whole (a temporary file renamed into place), so an output that exists is complete and a stopped batch can
 * go on where it stopped.
 */
public final class SegmentationFiles {

  private static final List<String> EXTENSIONS = List.of(".tif", ".tiff", ".png", ".jpg", ".jpeg", ".gif",
      ".bmp", ".ppm");

  /** Which optional files to write beside the probability map and the mask. */
  public record Extras(boolean overlay, boolean uncertainty) {
    public static final Extras NONE = new Extras(false, false);
  }

  /**
   * The outputs of one photograph ({@code overlay}, {@code uncertainty} null when not asked for);
   * {@code seconds} from reading the photograph to the last file written.
   */
  public record Written(Path input, Path probability, Path mask, Path overlay, Path uncertainty,
      Segmentation segmentation, double seconds) {}

  /**
   * What a batch did: the photographs it wrote, those it skipped because their outputs existed, and whether a
   * stop request ended it before the last photograph.
   */
  public record Batch(List<Written> written, List<Path> skipped, boolean stopped) {}

  private SegmentationFiles() {}

  /** The photographs named by {@code input}: the file itself, or the image files of a folder, sorted. */
  public static List<Path> inputs(Path input) {
    if (Files.isRegularFile(input)) {
      return List.of(input);
    }
    if (!Files.isDirectory(input)) {
      throw new VesselsegException.Usage(input + " does not exist: pass an image file (TIFF, PNG, JPEG, GIF, "
          + "BMP, PPM) or a folder of them");
    }
    try (Stream<Path> s = Files.list(input)) {
      List<Path> files = s.filter(Files::isRegularFile).filter(SegmentationFiles::isImage).sorted().toList();
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

  /** The files {@link #write} writes for the photograph {@code file} into {@code outDir}. */
  public static List<Path> outputs(Path file, Path outDir, Extras extras) {
    String stem = stem(file);
    List<Path> out = new ArrayList<>(List.of(outDir.resolve(stem + "_prob.png"),
        outDir.resolve(stem + "_mask.png")));
    if (extras.overlay()) {
      out.add(outDir.resolve(stem + "_overlay.png"));
    }
    if (extras.uncertainty()) {
      out.add(outDir.resolve(stem + "_uncertainty.png"));
    }
    return out;
  }

  /**
   * Writes the PNGs of {@code s}, the segmentation of the photograph {@code file}, into {@code outDir};
   * {@code startNanos} is when work on the photograph began ({@link System#nanoTime()}).
   */
  public static Written write(Segmentation s, Path file, Path outDir, Extras extras, long startNanos) {
    List<Path> files = outputs(file, outDir, extras);
    ImageFiles.writePng(files.get(0), s.probabilityImage());
    ImageFiles.writePng(files.get(1), s.maskImage());
    Path overlay = extras.overlay() ? files.get(2) : null;
    Path uncertainty = extras.uncertainty() ? files.get(files.size() - 1) : null;
    if (overlay != null) {
      ImageFiles.writePng(overlay, s.overlayImage());
    }
    if (uncertainty != null) {
      ImageFiles.writePng(uncertainty, s.uncertaintyImage());
    }
    return new Written(file, files.get(0), files.get(1), overlay, uncertainty, s,
        (System.nanoTime() - startNanos) / 1e9);
  }

  /**
   * Segments {@code files} in order into {@code outDir} (with the uncertainty when {@code extras} asks for its
   * picture). With {@code skipExisting} a photograph whose outputs
   * all exist already is skipped. {@code stop} is asked before each photograph; once it says so the batch
   * ends there, every output written so far complete. A folder this call created is removed again when the
   * batch fails before writing anything.
   */
  public static Batch segmentAll(VesselSegmenter segmenter, List<Path> files, Path outDir, Extras extras,
      boolean skipExisting, BooleanSupplier stop, Consumer<Written> each) {
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
        if (skipExisting && outputs(f, outDir, extras).stream().allMatch(Files::isRegularFile)) {
          skipped.add(f);
          continue;
        }
        long t0 = System.nanoTime();
        Segmentation s = extras.uncertainty() ? segmenter.segmentWithUncertainty(f) : segmenter.segment(f);
        Written w = write(s, f, outDir, extras, t0);
        each.accept(w);
        out.add(w);
      }
    } catch (RuntimeException e) {
      if (created && out.isEmpty()) {
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

  static String stem(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }
}
