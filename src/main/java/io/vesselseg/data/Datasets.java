package io.vesselseg.data;

import io.vesselseg.VesselsegException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Resolves the {@code --data} argument to a list of samples: the word {@code synthetic} selects the built-in
 * synthetic set, anything else is a folder in a recognised layout (at present DRIVE).
 */
public final class Datasets {

  /** Size of the synthetic images. */
  public static final int SYNTHETIC_SIZE = 192;

  private static final String RECOGNISED = "recognised are 'synthetic' and a DRIVE folder with training|test/images, "
      + "1st_manual and mask (point --data at the unpacked DRIVE folder)";

  private Datasets() {}

  /**
   * Loads a split of a dataset.
   *
   * @param data  "synthetic" (any case) or a dataset folder
   * @param split "training" or "test"
   * @throws VesselsegException.Usage for an unknown split or a missing {@code data}
   * @throws VesselsegException.Data when the folder is missing, not in a recognised layout, or broken
   */
  public static List<Sample> load(String data, String split) {
    if (!"training".equals(split) && !"test".equals(split)) {
      throw new VesselsegException.Usage("unknown split '" + split + "': expected training or test");
    }
    if (data == null || data.isBlank()) {
      throw new VesselsegException.Usage("no dataset given: " + RECOGNISED);
    }
    if (data.trim().toLowerCase(Locale.ROOT).equals("synthetic")) {
      return "training".equals(split)
          ? SyntheticFundus.dataset(16, 1234L, SYNTHETIC_SIZE, SYNTHETIC_SIZE)
          : SyntheticFundus.dataset(6, 98765L, SYNTHETIC_SIZE, SYNTHETIC_SIZE);
    }
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
    if (DriveDataset.looksLikeDrive(root)) {
      return DriveDataset.load(root, split);
    }
    throw new VesselsegException.Data("dataset folder " + root + " is not in a recognised layout: " + RECOGNISED);
  }
}
