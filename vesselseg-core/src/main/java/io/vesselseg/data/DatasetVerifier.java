package io.vesselseg.data;

import io.vesselseg.VesselsegException;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a dataset folder file by file and lists every problem at once, unlike the loaders, which stop at the
 * first. It pairs files the way the loader of the layout does (nothing is loaded through the strict loaders),
 * then decodes each file once and reports:
 *
 * <ul>
 *   <li>ERROR: unreadable or truncated images, labels or FOV masks; images without a label; labels or FOV
 *       masks without an image; pairing conflicts (two files for one image); a label or FOV mask whose size
 *       differs from its image; labels or FOV masks that are not binary, i.e. that have more than two distinct
 *       values or two on the same side of the loader's threshold (the distinct values are named); an
 *       empty (all-outside) FOV mask; a missing FOV mask in a layout that has them (DRIVE, HRF); the same
 *       photograph (identical decoded pixels) in both the training and the test split.
 *   <li>WARNING: a missing FOV where the FOV can be estimated (one warning for a set that has no FOV masks at
 *       all); a label without vessel pixels; duplicate photographs within one split; image sizes far from
 *       the set's usual size (less than half or more than twice it), with a side under 256 or over 5000 pixels,
 *       or more than twice as large or small as the median of the set.
 * </ul>
 *
 * <p>Each problem is one {@link Problem}; a folder that is missing or matches no layout gives a single ERROR.
 */
public final class DatasetVerifier {

  /** How serious a problem is: ERROR makes training or evaluation fail or be wrong, WARNING deserves a look. */
  public enum Severity { ERROR, WARNING }

  /** What kind of problem was found (stable, for tests and machine-readable reports). */
  public enum Kind {
    /** The folder is missing or matches no known layout. */
    LAYOUT,
    /** Two files claim the same image, or an image has several candidate labels. */
    PAIRING,
    /** A file cannot be decoded (damaged, truncated, not an image). */
    UNREADABLE,
    /** An image has no label file. */
    MISSING_LABEL,
    /** A label or FOV file belongs to no image. */
    UNPAIRED_LABEL,
    /** A label or FOV mask has another size than its image. */
    SIZE_MISMATCH,
    /** A label or FOV mask has other values than two. */
    NOT_BINARY,
    /** A label has no vessel pixels. */
    EMPTY_LABEL,
    /** An image has no FOV mask. */
    MISSING_FOV,
    /** A FOV mask has no pixel inside. */
    EMPTY_FOV,
    /** Two images have identical pixels. */
    DUPLICATE,
    /** An image size is far outside the expected range for the set. */
    UNUSUAL_SIZE
  }

  /**
   * One problem.
   *
   * @param severity ERROR or WARNING
   * @param file     the file the problem is about (the dataset folder for set-wide problems)
   * @param message  what was expected, what was found, what to do
   * @param kind     the kind of problem
   */
  public record Problem(Severity severity, Path file, String message, Kind kind) {
    @Override
    public String toString() {
      return severity + " " + file + ": " + message;
    }
  }

  /** Sides below this or above {@link #MAX_SIDE} pixels draw a warning. */
  static final int MIN_SIDE = 256;
  static final int MAX_SIDE = 5000;

  private DatasetVerifier() {}

  /**
   * Verifies a dataset folder.
   *
   * @param root   the dataset folder
   * @param format null or "auto" to detect the layout, else one of {@link Datasets#FORMATS}
   * @return every problem found, in file order (empty when the set is clean)
   * @throws VesselsegException.Usage for an unknown format
   */
  public static List<Problem> verify(Path root, String format) {
    String fmt = Datasets.normaliseFormat(format);
    List<Problem> out = new ArrayList<>();
    if (root == null || !Files.isDirectory(root)) {
      out.add(new Problem(Severity.ERROR, root, "dataset folder does not exist or is not a folder; point --data "
          + "at the unpacked dataset folder", Kind.LAYOUT));
      return out;
    }
    String layout = fmt.equals("auto") ? Datasets.detect(root) : fmt;
    if (layout == null) {
      out.add(new Problem(Severity.ERROR, root, Datasets.notRecognised(root).getMessage(), Kind.LAYOUT));
      return out;
    }
    DatasetFiles files;
    try {
      files = Datasets.files(root, layout);
    } catch (VesselsegException.Data e) {
      out.add(new Problem(Severity.ERROR, root, e.getMessage(), Kind.LAYOUT));
      return out;
    }
    new Run(files, out).check();
    return out;
  }

  /** True when any problem is an ERROR. */
  public static boolean hasErrors(List<Problem> problems) {
    return problems.stream().anyMatch(p -> p.severity() == Severity.ERROR);
  }

  /** The state of one verification. */
  private static final class Run {
    private final DatasetFiles files;
    private final List<Problem> out;
    private final Map<String, DatasetFiles.Entry> byHash = new HashMap<>();
    private final List<int[]> sizes = new ArrayList<>();
    private final List<Path> sized = new ArrayList<>();

    Run(DatasetFiles files, List<Problem> out) {
      this.files = files;
      this.out = out;
    }

