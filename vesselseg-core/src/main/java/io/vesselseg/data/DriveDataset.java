package io.vesselseg.data;

import io.vesselseg.VesselsegException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loader for the DRIVE retinal vessel dataset in its official layout:
 *
 * <pre>
 * &lt;root&gt;/training/images/21_training.tif   &lt;root&gt;/test/images/01_test.tif
 * &lt;root&gt;/training/1st_manual/21_manual1.gif &lt;root&gt;/test/1st_manual/01_manual1.gif
 * &lt;root&gt;/training/mask/21_training_mask.gif &lt;root&gt;/test/mask/01_test_mask.gif
 *                                          &lt;root&gt;/test/2nd_manual/01_manual2.gif (optional)
 * </pre>
 *
 * <p>Files are paired by the leading image number; annotation files may have any extension ImageIO reads
 * ({@code .gif} in the official release). Every problem is a {@link VesselsegException.Data} naming the file.
 * Split "all" is training followed by test.
 */
public final class DriveDataset {

  private static final String IMAGE_EXT = "(tif|tiff|png|jpg|jpeg|gif|bmp)";
  private static final Pattern IMAGE = Pattern.compile("(\\d+)_.*\\." + IMAGE_EXT, Pattern.CASE_INSENSITIVE);
  /** Size of every DRIVE photograph. */
  static final int WIDTH = 565;
  static final int HEIGHT = 584;
  private static final String[] SPLITS = {"training", "test"};
  private static final String LAYOUT =
      "expected the official layout training|test/images, 1st_manual, mask; point --data at the unpacked DRIVE folder";

  private DriveDataset() {}

  /**
   * True when {@code root} has {@code training/images} or {@code test/images}, unless that split folder has a
   * {@code masks} folder and no {@code 1st_manual} (the generic {@link FolderDataset} layout).
   */
  public static boolean looksLikeDrive(Path root) {
    if (root == null) {
      return false;
    }
    for (String split : SPLITS) {
      Path dir = root.resolve(split);
      if (Files.isDirectory(dir.resolve("images"))
          && !(Files.isDirectory(dir.resolve("masks")) && !Files.isDirectory(dir.resolve("1st_manual")))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Loads one split, sorted by split and image number.
   *
   * @param split "training", "test" or "all" (training then test, whichever of them exist)
   * @return samples with id = image file stem (e.g. "21_training"), the 1st observer as {@code vessel}, the
   *     2nd observer as {@code vessel2} when a {@code 2nd_manual} folder exists, and the mask file as {@code fov}
   * @throws VesselsegException.Usage for an unknown split
   * @throws VesselsegException.Data for a missing folder or file, an unreadable file or a size mismatch
   */
  public static List<Sample> load(Path root, String split) {
    return open(root, split).loadAll();
  }

  /** As {@link #load}, but decoding each photograph only when asked for (see {@link SampleSource}). */
  public static SampleSource open(Path root, String split) {
    DatasetFiles.checkSplit(split);
    DatasetFiles.checkRoot(root, "DRIVE", LAYOUT);
    List<String> splits = new ArrayList<>();
    if ("all".equals(split)) {
      for (String s : SPLITS) {
        if (Files.isDirectory(root.resolve(s).resolve("images"))) {
          splits.add(s);
        }
      }
      if (splits.isEmpty()) {
        throw new VesselsegException.Data("DRIVE folder " + root + " has neither training/images nor test/images: "
            + LAYOUT);
      }
    } else {
      splits.add(split);
    }
    for (String s : splits) {
      Path dir = root.resolve(s);
      if (!Files.isDirectory(dir.resolve("images"))) {
        throw new VesselsegException.Data("DRIVE folder " + root + " has no " + s + "/images: " + LAYOUT);
      }
      requireDir(root, dir, "1st_manual", s);
      requireDir(root, dir, "mask", s);
    }
    DatasetFiles files = files(root, splits);
    for (String s : splits) {
      if (files.entries().stream().noneMatch(e -> e.split().equals(s))) {
        throw new VesselsegException.Data("DRIVE folder " + root.resolve(s).resolve("images") + " has no images "
            + "named like 21_training.tif or 01_test.tif; " + LAYOUT);
      }
    }
    return files.open();
  }

  /** The files of every split that has an {@code images} folder, paired without decoding anything. */
  static DatasetFiles files(Path root) {
    return files(root, List.of(SPLITS));
  }

  private static DatasetFiles files(Path root, List<String> splits) {
    List<DatasetFiles.Entry> entries = new ArrayList<>();
    List<DatasetFiles.Issue> issues = new ArrayList<>();
    List<Path> labels = new ArrayList<>();
    for (String split : splits) {
      Path dir = root.resolve(split);
      Path images = dir.resolve("images");
      if (!Files.isDirectory(images)) {
        continue;
      }
      Path manual1 = dir.resolve("1st_manual");
      Path masks = dir.resolve("mask");
      Path manual2 = dir.resolve("2nd_manual");
      boolean hasSecond = Files.isDirectory(manual2);
      Map<Integer, Path> byNumber = new TreeMap<>();
      for (Path p : DatasetFiles.list(images)) {
        Matcher m = IMAGE.matcher(p.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        int number = Integer.parseInt(m.group(1));
        Path previous = byNumber.putIfAbsent(number, p);
        if (previous != null) {
          issues.add(new DatasetFiles.Issue(p, "DRIVE folder " + images + " has two images numbered " + number
              + ": " + previous.getFileName() + " and " + p.getFileName() + "; keep only one"));
        }
      }
      List<Path> manual1Files = DatasetFiles.images(manual1);
      List<Path> maskFiles = DatasetFiles.images(masks);
      List<Path> manual2Files = hasSecond ? DatasetFiles.images(manual2) : List.of();
      labels.addAll(manual1Files);
      labels.addAll(maskFiles);
      labels.addAll(manual2Files);
      for (Path imageFile : byNumber.values()) {
        String stem = DatasetFiles.stem(imageFile);
        String num = stem.substring(0, stem.indexOf('_'));
        Path vessel = find(manual1Files, num + "_manual1", manual1.resolve(num + "_manual1.gif"));
        Path fov = find(maskFiles, stem + "_mask", masks.resolve(stem + "_mask.gif"));
        Path vessel2 = hasSecond ? find(manual2Files, num + "_manual2", manual2.resolve(num + "_manual2.gif")) : null;
        entries.add(new DatasetFiles.Entry(stem, split, imageFile, vessel, vessel2, fov));
      }
    }
    return new DatasetFiles("DRIVE", root, entries, DatasetFiles.unreferenced(labels, entries), issues, true,
        WIDTH, HEIGHT);
  }

  private static void requireDir(Path root, Path dir, String name, String split) {
    if (!Files.isDirectory(dir.resolve(name))) {
      throw new VesselsegException.Data("DRIVE folder " + root + " has no " + split + "/" + name + ": " + LAYOUT);
    }
  }

  /**
   * The file named {@code stem.<image extension>} (case-insensitive), preferring the official {@code .gif};
   * {@code expected} (the official path, which does not exist) when none matches.
   */
  private static Path find(List<Path> files, String stem, Path expected) {
    Path found = null;
    for (Path p : files) {
      if (DatasetFiles.stem(p).equalsIgnoreCase(stem)) {
        if (found == null || p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gif")) {
          found = p;
        }
      }
    }
    return found == null ? expected : found;
  }
}
