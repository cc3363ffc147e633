package io.vesselseg.serve;

import io.vesselseg.data.Pnm;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An uploaded photograph whose size is known from its header before any pixel is decoded: {@link #probe}
 * asks an {@code ImageIO} reader for {@code getWidth/getHeight} (or parses a PNM header), so a small file that
 * claims a huge image is refused before it can take memory. PNG, JPEG, TIFF, GIF and BMP go through the JDK's
 * {@code ImageIO}, PPM/PGM through the library's own {@link Pnm} reader.
 */
final class ImageInput {

  static final String FORMATS = "PNG, JPEG, TIFF, GIF, BMP or PPM";

  static {
    ImageIO.setUseCache(false); // decode in memory: no temporary files per request
  }

  private final byte[] bytes;
  private final String format;
  private final int width;
  private final int height;

  private ImageInput(byte[] bytes, String format, int width, int height) {
    this.bytes = bytes;
    this.format = format;
    this.width = width;
    this.height = height;
  }

  /**
   * Reads the header of {@code bytes} and checks the image's size against {@code maxPixels}.
   *
   * @throws HttpError 415 when no reader recognises the bytes, 400 when the header is broken, 413 when the
   *                   image would have more than {@code maxPixels} pixels
   */
  static ImageInput probe(byte[] bytes, long maxPixels) {
    if (bytes.length == 0) {
      throw new HttpError(400, "empty", "the request carries no image: send the photograph's bytes (" + FORMATS
          + ") as the body, or as the multipart field 'image'");
    }
    ImageInput in = Pnm.isPnm(bytes) ? pnmHeader(bytes) : imageIoHeader(bytes);
    long pixels = (long) in.width * in.height;
    if (pixels > maxPixels) {
      throw new HttpError(413, "too_many_pixels", "the " + in.format + " image is " + in.width + "x" + in.height
          + " = " + pixels + " pixels, more than this server's limit of " + maxPixels + " (--max-pixels): "
          + "downscale it before sending");
    }
    return in;
  }

  private static ImageInput imageIoHeader(byte[] bytes) {
    try (ImageInputStream iis = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
      if (!readers.hasNext()) {
        throw notAnImage(bytes);
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(iis, true, true);
        String format = reader.getFormatName().toUpperCase(Locale.ROOT);
        return new ImageInput(bytes, format, reader.getWidth(0), reader.getHeight(0));
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof HttpError h) {
        throw h;
      }
      throw HttpError.badRequest("cannot read the image header (" + e.getMessage() + "): expected a complete "
          + FORMATS + " file; check that the upload was not truncated");
    }
  }

  /** Width and height from a PNM header: magic, then whitespace-separated numbers, # comments to line end. */
  private static ImageInput pnmHeader(byte[] b) {
    int[] pos = {2};
    long w = pnmNumber(b, pos);
    long h = pnmNumber(b, pos);
    if (w < 1 || h < 1 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
      throw HttpError.badRequest("PPM/PGM header gives size " + w + "x" + h + ": expected two positive integers "
          + "after the magic number " + (char) b[0] + (char) b[1]);
    }
    return new ImageInput(b, "PNM", (int) w, (int) h);
  }

  private static long pnmNumber(byte[] b, int[] pos) {
    int i = pos[0];
    while (i < b.length && (Character.isWhitespace(b[i]) || b[i] == '#')) {
      if (b[i] == '#') {
        while (i < b.length && b[i] != '\n' && b[i] != '\r') {
          i++;
        }
      } else {
        i++;
      }
    }
    long v = -1;
    while (i < b.length && b[i] >= '0' && b[i] <= '9' && v < Integer.MAX_VALUE + 1L) {
      v = (v < 0 ? 0 : v * 10) + (b[i] - '0');
      i++;
    }
    pos[0] = i;
    return v;
  }

  private static HttpError notAnImage(byte[] bytes) {
    StringBuilder head = new StringBuilder();
    for (int i = 0; i < Math.min(8, bytes.length); i++) {
      int c = bytes[i] & 0xff;
      head.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c));
    }
    return new HttpError(415, "not_an_image", "the body is not an image this server reads: expected " + FORMATS
        + ", found " + bytes.length + " bytes starting with \"" + head + "\"");
  }

  int width() {
    return width;
  }

  int height() {
    return height;
  }

  String format() {
    return format;
  }

  /**
   * Decodes the pixels (called by an inference worker, after the size check).
   *
   * @throws HttpError 400 when the pixel data cannot be decoded
   */
  BufferedImage decode() {
    try {
      if ("PNM".equals(format)) {
        return Pnm.toImage(Pnm.decode(bytes, "upload"));
      }
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
      if (img == null) {
        throw new IOException("no reader");
      }
      return img;
    } catch (IOException | RuntimeException e) {
      if (e instanceof HttpError h) {
        throw h;
      }
      throw HttpError.badRequest("cannot decode the " + format + " image (" + width + "x" + height + "): "
          + e.getMessage() + "; expected a complete, uncorrupted file");
    }
  }
}
