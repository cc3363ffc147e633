package io.vesselseg.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Writers of tiny fundus-like test images in the formats the public datasets use. */
final class TestImages {

  private TestImages() {}

  /** A dark frame with a bright orange disc; {@code tint} changes the colour so images differ. */
  static BufferedImage fundus(int w, int h, int tint) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    double r = 0.45 * Math.min(w, h);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double dx = x - w / 2.0 + 0.5;
        double dy = y - h / 2.0 + 0.5;
        boolean in = dx * dx + dy * dy <= r * r;
        img.setRGB(x, y, in ? (0xc0 << 16) | ((0x40 + (tint * 7) % 0x80) << 8) | 0x30 : 0x020202);
      }
    }
    return img;
  }

  /** A grey image: 255 on a vertical line through the centre, else 0. */
  static BufferedImage vessel(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      img.getRaster().setSample(w / 2, y, 0, 255);
    }
    return img;
  }

  /** Writes with ImageIO in the format named by the file extension (tif, png, jpg, bmp, gif). */
  static Path write(BufferedImage img, Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    String ext = name.substring(name.lastIndexOf('.') + 1);
    if (ext.equals("gif")) {
      DriveDatasetTest.writeGif(img, file);
      return file;
    }
    if (!ImageIO.write(img, ext.equals("tiff") ? "tif" : ext, file.toFile())) {
      throw new IOException("no ImageIO writer for " + file);
    }
    return file;
  }

  /** Converts to PNM samples (RGB for colour images, grey for TYPE_BYTE_GRAY). */
  static Pnm.Image toPnm(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    boolean grey = img.getType() == BufferedImage.TYPE_BYTE_GRAY;
    int c = grey ? 1 : 3;
    int[] s = new int[w * h * c];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = (y * w + x) * c;
        if (grey) {
          s[i] = img.getRaster().getSample(x, y, 0);
        } else {
          int p = img.getRGB(x, y);
          s[i] = (p >> 16) & 0xff;
          s[i + 1] = (p >> 8) & 0xff;
          s[i + 2] = p & 0xff;
        }
      }
    }
    return new Pnm.Image(w, h, c, 255, s);
  }

  static int sum(byte[] mask) {
    int n = 0;
    for (byte b : mask) {
      n += b;
    }
    return n;
  }
}
