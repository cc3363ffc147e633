package io.vesselseg.data;

import io.vesselseg.VesselsegException;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * A small pure-Java reader and writer for the Netpbm formats used by STARE: {@code P6} (binary RGB),
 * {@code P3} (ASCII RGB), {@code P5} (binary grey) and {@code P2} (ASCII grey), with any maxval from 1 to
 * 65535 (16-bit binary samples are big-endian, as the format specifies) and {@code #} comments in the header.
 * {@code javax.imageio} in Java 17 has no PNM plugin, and TwelveMonkeys' {@code imageio-pnm} 3.12.0, measured
 * against this class (issue 24), decodes all 60 STARE files to the same pixels but wraps samples of 128 and
 * above when maxval is 128..254 (32768 and above for maxval 32768..65534; a signed {@code byte}/{@code short}
 * in its scaling), cannot read grey files with maxval 1 (0/1 masks), and reports a truncated file as a bare
 * {@code EOFException}.
 *
 * <p>{@link #decode} returns the raw samples; {@link #toImage} scales them to an 8-bit {@link BufferedImage}
 * ({@code TYPE_3BYTE_BGR} or {@code TYPE_BYTE_GRAY}) for maxval up to 255, else to a 16-bit one, which is what
 * {@link ImageFiles} works with.
 */
public final class Pnm {

  /**
   * Decoded PNM samples.
   *
   * @param width    image width
   * @param height   image height
   * @param channels 3 for P3/P6, 1 for P2/P5
   * @param maxval   the largest sample value the header allows (1..65535)
   * @param samples  {@code width * height * channels} values in 0..maxval, row-major, channels interleaved
   */
  public record Image(int width, int height, int channels, int maxval, int[] samples) {

    public Image {
      if (width <= 0 || height <= 0 || (channels != 1 && channels != 3) || maxval < 1 || maxval > 65535) {
        throw new IllegalArgumentException("PNM image " + width + "x" + height + "x" + channels + " maxval "
            + maxval + ": expected positive size, 1 or 3 channels, maxval 1..65535");
      }
      if (samples == null || samples.length != (long) width * height * channels) {
        throw new IllegalArgumentException("PNM image " + width + "x" + height + "x" + channels + " needs "
            + (long) width * height * channels + " samples, got " + (samples == null ? "null" : samples.length));
      }
    }
  }

  private Pnm() {}

  /** True when the bytes start with a PNM magic number this class reads ({@code P2, P3, P5, P6}). */
  public static boolean isPnm(byte[] bytes) {
    return bytes.length >= 2 && bytes[0] == 'P' && (bytes[1] == '2' || bytes[1] == '3' || bytes[1] == '5'
        || bytes[1] == '6');
  }

  /**
   * Decodes a PNM file held in memory.
   *
   * @param name the file name, used in error messages
   * @throws VesselsegException.Data for another magic number, a bad header, or truncated pixel data
   */
  public static Image decode(byte[] bytes, String name) {
    if (!isPnm(bytes)) {
      String found = bytes.length >= 2 ? "'" + (char) (bytes[0] & 0xff) + (char) (bytes[1] & 0xff) + "'"
          : bytes.length + " bytes";
      throw new VesselsegException.Data("cannot read PNM file " + name + ": expected magic number P2, P3, P5 or "
          + "P6, found " + found + "; convert it to PNG or binary PPM/PGM");
    }
    int[] pos = {2};
    char type = (char) bytes[1];
    int width = headerInt(bytes, pos, name, "width");
    int height = headerInt(bytes, pos, name, "height");
    int maxval = headerInt(bytes, pos, name, "maxval");
    if (width <= 0 || height <= 0 || maxval < 1 || maxval > 65535) {
      throw new VesselsegException.Data("cannot read PNM file " + name + ": header says " + width + "x" + height
          + " maxval " + maxval + ", expected a positive size and maxval 1..65535; the file is damaged");
    }
    int channels = type == '3' || type == '6' ? 3 : 1;
    long count = (long) width * height * channels;
    if (count > Integer.MAX_VALUE - 8) {
      throw new VesselsegException.Data("cannot read PNM file " + name + ": " + width + "x" + height
          + " is too large");
    }
    int[] samples = new int[(int) count];
    if (type == '5' || type == '6') {
      if (pos[0] >= bytes.length) {
        throw truncated(name, count, 0);
      }
      int p = pos[0] + 1; // exactly one whitespace byte separates maxval from the raster
      int bytesPer = maxval > 255 ? 2 : 1;
      long available = (bytes.length - p) / bytesPer;
      if (available < count) {
        throw truncated(name, count, available);
      }
      for (int i = 0; i < count; i++) {
        int v = bytesPer == 1 ? bytes[p++] & 0xff : ((bytes[p++] & 0xff) << 8) | (bytes[p++] & 0xff);
        samples[i] = Math.min(v, maxval);
      }
    } else {
      for (int i = 0; i < count; i++) {
        skipSpace(bytes, pos);
        if (pos[0] >= bytes.length) {
          throw truncated(name, count, i);
        }
        int v = headerInt(bytes, pos, name, "sample " + i);
        if (v > maxval) {
          throw new VesselsegException.Data("cannot read PNM file " + name + ": sample " + i + " is " + v
              + ", above maxval " + maxval + "; the file is damaged");
        }
        samples[i] = v;
      }
    }
    return new Image(width, height, channels, maxval, samples);
  }

  /**
   * Converts decoded samples to an image: 8-bit for maxval up to 255 (values scaled by {@code 255 / maxval},
   * rounded), else 16-bit (scaled by {@code 65535 / maxval}), so 16-bit files keep their precision and a 0/1
   * mask saved with maxval 65535 stays 0/1.
   */
  public static BufferedImage toImage(Image img) {
    int w = img.width();
    int h = img.height();
    int c = img.channels();
    boolean wide = img.maxval() > 255;
    BufferedImage out;
    if (!wide) {
      out = new BufferedImage(w, h, c == 3 ? BufferedImage.TYPE_3BYTE_BGR : BufferedImage.TYPE_BYTE_GRAY);
    } else if (c == 1) {
      out = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
    } else {
      ColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {16, 16, 16},
          false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
      out = new BufferedImage(cm, cm.createCompatibleWritableRaster(w, h), false, null);
    }
    WritableRaster raster = out.getRaster();
    int[] scaled = new int[img.samples().length];
    double f = (wide ? 65535.0 : 255.0) / img.maxval();
    for (int i = 0; i < scaled.length; i++) {
      scaled[i] = (int) Math.round(img.samples()[i] * f);
    }
    raster.setPixels(0, 0, w, h, scaled);
    return out;
  }

  /**
   * Writes a PNM file ({@code P6}/{@code P5} binary, {@code P3}/{@code P2} ASCII); gzip-compressed when the
   * name ends in {@code .gz}. Missing parent folders are created.
   *
   * @param ascii true for the ASCII variants (P3, P2)
   * @throws VesselsegException.Data when the file cannot be written
   */
  public static void write(Path file, Image img, boolean ascii) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      byte[] bytes = encode(img, ascii);
      if (file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gz")) {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gz)) {
          out.write(bytes);
        }
        bytes = gz.toByteArray();
      }
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot write PNM file " + file + ": " + e
          + "; check that the folder is writable", e);
    }
  }

  /** Encodes a PNM file in memory (see {@link #write}). */
  public static byte[] encode(Image img, boolean ascii) {
    char type = img.channels() == 3 ? (ascii ? '3' : '6') : (ascii ? '2' : '5');
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String header = "P" + type + "\n# written by vesselseg\n" + img.width() + " " + img.height() + "\n"
        + img.maxval() + "\n";
    out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
    int[] s = img.samples();
    if (ascii) {
      StringBuilder sb = new StringBuilder();
      int perLine = img.width() * img.channels();
      for (int i = 0; i < s.length; i++) {
        sb.append(s[i]).append((i + 1) % perLine == 0 ? '\n' : ' ');
      }
      out.writeBytes(sb.toString().getBytes(StandardCharsets.US_ASCII));
    } else if (img.maxval() > 255) {
      for (int v : s) {
        out.write(v >> 8);
        out.write(v);
      }
    } else {
      for (int v : s) {
        out.write(v);
      }
    }
    return out.toByteArray();
  }

  private static VesselsegException.Data truncated(String name, long expected, long found) {
    return new VesselsegException.Data("cannot read PNM file " + name + ": truncated, expected " + expected
        + " samples, found " + found + "; download or unpack the file again");
  }

  /** Skips whitespace and {@code #} comments (to the end of the line). */
  private static void skipSpace(byte[] b, int[] pos) {
    int p = pos[0];
    while (p < b.length) {
      byte c = b[p];
      if (c == '#') {
        while (p < b.length && b[p] != '\n' && b[p] != '\r') {
          p++;
        }
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == 0x0c) {
        p++;
      } else {
        break;
      }
    }
    pos[0] = p;
  }

  /** Reads one decimal number after optional whitespace/comments; leaves {@code pos} just after it. */
  private static int headerInt(byte[] b, int[] pos, String name, String what) {
    skipSpace(b, pos);
    int p = pos[0];
    long v = 0;
    int start = p;
    while (p < b.length && b[p] >= '0' && b[p] <= '9') {
      v = v * 10 + (b[p] - '0');
      if (v > Integer.MAX_VALUE) {
        break;
      }
      p++;
    }
    if (p == start || v > Integer.MAX_VALUE) {
      String found = p < b.length ? "'" + (char) (b[p] & 0xff) + "'" : "the end of the file";
      throw new VesselsegException.Data("cannot read PNM file " + name + ": expected a number for the " + what
          + ", found " + found + "; the file is damaged or truncated");
    }
    pos[0] = p;
    return (int) v;
  }
}
