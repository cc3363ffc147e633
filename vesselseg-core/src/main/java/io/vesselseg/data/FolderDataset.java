package io.vesselseg.data;

import io.vesselseg.VesselsegException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Loader for any dataset in a generic folder layout:
 *
 * <pre>
 * &lt;root&gt;/images/a.png   &lt;root&gt;/masks/a.png (or a_mask.png, a_manual1.tif, ...)   &lt;root&gt;/fov/a.png (optional)
 * </pre>
 *
 * or the same three folders inside {@code <root>/training/} and {@code <root>/test/}. Files may be PNG, TIFF,
 * JPEG, BMP, GIF or PPM/PGM. A mask or FOV file belongs to the image with the same stem; failing that, to the
 * image whose stem it starts with followed by {@code _} (the longest such stem wins, so {@code a_b_mask} goes to
 * image {@code a_b}, not {@code a}). An image with several such files and none with exactly its stem is an
 * error. The FOV comes from {@code fov/} when that folder has a file for the image, else it is estimated.
 *
 * <p>Splits: "all" is every image. With {@code training/} and {@code test/} subfolders (each with
 * {@code images/}), those are the splits. Otherwise the sorted image stems are shuffled with
 * {@code Collections.shuffle(stems, new Random(2024))} and the first 20% (rounded, at least one when there are
 * two or more images) are "test", the rest "training". Samples are sorted by stem within each split.
 */
public final class FolderDataset {

  /** Seed of the documented 80/20 split. */
  public static final long SPLIT_SEED = 2024L;

  private static final String LAYOUT = "expected images/ and masks/ (optional fov/), either in the folder or in "
      + "both training/ and test/; point --data at that folder";

  private FolderDataset() {}

