package io.vesselseg.data;

import io.vesselseg.VesselsegException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loader for CHASE_DB1 (Child Heart and Health Study in England) in its distributed flat layout:
 *
 * <pre>
 * &lt;root&gt;/Image_01L.jpg  &lt;root&gt;/Image_01L_1stHO.png  &lt;root&gt;/Image_01L_2ndHO.png
 * &lt;root&gt;/Image_01R.jpg  &lt;root&gt;/Image_01R_1stHO.png  &lt;root&gt;/Image_01R_2ndHO.png  ...  Image_14R.jpg
 * </pre>
 *
 * <p>28 photographs (14 children, left and right eye), 999x960. The first human observer ({@code _1stHO}) is
 * {@code vessel}, the second ({@code _2ndHO}) is {@code vessel2} when the folder has any 2ndHO files. There
 * are no FOV masks: the FOV is estimated with {@link FovEstimator} ({@code fovEstimated = true}).
 *
 * <p>Splits: CHASE_DB1 has no official split. Following the common convention, "training" is children 01-10
 * (the first 20 images) and "test" is children 11-14 (the last 8); "all" is every image. Samples are sorted by
 * child number, then L before R; the id is the image stem (e.g. "Image_01L").
 */
public final class ChaseDb1Dataset {

  /** Size of every CHASE_DB1 photograph. */
  static final int WIDTH = 999;
  static final int HEIGHT = 960;
  /** Children 1..LAST_TRAINING_CHILD form the training split. */
  static final int LAST_TRAINING_CHILD = 10;

  private static final Pattern IMAGE = Pattern.compile("Image_(\\d+)([LR])", Pattern.CASE_INSENSITIVE);
  private static final Pattern LABEL = Pattern.compile("Image_\\d+[LR]_(1st|2nd)HO", Pattern.CASE_INSENSITIVE);
  private static final String LAYOUT = "expected the CHASE_DB1 files Image_01L.jpg, Image_01L_1stHO.png, "
      + "Image_01L_2ndHO.png, ... in one folder; point --data at the unpacked CHASEDB1 folder";

  private ChaseDb1Dataset() {}

  /** True when {@code root} directly holds an image named like {@code Image_01L.jpg}. */
  public static boolean looksLikeChaseDb1(Path root) {
    return root != null && Files.isDirectory(root)
        && DatasetFiles.images(root).stream().anyMatch(p -> IMAGE.matcher(DatasetFiles.stem(p)).matches());
  }

  /**
   * Loads one split (see the class comment for the split convention).
   *
   * @param split "training", "test" or "all"
   * @throws VesselsegException.Usage for an unknown split
   * @throws VesselsegException.Data for a missing folder or file, an unreadable file or a size mismatch
   */
  public static List<Sample> load(Path root, String split) {
    return open(root, split).loadAll();
  }

  /** As {@link #load}, but decoding each photograph only when asked for (see {@link SampleSource}). */
  public static SampleSource open(Path root, String split) {
    DatasetFiles.checkSplit(split);
    DatasetFiles.checkRoot(root, "CHASE_DB1", LAYOUT);
    DatasetFiles files = files(root);
    if (files.entries().isEmpty()) {
      throw new VesselsegException.Data("CHASE_DB1 folder " + root + " has no images named like Image_01L.jpg; "
          + "found " + DatasetFiles.firstEntries(root) + "; " + LAYOUT);
    }
    return files.split(split).open();
  }

  /** The files of every image, paired without decoding anything. */
  static DatasetFiles files(Path root) {
    List<Path> all = DatasetFiles.images(root);
    List<Path> labels = all.stream().filter(p -> LABEL.matcher(DatasetFiles.stem(p)).matches()).toList();
    boolean hasSecond =
        labels.stream().anyMatch(p -> DatasetFiles.stem(p).toLowerCase(Locale.ROOT).endsWith("_2ndho"));
    List<Path> images = new ArrayList<>();
    for (Path p : all) {
      if (IMAGE.matcher(DatasetFiles.stem(p)).matches()) {
        images.add(p);
      }
    }
    images.sort((a, b) -> {
      Matcher ma = IMAGE.matcher(DatasetFiles.stem(a));
      Matcher mb = IMAGE.matcher(DatasetFiles.stem(b));
      ma.matches();
      mb.matches();
      int c = Integer.compare(Integer.parseInt(ma.group(1)), Integer.parseInt(mb.group(1)));
      return c != 0 ? c : ma.group(2).compareToIgnoreCase(mb.group(2));
    });
    List<DatasetFiles.Entry> entries = new ArrayList<>();
    List<DatasetFiles.Issue> issues = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (Path image : images) {
      String stem = DatasetFiles.stem(image);
      if (seen.stream().anyMatch(stem::equalsIgnoreCase)) {
        issues.add(new DatasetFiles.Issue(image, "CHASE_DB1 folder " + root + " has two files for image " + stem
            + " (" + image.getFileName() + " and another); keep only one"));
        continue;
      }
      seen.add(stem);
      Matcher m = IMAGE.matcher(stem);
      m.matches();
      int child = Integer.parseInt(m.group(1));
      String split = child <= LAST_TRAINING_CHILD ? "training" : "test";
      Path vessel = orExpected(DatasetFiles.byStem(labels, stem + "_1stHO"), root.resolve(stem + "_1stHO.png"));
      Path vessel2 = hasSecond
          ? orExpected(DatasetFiles.byStem(labels, stem + "_2ndHO"), root.resolve(stem + "_2ndHO.png"))
          : null;
      entries.add(new DatasetFiles.Entry(stem, split, image, vessel, vessel2, null));
    }
    return new DatasetFiles("CHASE_DB1", root, entries, DatasetFiles.unreferenced(labels, entries), issues, false,
        WIDTH, HEIGHT);
  }

  private static Path orExpected(Path found, Path expected) {
    return found != null ? found : expected;
  }
}
