package io.vesselseg.data;

import io.vesselseg.VesselsegException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loader for HRF (High-Resolution Fundus image database) in its distributed layout:
 *
 * <pre>
 * &lt;root&gt;/images/01_h.jpg   &lt;root&gt;/manual1/01_h.tif   &lt;root&gt;/mask/01_h_mask.tif
 * </pre>
 *
 * <p>45 photographs, 3504x2336: 15 each of healthy ({@code _h}), glaucoma ({@code _g}) and diabetic
 * retinopathy ({@code _dr}) eyes. Image extensions are matched case-insensitively (the archive mixes
 * {@code .jpg} and {@code .JPG}). {@code manual1} is {@code vessel}; there is no second observer. The FOV masks
 * may be RGB TIFFs: a pixel is inside when its first band is above 127.
 *
 * <p>Splits: HRF has no official split. Here "training" is the first 5 images (by number) of each category
 * (15 images), "test" the other 30, "all" every image. Samples are sorted by number, then h, g, dr; the id is
 * the image stem (e.g. "01_h").
 */
public final class HrfDataset {

  /** Size of every HRF photograph. */
  static final int WIDTH = 3504;
  static final int HEIGHT = 2336;
  /** The first this many images of each category form the training split. */
  static final int TRAINING_PER_CATEGORY = 5;

  private static final List<String> CATEGORIES = List.of("h", "g", "dr");
  private static final Pattern IMAGE = Pattern.compile("(\\d+)_(h|g|dr)", Pattern.CASE_INSENSITIVE);
  private static final String LAYOUT = "expected the HRF layout images/01_h.jpg, manual1/01_h.tif, "
      + "mask/01_h_mask.tif; point --data at the unpacked HRF folder";

  private HrfDataset() {}

  /** True when {@code root/images} holds an image named like {@code 01_h.jpg} and {@code root/manual1} exists. */
  public static boolean looksLikeHrf(Path root) {
    return root != null && Files.isDirectory(root.resolve("manual1"))
        && DatasetFiles.images(root.resolve("images")).stream()
            .anyMatch(p -> IMAGE.matcher(DatasetFiles.stem(p)).matches());
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
    DatasetFiles.checkRoot(root, "HRF", LAYOUT);
    for (String dir : new String[] {"images", "manual1", "mask"}) {
      if (!Files.isDirectory(root.resolve(dir))) {
        throw new VesselsegException.Data("HRF folder " + root + " has no " + dir + "/ folder; found "
            + DatasetFiles.firstEntries(root) + "; " + LAYOUT);
      }
    }
    DatasetFiles files = files(root);
    if (files.entries().isEmpty()) {
      throw new VesselsegException.Data("HRF folder " + root.resolve("images") + " has no images named like "
          + "01_h.jpg; found " + DatasetFiles.firstEntries(root.resolve("images")) + "; " + LAYOUT);
    }
    return files.split(split).open();
  }

  /** The files of every image, paired without decoding anything. */
  static DatasetFiles files(Path root) {
    Path manual1 = root.resolve("manual1");
    Path masks = root.resolve("mask");
    List<Path> manualFiles = DatasetFiles.images(manual1);
    List<Path> maskFiles = DatasetFiles.images(masks);
    List<Path> images = new ArrayList<>(DatasetFiles.images(root.resolve("images")).stream()
        .filter(p -> IMAGE.matcher(DatasetFiles.stem(p)).matches()).toList());
    images.sort(Comparator.comparingInt((Path p) -> number(p)).thenComparingInt(HrfDataset::category));
    Map<String, Integer> seenPerCategory = new HashMap<>();
    List<DatasetFiles.Entry> entries = new ArrayList<>();
    List<DatasetFiles.Issue> issues = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (Path image : images) {
      String stem = DatasetFiles.stem(image);
      if (seen.stream().anyMatch(stem::equalsIgnoreCase)) {
        issues.add(new DatasetFiles.Issue(image, "HRF folder " + image.getParent() + " has two files for image "
            + stem + "; keep only one"));
        continue;
      }
      seen.add(stem);
      String cat = CATEGORIES.get(category(image));
      int rank = seenPerCategory.merge(cat, 1, Integer::sum);
      String split = rank <= TRAINING_PER_CATEGORY ? "training" : "test";
      Path vessel = DatasetFiles.byStem(manualFiles, stem);
      Path fov = DatasetFiles.byStem(maskFiles, stem + "_mask");
      entries.add(new DatasetFiles.Entry(stem, split, image,
          vessel != null ? vessel : manual1.resolve(stem + ".tif"),
          null,
          fov != null ? fov : masks.resolve(stem + "_mask.tif")));
    }
    List<Path> labels = new ArrayList<>(manualFiles);
    labels.addAll(maskFiles);
    return new DatasetFiles("HRF", root, entries, DatasetFiles.unreferenced(labels, entries), issues, true,
        WIDTH, HEIGHT);
  }

  private static int number(Path p) {
    Matcher m = IMAGE.matcher(DatasetFiles.stem(p));
    return m.matches() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
  }

  private static int category(Path p) {
    Matcher m = IMAGE.matcher(DatasetFiles.stem(p));
    return m.matches() ? CATEGORIES.indexOf(m.group(2).toLowerCase(Locale.ROOT)) : 0;
  }
}