    void check() {
      String layout = files.layout();
      if (files.entries().isEmpty()) {
        add(Severity.ERROR, files.root(), Kind.LAYOUT, layout + " folder has no images; found "
            + DatasetFiles.firstEntries(files.root()) + "; point --data at the unpacked dataset folder");
      }
      for (DatasetFiles.Issue issue : files.issues()) {
        add(Severity.ERROR, issue.file(), Kind.PAIRING, issue.message());
      }
      for (Path p : files.unpaired()) {
        add(Severity.ERROR, p, Kind.UNPAIRED_LABEL, "label or FOV file has no matching " + layout
            + " image; add the image or remove the file");
      }
      boolean noFovAtAll = !files.fovFiles() && !files.entries().isEmpty()
          && files.entries().stream().allMatch(e -> e.fov() == null);
      if (noFovAtAll) {
        add(Severity.WARNING, files.root(), Kind.MISSING_FOV, layout + " has no FOV masks: the FOV of each of the "
            + files.entries().size() + " images will be estimated from the photograph");
      }
      for (DatasetFiles.Entry e : files.entries()) {
        checkEntry(e, noFovAtAll);
      }
      checkSizes();
    }

    private void checkEntry(DatasetFiles.Entry e, boolean noFovAtAll) {
      BufferedImage img = decode(e.image(), "image");
      if (img != null) {
        sizes.add(new int[] {img.getWidth(), img.getHeight()});
        sized.add(e.image());
        checkDuplicate(e, img);
      }
      checkLabel(e, e.vessel(), img, "label");
      checkLabel(e, e.vessel2(), img, "second label");
      if (e.fov() == null) {
        if (files.fovFiles()) {
          add(Severity.ERROR, e.image(), Kind.MISSING_FOV, "image has no FOV mask; restore it from the archive");
        } else if (!noFovAtAll) {
          add(Severity.WARNING, e.image(), Kind.MISSING_FOV, "image has no FOV mask: it will be estimated");
        }
        return;
      }
      if (!Files.isRegularFile(e.fov())) {
        if (files.fovFiles()) {
          add(Severity.ERROR, e.image(), Kind.MISSING_FOV, "image has no FOV mask: expected " + e.fov()
              + "; restore it from the " + files.layout() + " archive or remove the image");
        } else {
          add(Severity.WARNING, e.image(), Kind.MISSING_FOV, "image has no FOV mask " + e.fov()
              + ": it will be estimated");
        }
        return;
      }
      BufferedImage fov = decode(e.fov(), "FOV mask");
      if (fov != null && sameSize(e, e.fov(), fov, img, "FOV mask") && binary(e.fov(), fov, "FOV mask")) {
        if (count(ImageFiles.maskValues(fov), ImageFiles.maskRange(fov)) == 0) {
          add(Severity.ERROR, e.fov(), Kind.EMPTY_FOV, "FOV mask is empty (no pixel inside the field of view): "
              + "expected a bright disc; replace the file, or delete it where the FOV can be estimated");
        }
      }
    }

    private void checkLabel(DatasetFiles.Entry e, Path label, BufferedImage img, String what) {
      if (label == null) {
        return;
      }
      if (!Files.isRegularFile(label)) {
        add(Severity.ERROR, e.image(), Kind.MISSING_LABEL, "image has no " + what + ": expected " + label
            + "; restore it from the " + files.layout() + " archive or remove the image");
        return;
      }
      BufferedImage mask = decode(label, what);
      if (mask != null && sameSize(e, label, mask, img, what) && binary(label, mask, what)) {
        if (count(ImageFiles.maskValues(mask), ImageFiles.maskRange(mask)) == 0) {
          add(Severity.WARNING, label, Kind.EMPTY_LABEL, what + " has no vessel pixels (all background); check "
              + "that it is the right file");
        }
      }
    }

    private boolean sameSize(DatasetFiles.Entry e, Path file, BufferedImage mask, BufferedImage img, String what) {
      if (img == null || (mask.getWidth() == img.getWidth() && mask.getHeight() == img.getHeight())) {
        return true;
      }
      add(Severity.ERROR, file, Kind.SIZE_MISMATCH, what + " " + file.getFileName() + " is " + mask.getWidth()
          + "x" + mask.getHeight() + ", expected " + img.getWidth() + "x" + img.getHeight() + " like image "
          + e.image().getFileName() + "; check that the file belongs to this image");
      return false;
    }

    /** Reports a non-binary mask; true when it is binary. */
    private boolean binary(Path file, BufferedImage mask, String what) {
      int range = ImageFiles.maskRange(mask);
      List<Integer> values = distinct(ImageFiles.maskValues(mask), range);
      // binary: one or two values, and with two, one on each side of the loader's threshold (DRIVE's 2nd_manual
      // palettes, for one, decode to the greys 3 and 253)
      double half = values.get(values.size() - 1) == 1 ? 0.5 : range / 2.0;
      boolean ok = values.size() == 1 || values.size() == 2 && values.get(0) <= half && values.get(1) > half;
      if (ok) {
        return true;
      }
      List<String> shown = values.stream().limit(8).map(String::valueOf).toList();
      String list = "{" + String.join(", ", shown) + (values.size() > 8 ? ", ... (" + values.size()
          + " distinct values)" : "") + "}";
      add(Severity.ERROR, file, Kind.NOT_BINARY, what + " has values " + list + ": expected two values (0 and 255 "
          + "or 0 and 1); save it as a black and white PNG (lossless, not JPEG)");
      return false;
    }

