package io.vesselseg.data;

import io.vesselseg.VesselsegException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Resolves the {@code --data} (and {@code --format}) arguments to a list of samples: the word {@code synthetic}
 * selects the built-in synthetic set, anything else is a folder in one of the layouts {@link #FORMATS}: DRIVE
 * ({@link DriveDataset}), CHASE_DB1 ({@link ChaseDb1Dataset}), STARE ({@link StareDataset}), HRF
 * ({@link HrfDataset}) or generic {@code images/ masks/} folders ({@link FolderDataset}).
 *
 * <p>With format {@code auto} (or null) the layout is detected from the files, checking in this order: DRIVE,
 * HRF, folder, CHASE_DB1, STARE; the first that matches is used.
 */
public final class Datasets {

  /** Size of the synthetic images. */
  public static final int SYNTHETIC_SIZE = 192;

  /** The known formats, in detection order; "auto" (or null) means detect. */
  public static final List<String> FORMATS = List.of("drive", "hrf", "folder", "chase_db1", "stare");

  private static final String RECOGNISED = "recognised are 'synthetic' and folders in the layouts "
      + "DRIVE (training|test/images, 1st_manual, mask), HRF (images, manual1, mask), folder (images, masks, "
      + "optional fov), CHASE_DB1 (Image_01L.jpg, Image_01L_1stHO.png) and STARE (im0001.ppm, im0001.ah.ppm); "
      + "point --data at the unpacked dataset folder";

  private Datasets() {}

  /**
   * Loads a split of a dataset, detecting its layout.
   *
   * @param data  "synthetic" (any case) or a dataset folder
   * @param split "training", "test" or "all"
   * @throws VesselsegException.Usage for an unknown split or a missing {@code data}
   * @throws VesselsegException.Data when the folder is missing, not in a recognised layout, or broken
   */
  public static List<Sample> load(String data, String split) {
    return load(data, split, null);
  }

  /**
   * Loads a split of a dataset in a given layout.
   *
   * @param data   "synthetic" (any case) or a dataset folder
   * @param split  "training", "test" or "all"
   * @param format null or "auto" to detect the layout, else one of {@link #FORMATS} (any case; "chase" and
   *               "chasedb1" are accepted for chase_db1)
   * @throws VesselsegException.Usage for an unknown split or format, or a missing {@code data}
   * @throws VesselsegException.Data when the folder is missing, not in the layout, or broken
   */
  public static List<Sample> load(String data, String split, String format) {
    return open(data, split, format).loadAll();
  }

  /**
   * As {@link #load(String, String, String)}, but each photograph is decoded only when asked for, so one pass
   * over the split holds one photograph at a time (see {@link SampleSource}). Files are paired and checked now.
   */
  public static SampleSource open(String data, String split, String format) {
    DatasetFiles.checkSplit(split);
    String fmt = normaliseFormat(format);
    if (isSynthetic(data)) {
      List<Sample> out = new ArrayList<>();
      if (!"test".equals(split)) {
        out.addAll(SyntheticFundus.dataset(16, 1234L, SYNTHETIC_SIZE, SYNTHETIC_SIZE));
      }
      if (!"training".equals(split)) {
        out.addAll(SyntheticFundus.dataset(6, 98765L, SYNTHETIC_SIZE, SYNTHETIC_SIZE));
      }
      return SampleSource.of(out);
    }
    Path root = folder(data);
    String layout = fmt.equals("auto") ? detect(root) : fmt;
    if (layout == null) {
      throw notRecognised(root);
    }
    return switch (layout) {
      case "drive" -> DriveDataset.open(root, split);
      case "hrf" -> HrfDataset.open(root, split);
      case "folder" -> FolderDataset.open(root, split);
      case "chase_db1" -> ChaseDb1Dataset.open(root, split);
      case "stare" -> StareDataset.open(root, split);
      default -> throw new IllegalStateException("unhandled format " + layout);
    };
  }

  /**
   * A one-line description such as "DRIVE at /data/DRIVE: 20 training, 20 test images", from the file names
   * only (nothing is decoded).
   *
   * @param format null or "auto" to detect, else one of {@link #FORMATS}
   * @throws VesselsegException.Usage for an unknown format or a missing {@code data}
   * @throws VesselsegException.Data when the folder is missing or not in a recognised layout
   */
  public static String describe(String data, String format) {
    String fmt = normaliseFormat(format);
    if (isSynthetic(data)) {
      return "synthetic: 16 training, 6 test images (" + SYNTHETIC_SIZE + "x" + SYNTHETIC_SIZE + ", generated)";
    }
    Path root = folder(data);
    String layout = fmt.equals("auto") ? detect(root) : fmt;
    if (layout == null) {
      throw notRecognised(root);
    }
    DatasetFiles files = files(root, layout);
    long training = files.entries().stream().filter(e -> e.split().equals("training")).count();
    long test = files.entries().size() - training;
    String fov = files.fovFiles() ? "" : ", FOV estimated";
    return files.layout() + " at " + root + ": " + training + " training, " + test + " test images" + fov;
  }

  /**
   * Detects the layout of a folder from its files.
   *
   * @return one of {@link #FORMATS}, or null when no layout matches
   */
  public static String detect(Path root) {
    if (root == null || !Files.isDirectory(root)) {
      return null;
    }
    if (DriveDataset.looksLikeDrive(root)) {
      return "drive";
    }
    if (HrfDataset.looksLikeHrf(root)) {
      return "hrf";
    }
    if (FolderDataset.looksLikeFolder(root)) {
      return "folder";
    }
    if (ChaseDb1Dataset.looksLikeChaseDb1(root)) {
      return "chase_db1";
    }
    if (StareDataset.looksLikeStare(root)) {
      return "stare";
    }
    return null;
  }

  /**
   * Lower-cases and checks a format name.
   *
   * @return "auto" for null, blank or "auto"; otherwise one of {@link #FORMATS}
   * @throws VesselsegException.Usage for an unknown format
   */
  public static String normaliseFormat(String format) {
    if (format == null || format.isBlank()) {
      return "auto";
    }
    String f = format.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    if (f.equals("chase") || f.equals("chasedb1")) {
      f = "chase_db1";
    }
    if (f.equals("auto") || FORMATS.contains(f)) {
      return f;
    }
    throw new VesselsegException.Usage("unknown dataset format '" + format + "': expected auto, "
        + String.join(", ", FORMATS));
  }

  /** The files of a folder in a known layout (one of {@link #FORMATS}), paired without decoding. */
  static DatasetFiles files(Path root, String layout) {
    return switch (layout) {
      case "drive" -> DriveDataset.files(root);
      case "hrf" -> HrfDataset.files(root);
      case "folder" -> FolderDataset.files(root);
      case "chase_db1" -> ChaseDb1Dataset.files(root);
      case "stare" -> StareDataset.files(root);
      default -> throw new IllegalStateException("unhandled format " + layout);
    };
  }

  /** The error for a folder that matches no layout, naming what it holds. */
  static VesselsegException.Data notRecognised(Path root) {
    return new VesselsegException.Data("dataset folder " + root + " is not in a recognised layout (looked for "
        + "DRIVE, HRF, folder, CHASE_DB1, STARE); found " + DatasetFiles.firstEntries(root) + "; " + RECOGNISED);
  }

  private static boolean isSynthetic(String data) {
    if (data == null || data.isBlank()) {
      throw new VesselsegException.Usage("no dataset given: " + RECOGNISED);
    }
    return data.trim().toLowerCase(Locale.ROOT).equals("synthetic");
  }

  private static Path folder(String data) {
    Path root;
    try {
      root = Path.of(data);
    } catch (InvalidPathException e) {
      throw new VesselsegException.Usage("dataset '" + data + "' is not a valid path: " + e.getMessage() + "; "
          + RECOGNISED);
    }
    if (!Files.isDirectory(root)) {
      throw new VesselsegException.Data("dataset folder " + root + " does not exist or is not a folder; "
          + RECOGNISED);
    }
    return root;
  }
}
