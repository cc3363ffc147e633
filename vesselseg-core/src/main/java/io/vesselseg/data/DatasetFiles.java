package io.vesselseg.data;

import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files of a dataset as a reader pairs them, before anything is decoded. The strict loaders turn it into
 * samples and stop at the first problem ({@link #load}); {@link DatasetVerifier} checks every file and reports
 * all problems.
 *
 * @param layout         the layout name used in messages ("DRIVE", "CHASE_DB1", ...)
 * @param root           the dataset folder
 * @param entries        one per image, in load order
 * @param unpaired       label or FOV files that belong to no image
 * @param issues         pairing problems found while listing (e.g. two images with the same number)
 * @param fovFiles       true when the layout has FOV mask files (DRIVE: an entry without one is an error);
 *                       false when the FOV is always estimated
 * @param expectedWidth  the usual image width of this set, or 0 when it has none
 * @param expectedHeight the usual image height of this set, or 0 when it has none
 */
record DatasetFiles(String layout, Path root, List<Entry> entries, List<Path> unpaired, List<Issue> issues,
    boolean fovFiles, int expectedWidth, int expectedHeight) {

  /**
   * The files of one sample. A label path that does not exist is where the reader expected the file; null
   * means the set has no such file for this image (no second observer; FOV estimated).
   */
  record Entry(String id, String split, Path image, Path vessel, Path vessel2, Path fov) {}

  /** A pairing problem tied to one file. */
  record Issue(Path file, String message) {}

  /** Image file extensions every reader accepts (case-insensitive), optionally gzip-compressed. */
  static final Pattern IMAGE_FILE =
      Pattern.compile(".*\\.(tif|tiff|png|jpg|jpeg|gif|bmp|ppm|pgm|pnm)(\\.gz)?", Pattern.CASE_INSENSITIVE);

  /** Only the entries of one split ("all" keeps every entry). */
  DatasetFiles split(String split) {
    if ("all".equals(split)) {
      return this;
    }
    List<Entry> kept = entries.stream().filter(e -> e.split().equals(split)).toList();
    return new DatasetFiles(layout, root, kept, unpaired, issues, fovFiles, expectedWidth, expectedHeight);
  }

  /**
   * Checks the pairing and that every file exists, then returns a source that decodes each entry when asked
   * (estimating the FOV where the entry has no FOV file), holding none.
   *
   * @throws VesselsegException.Data at the first pairing issue or missing file
   */
  SampleSource open() {
    if (!issues.isEmpty()) {
      Issue first = issues.get(0);
      throw new VesselsegException.Data(first.message());
    }
    if (entries.isEmpty()) {
      throw new VesselsegException.Data(layout + " folder " + root + " has no images for this split; "
          + "point --data at the unpacked " + layout + " folder");
    }
    for (Entry e : entries) {
      String name = e.image().getFileName().toString();
      requireFile(e.vessel(), name);
      requireFile(e.vessel2(), name);
      requireFile(e.fov(), name);
    }
    return SampleSource.lazy(entries.stream().map(Entry::id).toList(), i -> decode(entries.get(i)));
  }

  /**
   * Decodes every entry ({@link #open()}, then each decoded and held).
   *
   * @throws VesselsegException.Data at the first pairing issue, missing, unreadable or mis-sized file
   */
  List<Sample> load() {
    return open().loadAll();
  }

  private static Sample decode(Entry e) {
    String name = e.image().getFileName().toString();
    RgbImage img = ImageFiles.readRgb(e.image());
    int w = img.width();
    int h = img.height();
    byte[] vessel = e.vessel() == null ? null : ImageFiles.readMask(e.vessel(), w, h, name);
    byte[] vessel2 = e.vessel2() == null ? null : ImageFiles.readMask(e.vessel2(), w, h, name);
    boolean estimated = e.fov() == null;
    byte[] fov = estimated ? FovEstimator.estimate(img.chw(), w, h) : ImageFiles.readMask(e.fov(), w, h, name);
    return new Sample(e.id(), w, h, img.chw(), vessel, vessel2, fov, estimated);
  }

  private void requireFile(Path file, String imageName) {
    if (file != null && !Files.isRegularFile(file)) {
      throw new VesselsegException.Data(layout + " image " + imageName + " has no matching file " + file
          + "; restore it from the " + layout + " archive or remove the image");
    }
  }

  /** Throws a usage error unless {@code split} is training, test or all. */
  static void checkSplit(String split) {
    if (!"training".equals(split) && !"test".equals(split) && !"all".equals(split)) {
      throw new VesselsegException.Usage("unknown split '" + split + "': expected training, test or all");
    }
  }

  /** Throws a Data error naming the layout unless {@code root} is a folder. */
  static void checkRoot(Path root, String layout, String expected) {
    if (root == null || !Files.isDirectory(root)) {
      throw new VesselsegException.Data(layout + " folder " + root + " does not exist or is not a folder; "
          + expected);
    }
  }

  /** Regular, non-hidden files of a folder, sorted by name; empty when the folder does not exist. */
  static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot list folder " + dir + ": " + e
          + "; check that it exists and is readable", e);
    }
  }

  /** Image files (see {@link #IMAGE_FILE}) of a folder, sorted by name. */
  static List<Path> images(Path dir) {
    return list(dir).stream().filter(DatasetFiles::isImage).toList();
  }

  /** Image files in {@code root} and up to {@code depth} folder levels below it (hidden folders skipped). */
  static List<Path> imagesBelow(Path root, int depth) {
    List<Path> out = new ArrayList<>(images(root));
    if (depth > 0 && Files.isDirectory(root)) {
      try (Stream<Path> s = Files.list(root)) {
        List<Path> dirs = s.filter(Files::isDirectory)
            .filter(p -> !p.getFileName().toString().startsWith("."))
            .sorted().toList();
        for (Path d : dirs) {
          out.addAll(imagesBelow(d, depth - 1));
        }
      } catch (IOException e) {
        throw new VesselsegException.Data("cannot list folder " + root + ": " + e
            + "; check that it exists and is readable", e);
      }
    }
    return out;
  }

  static boolean isImage(Path p) {
    return IMAGE_FILE.matcher(p.getFileName().toString()).matches();
  }

  /** The file name without {@code .gz} and without its (last) extension: "im0001.ah.ppm.gz" gives "im0001.ah". */
  static String stem(Path p) {
    String n = p.getFileName().toString();
    if (n.toLowerCase(Locale.ROOT).endsWith(".gz")) {
      n = n.substring(0, n.length() - 3);
    }
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  /** The file among {@code files} whose stem equals {@code stem} (case-insensitive), or null. */
  static Path byStem(Collection<Path> files, String stem) {
    for (Path p : files) {
      if (stem(p).equalsIgnoreCase(stem)) {
        return p;
      }
    }
    return null;
  }

  /** The candidates that no entry refers to, in their given order. */
  static List<Path> unreferenced(Collection<Path> candidates, List<Entry> entries) {
    Set<Path> used = new HashSet<>();
    for (Entry e : entries) {
      used.add(e.image());
      used.add(e.vessel());
      used.add(e.vessel2());
      used.add(e.fov());
    }
    return candidates.stream().filter(p -> !used.contains(p)).toList();
  }

  /** A short listing of a folder's first entries, for "found ..." messages. */
  static String firstEntries(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      List<String> names = s.map(p -> p.getFileName().toString() + (Files.isDirectory(p) ? "/" : ""))
          .sorted().toList();
      if (names.isEmpty()) {
        return "an empty folder";
      }
      String shown = String.join(", ", names.subList(0, Math.min(6, names.size())));
      return names.size() > 6 ? shown + " and " + (names.size() - 6) + " more" : shown;
    } catch (IOException e) {
      return "a folder that cannot be listed (" + e.getMessage() + ")";
    }
  }
}