    private void checkDuplicate(DatasetFiles.Entry e, BufferedImage img) {
      String hash = hash(img);
      DatasetFiles.Entry first = byHash.putIfAbsent(hash, e);
      if (first == null) {
        return;
      }
      boolean leak = !first.split().equals(e.split());
      add(leak ? Severity.ERROR : Severity.WARNING, e.image(), Kind.DUPLICATE, "image has the same pixels as "
          + first.image() + (leak ? " (one is in " + first.split() + ", the other in " + e.split()
              + ": test results would be inflated)" : "") + "; remove one of the two files");
    }

    private void checkSizes() {
      if (sizes.isEmpty()) {
        return;
      }
      int medianW = median(sizes.stream().mapToInt(s -> s[0]).toArray());
      int medianH = median(sizes.stream().mapToInt(s -> s[1]).toArray());
      int ew = files.expectedWidth();
      int eh = files.expectedHeight();
      for (int i = 0; i < sizes.size(); i++) {
        int w = sizes.get(i)[0];
        int h = sizes.get(i)[1];
        List<String> reasons = new ArrayList<>();
        if (ew > 0 && (far(w, ew) || far(h, eh))) {
          reasons.add("expected about " + ew + "x" + eh + " for " + files.layout());
        }
        if (Math.min(w, h) < MIN_SIDE || Math.max(w, h) > MAX_SIDE) {
          reasons.add("expected sides between " + MIN_SIDE + " and " + MAX_SIDE + " pixels");
        }
        if (sizes.size() > 1 && (far(w, medianW) || far(h, medianH))) {
          reasons.add("more than 2x off the set's median size " + medianW + "x" + medianH);
        }
        if (!reasons.isEmpty()) {
          add(Severity.WARNING, sized.get(i), Kind.UNUSUAL_SIZE, "image is " + w + "x" + h + ": "
              + String.join("; ", reasons) + "; check that it belongs to this set and is not a thumbnail");
        }
      }
    }

    /** Decodes a file; an unreadable file is reported and gives null. */
    private BufferedImage decode(Path file, String what) {
      try {
        return ImageFiles.decode(file, what);
      } catch (VesselsegException.Data ex) {
        add(Severity.ERROR, file, Kind.UNREADABLE, ex.getMessage());
        return null;
      } catch (OutOfMemoryError ex) {
        add(Severity.ERROR, file, Kind.UNREADABLE, what + " is too large to decode in this JVM's memory ("
            + ex.getMessage() + "); raise -Xmx or shrink the image");
        return null;
      }
    }

    private void add(Severity severity, Path file, Kind kind, String message) {
      out.add(new Problem(severity, file, message, kind));
    }
  }

  /** Number of "on" pixels (above half the range; for a 0/1 mask, value 1). */
  private static int count(int[] values, int range) {
    int max = 0;
    for (int v : values) {
      max = Math.max(max, v);
    }
    double half = max == 1 ? 0.5 : range / 2.0;
    int n = 0;
    for (int v : values) {
      if (v > half) {
        n++;
      }
    }
    return n;
  }

  /** The sorted distinct values (at most 65536 of them are collected). */
  private static List<Integer> distinct(int[] values, int range) {
    if (range >= 0 && range <= 65535) {
      boolean[] seen = new boolean[range + 1];
      for (int v : values) {
        seen[Math.max(0, Math.min(range, v))] = true;
      }
      List<Integer> out = new ArrayList<>();
      for (int v = 0; v <= range; v++) {
        if (seen[v]) {
          out.add(v);
        }
      }
      return out;
    }
    java.util.TreeSet<Integer> set = new java.util.TreeSet<>();
    for (int v : values) {
      if (set.size() <= 65535) {
        set.add(v);
      }
    }
    return new ArrayList<>(set);
  }

  private static boolean far(int size, int reference) {
    return size * 2 < reference || size > reference * 2;
  }

  private static int median(int[] v) {
    int[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  /** SHA-256 of the size and the 8-bit RGB values as {@link ImageFiles#readRgb} decodes them. */
  private static String hash(BufferedImage img) {
    RgbImage rgb = ImageFiles.toRgb(img);
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    md.update(ByteBuffer.allocate(8).putInt(rgb.width()).putInt(rgb.height()).array());
    float[] chw = rgb.chw();
    byte[] buf = new byte[8192];
    int k = 0;
    for (float v : chw) {
      buf[k++] = (byte) Math.round(v * 255f);
      if (k == buf.length) {
        md.update(buf, 0, k);
        k = 0;
      }
    }
    md.update(buf, 0, k);
    return java.util.HexFormat.of().formatHex(md.digest());
  }
}
