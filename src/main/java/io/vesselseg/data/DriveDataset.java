package io.vesselseg.data;

import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

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
 */
public final class DriveDataset {

  private static final String IMAGE_EXT = "(tif|tiff|png|jpg|jpeg|gif|bmp)";
  private static final Pattern IMAGE = Pattern.compile("(\\d+)_.*\\." + IMAGE_EXT, Pattern.CASE_INSENSITIVE);
  private static final String LAYOUT =
      "expected the official layout training|test/images, 1st_manual, mask; point --data at the unpacked DRIVE folder";

  private DriveDataset() {}

  /** True when {@code root} has {@code training/images} or {@code test/images}. */
  public static boolean looksLikeDrive(Path root) {
    return root != null
        && (Files.isDirectory(root.resolve("training").resolve("images"))
            || Files.isDirectory(root.resolve("test").resolve("images")));
  }

  /**
   * Loads one split, sorted by image number.
   *
   * @param split "training" or "test"
   * @return samples with id = image file stem (e.g. "21_training"), the 1st observer as {@code vessel}, the
   *     2nd observer as {@code vessel2} when a {@code 2nd_manual} folder exists, and the mask file as {@code fov}
   * @throws VesselsegException.Usage for an unknown split
   * @throws VesselsegException.Data for a missing folder or file, an unreadable file or a size mismatch
   */
  public static List<Sample> load(Path root, String split) {
    if (!"training".equals(split) && !"test".equals(split)) {
      throw new VesselsegException.Usage("unknown split '" + split + "': expected training or test");
    }
    if (!Files.isDirectory(root)) {
      throw new VesselsegException.Data("DRIVE folder " + root + " does not exist or is not a folder; " + LAYOUT);
    }
    Path dir = root.resolve(split);
    Path images = dir.resolve("images");
    if (!Files.isDirectory(images)) {
      throw new VesselsegException.Data("DRIVE folder " + root + " has no " + split + "/images: " + LAYOUT);
    }
    Path manual1 = requireDir(root, dir, "1st_manual", split);
    Path masks = requireDir(root, dir, "mask", split);
    Path manual2 = dir.resolve("2nd_manual");
    boolean hasSecond = Files.isDirectory(manual2);

    Map<Integer, Path> byNumber = new TreeMap<>();
    for (Path p : list(images)) {
      Matcher m = IMAGE.matcher(p.getFileName().toString());
      if (!m.matches()) {
        continue;
      }
      int number = Integer.parseInt(m.group(1));
      Path previous = byNumber.put(number, p);
      if (previous != null) {
        throw new VesselsegException.Data("DRIVE folder " + images + " has two images numbered " + number + ": "
            + previous.getFileName() + " and " + p.getFileName() + "; keep only one");
      }
    }
    if (byNumber.isEmpty()) {
      throw new VesselsegException.Data("DRIVE folder " + images + " has no images named like 21_training.tif or "
          + "01_test.tif; " + LAYOUT);
    }
    List<Path> manual1Files = list(manual1);
    List<Path> maskFiles = list(masks);
    List<Path> manual2Files = hasSecond ? list(manual2) : List.of();

    List<Sample> out = new ArrayList<>(byNumber.size());
    for (Map.Entry<Integer, Path> e : byNumber.entrySet()) {
      Path imageFile = e.getValue();
      String name = imageFile.getFileName().toString();
      String stem = name.substring(0, name.lastIndexOf('.'));
      String num = stem.substring(0, stem.indexOf('_'));
      Path vesselFile = find(manual1Files, num + "_manual1", manual1.resolve(num + "_manual1.gif"), name);
      Path maskFile = find(maskFiles, stem + "_mask", masks.resolve(stem + "_mask.gif"), name);
      Path vessel2File = hasSecond
          ? find(manual2Files, num + "_manual2", manual2.resolve(num + "_manual2.gif"), name)
          : null;
      RgbImage img = ImageFiles.readRgb(imageFile);
      int w = img.width();
      int h = img.height();
      byte[] vessel = ImageFiles.readMask(vesselFile, w, h, name);
      byte[] fov = ImageFiles.readMask(maskFile, w, h, name);
      byte[] vessel2 = vessel2File == null ? null : ImageFiles.readMask(vessel2File, w, h, name);
      out.add(new Sample(stem, w, h, img.chw(), vessel, vessel2, fov, false));
    }
    return out;
  }

  private static Path requireDir(Path root, Path dir, String name, String split) {
    Path p = dir.resolve(name);
    if (!Files.isDirectory(p)) {
      throw new VesselsegException.Data("DRIVE folder " + root + " has no " + split + "/" + name + ": " + LAYOUT);
    }
    return p;
  }

  /** Regular, non-hidden files of a folder, sorted by name. */
  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot list DRIVE folder " + dir + ": " + e
          + "; check that it exists and is readable", e);
    }
  }

  /**
   * The file named {@code stem.<image extension>} (case-insensitive), preferring the official {@code .gif}.
   *
   * @param expected the official path, named in the error message when no file matches
   */
  private static Path find(List<Path> files, String stem, Path expected, String imageName) {
    Path found = null;
    String prefix = stem.toLowerCase(Locale.ROOT) + ".";
    for (Path p : files) {
      String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
      if (n.startsWith(prefix) && n.substring(prefix.length()).matches(IMAGE_EXT)) {
        if (found == null || n.endsWith(".gif")) {
          found = p;
        }
      }
    }
    if (found == null) {
      throw new VesselsegException.Data("DRIVE image " + imageName + " has no matching file " + expected
          + "; restore it from the DRIVE archive or remove the image");
    }
    return found;
  }
}