  /** True when {@code root} (or its {@code training/} or {@code test/} folder) has {@code images/} and {@code masks/}. */
  public static boolean looksLikeFolder(Path root) {
    if (root == null) {
      return false;
    }
    for (Path dir : new Path[] {root, root.resolve("training"), root.resolve("test")}) {
      if (Files.isDirectory(dir.resolve("images")) && Files.isDirectory(dir.resolve("masks"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Loads one split (see the class comment).
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
    DatasetFiles.checkRoot(root, "folder dataset", LAYOUT);
    boolean subfolders = hasSplitFolders(root);
    for (Path dir : subfolders ? List.of(root.resolve("training"), root.resolve("test")) : List.of(root)) {
      for (String sub : new String[] {"images", "masks"}) {
        if (!Files.isDirectory(dir.resolve(sub))) {
          throw new VesselsegException.Data("folder dataset " + root + " has no " + root.relativize(dir.resolve(sub))
              + "/ folder; found " + DatasetFiles.firstEntries(dir) + "; " + LAYOUT);
        }
      }
    }
    DatasetFiles files = files(root);
    if (files.entries().isEmpty()) {
      throw new VesselsegException.Data("folder dataset " + root + " has no images in images/; " + LAYOUT);
    }
    return files.split(split).open();
  }

  /** True when both {@code training/images} and {@code test/images} exist. */
  static boolean hasSplitFolders(Path root) {
    return Files.isDirectory(root.resolve("training").resolve("images"))
        && Files.isDirectory(root.resolve("test").resolve("images"));
  }

  /** The test stems of the seeded 80/20 split. */
  static Set<String> testStems(List<String> sortedStems) {
    int n = sortedStems.size();
    int nTest = n < 2 ? 0 : Math.max(1, (int) Math.round(n * 0.2));
    List<String> shuffled = new ArrayList<>(sortedStems);
    Collections.shuffle(shuffled, new Random(SPLIT_SEED));
    return new HashSet<>(shuffled.subList(0, nTest));
  }

  /** The files of every image, paired without decoding anything. */
  static DatasetFiles files(Path root) {
    List<DatasetFiles.Entry> entries = new ArrayList<>();
    List<DatasetFiles.Issue> issues = new ArrayList<>();
    List<Path> labels = new ArrayList<>();
    if (hasSplitFolders(root)) {
      for (String split : new String[] {"training", "test"}) {
        collect(root.resolve(split), split, null, entries, issues, labels);
      }
    } else {
      List<String> stems = DatasetFiles.images(root.resolve("images")).stream().map(DatasetFiles::stem)
          .sorted().toList();
      collect(root, null, testStems(stems), entries, issues, labels);
    }
    return new DatasetFiles("folder dataset", root, entries, DatasetFiles.unreferenced(labels, entries), issues,
        false, 0, 0);
  }

  /** Pairs the files of one {@code images/ masks/ fov/} group; {@code split} null means "use testStems". */
  private static void collect(Path dir, String split, Set<String> testStems, List<DatasetFiles.Entry> entries,
      List<DatasetFiles.Issue> issues, List<Path> labels) {
    Map<String, Path> images = new LinkedHashMap<>();
    for (Path p : DatasetFiles.images(dir.resolve("images"))) {
      Path previous = images.putIfAbsent(DatasetFiles.stem(p), p);
      if (previous != null) {
        issues.add(new DatasetFiles.Issue(p, "folder dataset " + dir.resolve("images") + " has two images with "
            + "stem " + DatasetFiles.stem(p) + ": " + previous.getFileName() + " and " + p.getFileName()
            + "; keep only one"));
      }
    }
    List<Path> masks = DatasetFiles.images(dir.resolve("masks"));
    List<Path> fovs = DatasetFiles.images(dir.resolve("fov"));
    labels.addAll(masks);
    labels.addAll(fovs);
    Map<String, List<Path>> maskOf = assign(masks, images.keySet());
    Map<String, List<Path>> fovOf = assign(fovs, images.keySet());
    List<String> stems = new ArrayList<>(images.keySet());
    Collections.sort(stems);
    for (String stem : stems) {
      Path image = images.get(stem);
      Path mask = pick(maskOf.get(stem), stem, "mask", issues, image);
      Path fov = pick(fovOf.get(stem), stem, "FOV", issues, image);
      String s = split != null ? split : testStems.contains(stem) ? "test" : "training";
      entries.add(new DatasetFiles.Entry(stem, s, image,
          mask != null ? mask : dir.resolve("masks").resolve(stem + ".png"), null, fov));
    }
  }

  /** Assigns each file to the image with the longest stem it equals or starts with followed by "_". */
  private static Map<String, List<Path>> assign(List<Path> files, Set<String> imageStems) {
    Map<String, List<Path>> out = new HashMap<>();
    for (Path f : files) {
      String fs = DatasetFiles.stem(f);
      String best = null;
      for (String s : imageStems) {
        boolean match = fs.equals(s) || fs.startsWith(s + "_");
        if (match && (best == null || s.length() > best.length())) {
          best = s;
        }
      }
      if (best != null) {
        out.computeIfAbsent(best, k -> new ArrayList<>()).add(f);
      }
    }
    return out;
  }

  /** The exact-stem file, else the only candidate; several candidates without an exact one are an issue. */
  private static Path pick(List<Path> candidates, String stem, String what, List<DatasetFiles.Issue> issues,
      Path image) {
    if (candidates == null || candidates.isEmpty()) {
      return null;
    }
    for (Path p : candidates) {
      if (DatasetFiles.stem(p).equals(stem)) {
        return p;
      }
    }
    if (candidates.size() > 1) {
      issues.add(new DatasetFiles.Issue(image, "folder dataset image " + image.getFileName() + " has "
          + candidates.size() + " " + what + " files " + candidates.stream().map(p -> p.getFileName().toString())
              .toList() + " and none named exactly " + stem + ".*; keep only one"
          + " or rename it to " + stem + "." + extension(candidates.get(0))));
      return candidates.get(0);
    }
    return candidates.get(0);
  }

  private static String extension(Path p) {
    String n = p.getFileName().toString();
    return n.substring(n.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
  }
}
