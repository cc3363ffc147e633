package io.vesselseg.data;

import io.vesselseg.AtomicFiles;

import io.vesselseg.VesselsegException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * Reading and writing of image files with {@code javax.imageio} (TIFF, PNG, JPEG, GIF, BMP) and {@link Pnm}
 * (PPM/PGM); any of them may be gzip-compressed with a {@code .gz} suffix, as in the STARE distribution.
 *
 * <p>Pixels are read through the {@link Raster} rather than {@link BufferedImage#getRGB}, because DRIVE's LZW
 * TIFFs decode to {@code TYPE_CUSTOM} images whose raster is plain 8-bit RGB; palette images (GIF, indexed
 * PNG) are converted through their {@link IndexColorModel}, since their raw sample is a palette index (DRIVE's
 * {@code 2nd_manual} GIFs, for one, do not map index to grey value one-to-one). All failures are reported as
 * {@link VesselsegException.Data} naming the file.
 */
public final class ImageFiles {

  private static final String FORMATS = "TIFF/PNG/JPEG/GIF/BMP/PPM/PGM";
  private static final Pattern PNM = Pattern.compile(".*\\.(ppm|pgm|pnm)(\\.gz)?", Pattern.CASE_INSENSITIVE);

  static {
    // encode through memory: ImageIO's default cache is a temporary file whose stream registers a JVM shutdown
    // hook, which throws while a stopped training writes its last curves and overlays
    ImageIO.setUseCache(false);
  }

  private ImageFiles() {}

  /**
   * Reads a colour (or grey, which is replicated to three channels) image. Alpha is ignored; 16-bit samples
   * are scaled by 65535.
   *
   * @throws VesselsegException.Data when the file is missing or cannot be decoded
   */
  public static RgbImage readRgb(Path file) {
    return toRgb(decode(file, "image"));
  }

  /** Converts a decoded image to planar RGB floats, as {@link #readRgb} does. */
  public static RgbImage toRgb(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    int n = w * h;
    float[] chw = new float[3 * n];
    Raster raster = img.getRaster();
    ColorModel cm = img.getColorModel();
    int bands = raster.getNumBands();
    int csType = cm.getColorSpace().getType();
    boolean direct = !(cm instanceof IndexColorModel)
        && (csType == ColorSpace.TYPE_RGB && bands >= 3 || csType == ColorSpace.TYPE_GRAY && bands <= 2);
    if (direct) {
      float[] plane = new float[n];
      for (int c = 0; c < 3; c++) {
        int band = bands >= 3 ? c : 0;
        raster.getSamples(0, 0, w, h, band, plane);
        float scale = 1f / maxSample(raster, band);
        for (int i = 0; i < n; i++) {
          chw[c * n + i] = clamp01(plane[i] * scale);
        }
      }
    } else {
      int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
      for (int i = 0; i < n; i++) {
        int p = argb[i];
        chw[i] = ((p >> 16) & 0xff) / 255f;
        chw[n + i] = ((p >> 8) & 0xff) / 255f;
        chw[2 * n + i] = (p & 0xff) / 255f;
      }
    }
    return new RgbImage(w, h, chw);
  }

  /**
   * Reads a binary mask: a pixel is 1 when its grey value (first band; for palette images the palette colour's
   * mean of red, green and blue) is above half the sample range (above 127 for 8-bit images), else 0. A
   * non-palette mask whose largest value is 1 (0/1 labels saved as 8- or 16-bit images) is read as 0/1.
   *
   * @param expectedWidth  the width of the image the mask belongs to
   * @param expectedHeight the height of the image the mask belongs to
   * @param pairedWith     the file name of that image, used in the error message (may be null)
   * @return {@code width * height} bytes of 0/1
   * @throws VesselsegException.Data when the file is missing, cannot be decoded or has another size
   */
  public static byte[] readMask(Path file, int expectedWidth, int expectedHeight, String pairedWith) {
    BufferedImage img = decode(file, "mask");
    int w = img.getWidth();
    int h = img.getHeight();
    if (w != expectedWidth || h != expectedHeight) {
      throw new VesselsegException.Data("mask " + file.getFileName() + " is " + w + "x" + h + ", expected "
          + expectedWidth + "x" + expectedHeight
          + (pairedWith == null ? "" : " like image " + pairedWith)
          + "; check that the file belongs to this image");
    }
    int n = w * h;
    byte[] mask = new byte[n];
    Raster raster = img.getRaster();
    ColorModel cm = img.getColorModel();
    int[] samples = raster.getSamples(0, 0, w, h, 0, new int[n]);
    if (cm instanceof IndexColorModel icm) {
      int size = icm.getMapSize();
      boolean[] on = new boolean[size];
      for (int k = 0; k < size; k++) {
        on[k] = (icm.getRed(k) + icm.getGreen(k) + icm.getBlue(k)) > 3 * 127;
      }
      for (int i = 0; i < n; i++) {
        int s = samples[i];
        mask[i] = (byte) (s >= 0 && s < size && on[s] ? 1 : 0);
      }
    } else {
      double half = maxSample(raster, 0) / 2.0;
      int max = 0;
      for (int i = 0; i < n; i++) {
        max = Math.max(max, samples[i]);
      }
      if (max == 1) {
        half = 0.5; // a 0/1 mask stored in 8 or 16 bits: 1 is foreground
      }
      for (int i = 0; i < n; i++) {
        mask[i] = (byte) (samples[i] > half ? 1 : 0);
      }
    }
    return mask;
  }

  /**
   * Per-pixel grey values of a mask image as {@link #readMask} sees them: for palette images the mean of the
   * palette colour's red, green and blue (0..255, rounded), otherwise the raw first-band sample.
   */
  static int[] maskValues(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    int n = w * h;
    int[] samples = img.getRaster().getSamples(0, 0, w, h, 0, new int[n]);
    if (img.getColorModel() instanceof IndexColorModel icm) {
      int size = icm.getMapSize();
      int[] grey = new int[size];
      for (int k = 0; k < size; k++) {
        grey[k] = Math.round((icm.getRed(k) + icm.getGreen(k) + icm.getBlue(k)) / 3f);
      }
      for (int i = 0; i < n; i++) {
        int s = samples[i];
        samples[i] = s >= 0 && s < size ? grey[s] : 0;
      }
    }
    return samples;
  }

  /** The largest value {@link #maskValues} can return for this image (255 for palette images). */
  static int maskRange(BufferedImage img) {
    return img.getColorModel() instanceof IndexColorModel ? 255 : (int) maxSample(img.getRaster(), 0);
  }

  /** The PNG encoding of {@code img}, made in memory. */
  public static byte[] encodePng(BufferedImage img) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, "png", out)) {
        throw new IllegalArgumentException("no PNG writer accepts an image of type " + img.getType());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a PNG in memory", e);
    }
    return out.toByteArray();
  }

  /**
   * Writes a PNG atomically: the image goes to a temporary file in the same folder, which then replaces
   * {@code file}. Missing parent folders are created.
   *
   * @throws VesselsegException.Data when the file cannot be written
   */
  public static void writePng(Path file, BufferedImage img) {
    byte[] png = encodePng(img);
    AtomicFiles.write(file, "PNG", out -> out.write(png));
  }


  /**
   * Writes an 8-bit grey PNG (atomically, see {@link #writePng}).
   *
   * @param grey {@code w * h} bytes, read as unsigned 0..255, row-major
   */
  public static void writeGreyPng(Path file, byte[] grey, int w, int h) {
    if (w <= 0 || h <= 0 || grey == null || grey.length != w * h) {
      throw new IllegalArgumentException("grey image " + w + "x" + h + " needs " + (long) w * h + " bytes, got "
          + (grey == null ? "null" : grey.length));
    }
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    byte[] data = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    System.arraycopy(grey, 0, data, 0, grey.length);
    writePng(file, img);
  }

  /**
   * Writes a 0/1 mask as a black (0) and white (255) PNG (atomically, see {@link #writePng}).
   *
   * @param mask01 {@code w * h} bytes; any non-zero value is written as white
   */
  public static void writeMaskPng(Path file, byte[] mask01, int w, int h) {
    if (mask01 == null || mask01.length != (long) w * h) {
      throw new IllegalArgumentException("mask " + w + "x" + h + " needs " + (long) w * h + " bytes, got "
          + (mask01 == null ? "null" : mask01.length));
    }
    byte[] grey = new byte[mask01.length];
    for (int i = 0; i < grey.length; i++) {
      grey[i] = (byte) (mask01[i] != 0 ? 255 : 0);
    }
    writeGreyPng(file, grey, w, h);
  }

  /**
   * Decodes a file with ImageIO (or {@link Pnm} for PPM/PGM), first un-gzipping files whose name ends in
   * {@code .gz}; every failure becomes a Data exception naming the file.
   */
  static BufferedImage decode(Path file, String what) {
    if (!Files.exists(file)) {
      throw new VesselsegException.Data("cannot read " + what + " " + file + ": the file does not exist");
    }
    if (!Files.isRegularFile(file)) {
      throw new VesselsegException.Data("cannot read " + what + " " + file + ": not a regular file");
    }
    BufferedImage img;
    try {
      img = decodeBytes(file);
    } catch (VesselsegException.Data e) {
      throw new VesselsegException.Data("cannot read " + what + " " + file + ": " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new VesselsegException.Data("cannot read " + what + " " + file + ": not a " + FORMATS
          + " file ImageIO can decode (is it truncated?): " + e.getMessage(), e);
    }
    if (img == null || img.getWidth() <= 0 || img.getHeight() <= 0) {
      throw new VesselsegException.Data("cannot read " + what + " " + file + ": not a " + FORMATS
          + " file ImageIO can decode (is it truncated?)");
    }
    return img;
  }

  /** ImageIO for everything except PNM; gzip is undone first. Returns null when no reader accepts the data. */
  private static BufferedImage decodeBytes(Path file) throws IOException {
    String name = file.getFileName().toString();
    boolean gz = name.toLowerCase(Locale.ROOT).endsWith(".gz");
    boolean pnm = PNM.matcher(name).matches();
    if (!gz && !pnm) {
      return ImageIO.read(file.toFile());
    }
    byte[] bytes = Files.readAllBytes(file);
    if (gz) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
        bytes = in.readAllBytes();
      } catch (IOException e) {
        throw new IOException("gzip data is damaged or truncated (" + e.getMessage() + ")", e);
      }
    }
    if (pnm || Pnm.isPnm(bytes)) {
      return Pnm.toImage(Pnm.decode(bytes, name));
    }
    return ImageIO.read(new ByteArrayInputStream(bytes));
  }

  /** The largest value a band's samples can take (255 for 8-bit, 65535 for 16-bit, 1 for float data). */
  private static float maxSample(Raster raster, int band) {
    int type = raster.getDataBuffer().getDataType();
    if (type == DataBuffer.TYPE_FLOAT || type == DataBuffer.TYPE_DOUBLE) {
      return 1f;
    }
    int bits = raster.getSampleModel().getSampleSize(band);
    if (type == DataBuffer.TYPE_USHORT && bits >= 16) {
      return 65535f;
    }
    return bits >= 31 ? Integer.MAX_VALUE : (float) ((1L << bits) - 1);
  }

  private static float clamp01(float v) {
    return v < 0f ? 0f : (v > 1f ? 1f : v);
  }
}
