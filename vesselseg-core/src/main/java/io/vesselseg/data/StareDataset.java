package io.vesselseg.data;

import io.vesselseg.VesselsegException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loader for the labelled part of STARE (STructured Analysis of the REtina) as distributed:
 *
 * <pre>
 * &lt;root&gt;/stare-images/im0001.ppm.gz   &lt;root&gt;/labels-ah/im0001.ah.ppm.gz   &lt;root&gt;/labels-vk/im0001.vk.ppm.gz
 * </pre>
 *
 * <p>Files may be gzip-compressed or not, and may lie in {@code root} or up to two folder levels below it, in
 * any folders. Images are PPM (read with {@link Pnm}; other image formats are accepted too), 700x605. Adam
 * Hoover's labels ({@code .ah}) are {@code vessel}, Valentina Kouznetsova's ({@code .vk}) are {@code vessel2}
 * when any {@code .vk} file is present. Only images with a label are loaded (the full STARE image archive has
 * about 400 unlabelled photographs; they are ignored). There are no FOV masks: the FOV is estimated with
 * {@link FovEstimator}.
 *
 * <p>Splits: STARE has no official split. The sorted image ids ("im0001", ...) are shuffled with
 * {@code Collections.shuffle(ids, new Random(2004))}; the first half (10 of the 20 labelled images) is
 * "training", the rest "test"; "all" is every labelled image. Within a split samples are sorted by id.
 */
public final class StareDataset {

  /** Size of every STARE photograph. */
  static final int WIDTH = 700;
  static final int HEIGHT = 605;
  /** Seed of the documented training/test shuffle. */
  public static final long SPLIT_SEED = 2004L;

  private static final Pattern FILE = Pattern.compile("(im\\d{4})(\\.(ah|vk))?", Pattern.CASE_INSENSITIVE);
  private static final String LAYOUT = "expected STARE files im0001.ppm(.gz) with labels im0001.ah.ppm(.gz) and "
      + "optionally im0001.vk.ppm(.gz), in the folder or up to two levels below it; point --data at the folder "
      + "holding stare-images/ and labels-ah/";

  private StareDataset() {}

  /** True when {@code root} or a folder up to two levels below holds a label named like {@code im0001.ah.ppm}. */
  public static boolean looksLikeStare(Path root) {
    if (root == null || !Files.isDirectory(root)) {
      return false;
    }
    for (Path p : DatasetFiles.imagesBelow(root, 2)) {
      Matcher m = FILE.matcher(DatasetFiles.stem(p));
      if (m.matches() && m.group(3) != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * Loads one split (see the class comment for the split).
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
    DatasetFiles.checkRoot(root, "STARE", LAYOUT);
    DatasetFiles files = files(root);
    if (files.entries().isEmpty()) {
      throw new VesselsegException.Data("STARE folder " + root + " has no labelled images (im0001.ah.ppm); found "
          + DatasetFiles.firstEntries(root) + "; " + LAYOUT);
    }
    return files.split(split).open();
  }

  /** The training ids for a sorted list of ids: the first half after the seeded shuffle. */
  static Set<String> trainingIds(List<String> sortedIds) {
    List<String> shuffled = new ArrayList<>(sortedIds);
    Collections.shuffle(shuffled, new Random(SPLIT_SEED));
    return new HashSet<>(shuffled.subList(0, shuffled.size() / 2));
  }

  /** The files of every labelled image, paired without decoding anything. */
  static DatasetFiles files(Path root) {
    Map<String, List<Path>> images = new TreeMap<>();
    Map<String, List<Path>> ah = new TreeMap<>();
    Map<String, List<Path>> vk = new TreeMap<>();
    List<Path> labels = new ArrayList<>();
    for (Path p : DatasetFiles.imagesBelow(root, 2)) {
      Matcher m = FILE.matcher(DatasetFiles.stem(p));
      if (!m.matches()) {
        continue;
      }
      String id = m.group(1).toLowerCase(Locale.ROOT);
      String kind = m.group(3) == null ? "" : m.group(3).toLowerCase(Locale.ROOT);
      Map<String, List<Path>> target = kind.isEmpty() ? images : kind.equals("ah") ? ah : vk;
      target.computeIfAbsent(id, k -> new ArrayList<>()).add(p);
      if (!kind.isEmpty()) {
        labels.add(p);
      }
    }
    boolean hasSecond = !vk.isEmpty();
    Set<String> labelled = new TreeSet<>(ah.keySet());
    labelled.addAll(vk.keySet());
    List<String> ids = labelled.stream().filter(images::containsKey).toList();
    Set<String> training = trainingIds(ids);
    List<DatasetFiles.Entry> entries = new ArrayList<>();
    List<DatasetFiles.Issue> issues = new ArrayList<>();
    for (String id : ids) {
      Path image = first(images.get(id), id, "image", issues);
      Path vessel = ah.containsKey(id) ? first(ah.get(id), id, "Hoover (.ah) label", issues)
          : image.resolveSibling(id + ".ah.ppm");
      Path vessel2 = !hasSecond ? null : vk.containsKey(id) ? first(vk.get(id), id, "Kouznetsova (.vk) label", issues)
          : image.resolveSibling(id + ".vk.ppm");
      entries.add(new DatasetFiles.Entry(id, training.contains(id) ? "training" : "test", image, vessel, vessel2,
          null));
    }
    return new DatasetFiles("STARE", root, entries, DatasetFiles.unreferenced(labels, entries), issues, false,
        WIDTH, HEIGHT);
  }

  /** The first of several candidate files; more than one (e.g. both .ppm and .ppm.gz) is a pairing issue. */
  private static Path first(List<Path> files, String id, String what, List<DatasetFiles.Issue> issues) {
    if (files.size() > 1) {
      issues.add(new DatasetFiles.Issue(files.get(1), "STARE " + what + " " + id + " exists more than once: "
          + files.stream().map(Path::toString).toList() + "; keep only one"));
    }
    return files.get(0);
  }
}
