package io.vesselseg.cli;

import io.vesselseg.AtomicFiles;
import io.vesselseg.Segmentation;
import io.vesselseg.SegmentationFiles;
import io.vesselseg.VesselSegmenter;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.FovEstimator;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.RgbImage;
import io.vesselseg.measure.ImageQuality;
import io.vesselseg.measure.SkeletonPicture;
import io.vesselseg.measure.VesselMeasurements;
import io.vesselseg.measure.VesselMeasures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vesselseg measure}: vessel measurements and quality flags per photograph, as CSV and JSON. */
@Command(name = "measure", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Measure the vessels of fundus photographs inside their field of view (area and skeleton "
        + "length density, calibre, tortuosity, branch and end points, fractal dimension) and flag photographs "
        + "that should not be trusted: writes <output>/measurements.csv and measurements.json, one row per "
        + "photograph (docs/measure.md).")
final class MeasureCommand implements Callable<Integer> {

  @Option(names = "--input", required = true, paramLabel = "PATH", description = "a photograph or a folder of them")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "folder for measurements.csv and .json")
  Path output;

  @Option(names = "--masks", paramLabel = "DIR", description = "measure these vessel masks (0/255 images, one per "
      + "photograph: same name, <name>_mask, or the one file starting with the photograph's number and '_') "
      + "instead of segmenting")
  Path masks;

  @Option(names = "--fov", paramLabel = "DIR", description = "FOV masks, matched the same way (default: estimated "
      + "from each photograph)")
  Path fov;

  @Option(names = "--um-per-pixel", paramLabel = "UM", description = "scale, for calibre in micrometres too")
  Double umPerPixel;

  @Option(names = "--pictures", description = "also write <name>_skeleton.png: skeleton, end (green) and branch "
      + "(red) points over the photograph")
  boolean pictures;

  @Option(names = "--rescale", defaultValue = "auto",
      description = "auto: resample to the training set's FOV diameter; none: use the photograph as is")
  String rescale;

  @Mixin
  ModelOptions modelOptions;

  @Override
  public Integer call() {
    if (umPerPixel != null && !(umPerPixel > 0)) {
      throw new VesselsegException.Usage("--um-per-pixel " + umPerPixel + ": expected a positive number");
    }
    double um = umPerPixel == null ? Double.NaN : umPerPixel;
    List<Path> photos = SegmentationFiles.inputs(input);
    List<MeasureTable.Row> rows = new ArrayList<>();
    VesselSegmenter segmenter = masks == null ? modelOptions.open(rescale, null) : null;
    try {
      for (Path photo : photos) {
        RgbImage rgb = ImageFiles.readRgb(photo);
        int w = rgb.width();
        int h = rgb.height();
        String name = photo.getFileName().toString();
        byte[] fovMask = fov == null ? FovEstimator.estimate(rgb.chw(), w, h)
            : ImageFiles.readMask(match(fov, photo, "FOV mask"), w, h, name);
        byte[] vessels;
        float threshold;
        if (segmenter != null) {
          Segmentation s = segmenter.segment(photo);
          vessels = s.mask();
          threshold = s.threshold();
        } else {
          Path maskFile = match(masks, photo, "vessel mask");
          vessels = ImageFiles.readMask(maskFile, w, h, name);
          requireBinary(maskFile);
          threshold = Float.NaN;
        }
        ImageQuality q = ImageQuality.assess(rgb.chw(), fovMask, w, h);
        VesselMeasurements m = q.flags().contains(ImageQuality.Flag.NO_FOV) ? VesselMeasurements.noFov(um)
            : VesselMeasures.measure(vessels, fovMask, w, h, um);
        rows.add(new MeasureTable.Row(name, segmenter != null ? segmenter.modelName() : "masks " + masks,
            segmenter != null ? segmenter.modelSha256() : "", threshold, q, m));
        System.out.printf(Locale.ROOT, "%s: vessels %.1f%% of FOV, calibre %.2f px, tortuosity %.3f, "
                + "D %.3f, %d branch / %d end points%s%n", name, 100 * m.areaDensity(), m.calibreMedian(),
            m.tortuosity(), m.fractalDimension(), m.branchPoints(), m.endPoints(),
            q.flags().isEmpty() ? "" : ", flags: " + MeasureTable.flags(q));
        if (pictures) {
          ImageFiles.writePng(output.resolve(stem(name) + "_skeleton.png"),
              SkeletonPicture.of(rgb.chw(), vessels, fovMask, w, h));
        }
      }
    } finally {
      if (segmenter != null) {
        segmenter.close();
      }
    }
    AtomicFiles.write(output.resolve("measurements.csv"), "CSV", o -> o.write(MeasureTable.csv(rows)));
    AtomicFiles.write(output.resolve("measurements.json"), "JSON", o -> o.write(MeasureTable.json(rows)));
    System.out.println(rows.size() + " photographs -> " + output.resolve("measurements.csv") + ", measurements.json");
    return Main.OK;
  }

  /**
   * The file in {@code dir} that belongs to {@code photo}: the same stem, the stem + "_mask", or else the only
   * file whose name starts with the photograph's name up to its first '_' ("21_" for 21_training.tif).
   */
  static Path match(Path dir, Path photo, String what) {
    if (!Files.isDirectory(dir)) {
      throw new VesselsegException.Usage(what + " folder " + dir + " does not exist");
    }
    String stem = stem(photo.getFileName().toString());
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot list " + dir + ": " + e.getMessage(), e);
    }
    for (String want : List.of(stem, stem + "_mask")) {
      for (Path f : files) {
        if (stem(f.getFileName().toString()).equals(want)) {
          return f;
        }
      }
    }
    int cut = stem.indexOf('_');
    if (cut > 0) {
      String prefix = stem.substring(0, cut + 1);
      List<Path> hits = files.stream().filter(f -> f.getFileName().toString().startsWith(prefix)).toList();
      if (hits.size() == 1) {
        return hits.get(0);
      }
      if (hits.size() > 1) {
        throw new VesselsegException.Data(what + " for " + photo.getFileName() + " is ambiguous: " + hits.size()
            + " files in " + dir + " start with '" + prefix + "'; the rule is one file per photograph");
      }
    }
    throw new VesselsegException.Data("no " + what + " for " + photo.getFileName() + " in " + dir + ": the rule "
        + "is a file named " + stem + ".<ext>, " + stem + "_mask.<ext>"
        + (cut > 0 ? " or the only one starting with '" + stem.substring(0, cut + 1) + "'" : ""));
  }

  /**
   * Fails unless the mask file holds at most two grey levels (0/255, 0/1, or a GIF palette's near-black and
   * near-white, as DRIVE's 2nd_manual has): a grey-level mask (a probability map, a JPEG) would otherwise be
   * cut at half silently.
   */
  static void requireBinary(Path file) {
    java.awt.image.BufferedImage img;
    try {
      img = javax.imageio.ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot read mask " + file + ": " + e.getMessage(), e);
    }
    int w = img.getWidth();
    int h = img.getHeight();
    int[] v = img.getRaster().getSamples(0, 0, w, h, 0, new int[w * h]);
    java.util.function.IntUnaryOperator grey = x -> x;
    if (img.getColorModel() instanceof java.awt.image.IndexColorModel icm) {
      grey = x -> Math.round((icm.getRed(x) + icm.getGreen(x) + icm.getBlue(x)) / 3f);
    }
    java.util.TreeSet<Integer> levels = new java.util.TreeSet<>();
    for (int x : v) {
      levels.add(grey.applyAsInt(x));
    }
    if (levels.size() > 2) {
      throw new VesselsegException.Data("mask " + file.getFileName() + " is not binary: it holds " + levels.size()
          + " grey levels (" + levels.first() + " … " + levels.last() + "); the rule is a two-level mask (0/255 "
          + "or 0/1): threshold it first, and save it as PNG or GIF, not JPEG");
    }
  }

  private static String stem(String name) {
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }
}
