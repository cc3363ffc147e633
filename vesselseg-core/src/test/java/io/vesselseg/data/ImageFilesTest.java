package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests of {@link ImageFiles}: formats, band layouts, masks, errors and atomic writes. */
class ImageFilesTest {

  @TempDir Path dir;

  private static BufferedImage rgbImage(int w, int h, int type) {
    BufferedImage img = new BufferedImage(w, h, type);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, 0xff000000 | (x * 40) << 16 | (y * 50) << 8 | 200);
      }
    }
    return img;
  }

  private static void checkRgb(RgbImage img, int w, int h) {
    assertEquals(w, img.width());
    assertEquals(h, img.height());
    int n = w * h;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        assertEquals(x * 40 / 255f, img.chw()[i], 1e-6, "R at " + x + "," + y);
        assertEquals(y * 50 / 255f, img.chw()[n + i], 1e-6, "G at " + x + "," + y);
        assertEquals(200 / 255f, img.chw()[2 * n + i], 1e-6, "B at " + x + "," + y);
      }
    }
  }

  @Test
  void readsRgbPngTiffAndBmp() throws IOException {
    for (String fmt : new String[] {"png", "tif", "bmp"}) {
      Path f = dir.resolve("a." + fmt);
      assertTrue(ImageIO.write(rgbImage(5, 4, BufferedImage.TYPE_3BYTE_BGR), fmt, f.toFile()), fmt);
      checkRgb(ImageFiles.readRgb(f), 5, 4);
    }
  }

  @Test
  void ignoresAlphaOfFourBandImages() throws IOException {
    BufferedImage img = rgbImage(5, 4, BufferedImage.TYPE_INT_ARGB);
    img.setRGB(0, 0, 0x00000000 | 200); // fully transparent pixel keeps its colour
    Path f = dir.resolve("alpha.png");
    ImageIO.write(img, "png", f.toFile());
    RgbImage read = ImageFiles.readRgb(f);
    assertEquals(200 / 255f, read.chw()[2 * 20], 1e-6);
    assertEquals(0f, read.chw()[0], 1e-6);
    assertEquals(50 / 255f, read.chw()[20 + 5], 1e-6);
  }

  @Test
  void replicatesGreyAndScales16Bit() throws IOException {
    BufferedImage g8 = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
    g8.getRaster().setSample(1, 1, 0, 255);
    Path f8 = dir.resolve("g8.png");
    ImageIO.write(g8, "png", f8.toFile());
    RgbImage r8 = ImageFiles.readRgb(f8);
    for (int c = 0; c < 3; c++) {
      assertEquals(1f, r8.chw()[c * 6 + 4], 1e-6);
      assertEquals(0f, r8.chw()[c * 6], 1e-6);
    }
    BufferedImage g16 = new BufferedImage(3, 2, BufferedImage.TYPE_USHORT_GRAY);
    g16.getRaster().setSample(2, 0, 0, 65535);
    g16.getRaster().setSample(0, 1, 0, 32768);
    Path f16 = dir.resolve("g16.png");
    ImageIO.write(g16, "png", f16.toFile());
    RgbImage r16 = ImageFiles.readRgb(f16);
    assertEquals(1f, r16.chw()[2], 1e-6);
    assertEquals(32768 / 65535f, r16.chw()[6 + 3], 1e-5);
    assertEquals(0f, r16.chw()[12], 1e-6);
  }

  /** A 2-entry palette whose index 0 is white and index 1 black, so raw indices would read inverted. */
  private static BufferedImage invertedPalette(int w, int h, boolean[] on) {
    IndexColorModel cm = new IndexColorModel(8, 2, new byte[] {(byte) 252, 4}, new byte[] {(byte) 254, 2},
        new byte[] {(byte) 252, 4});
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, cm);
    WritableRaster r = img.getRaster();
    for (int i = 0; i < w * h; i++) {
      r.setSample(i % w, i / w, 0, on[i] ? 0 : 1);
    }
    return img;
  }

  @Test
  void readsPaletteImagesThroughTheColourModel() throws IOException {
    boolean[] on = {true, false, false, true, true, false, true, false};
    Path f = dir.resolve("m.gif");
    DriveDatasetTest.writeGif(invertedPalette(4, 2, on), f);
    byte[] mask = ImageFiles.readMask(f, 4, 2, "img.tif");
    RgbImage rgb = ImageFiles.readRgb(f);
    for (int i = 0; i < on.length; i++) {
      assertEquals(on[i] ? 1 : 0, mask[i], "pixel " + i);
      assertEquals(on[i] ? 252 / 255f : 4 / 255f, rgb.chw()[i], 1e-6, "pixel " + i);
    }
  }

  @Test
  void thresholdsGreyMasksAt127() throws IOException {
    BufferedImage g = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
    int[] values = {0, 127, 128, 255};
    for (int x = 0; x < 4; x++) {
      g.getRaster().setSample(x, 0, 0, values[x]);
    }
    Path f = dir.resolve("g.png");
    ImageIO.write(g, "png", f.toFile());
    assertArrayEquals(new byte[] {0, 0, 1, 1}, ImageFiles.readMask(f, 4, 1, null));
  }

  @Test
  void maskSizeMismatchNamesBothFiles() throws IOException {
    Path f = dir.resolve("01_manual1.gif");
    DriveDatasetTest.writeGif(new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_BINARY), f);
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class,
        () -> ImageFiles.readMask(f, 5, 4, "01_test.tif"));
    assertTrue(e.getMessage().startsWith("mask 01_manual1.gif is 5x3, expected 5x4 like image 01_test.tif"),
        e.getMessage());
    assertEquals(3, e.exitCode());
  }

  @Test
  void missingAndTruncatedFilesAreDataErrors() throws IOException {
    Path missing = dir.resolve("nope.tif");
    VesselsegException.Data e1 = assertThrows(VesselsegException.Data.class, () -> ImageFiles.readRgb(missing));
    assertTrue(e1.getMessage().contains(missing.toString()), e1.getMessage());
    assertTrue(e1.getMessage().contains("does not exist"), e1.getMessage());

    Path garbage = dir.resolve("01_test.tif");
    Files.write(garbage, new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0, 1});
    VesselsegException.Data e2 = assertThrows(VesselsegException.Data.class, () -> ImageFiles.readRgb(garbage));
    assertTrue(e2.getMessage().contains(garbage.toString()), e2.getMessage());
    assertTrue(e2.getMessage().contains("truncated"), e2.getMessage());

    Path text = dir.resolve("mask.gif");
    Files.writeString(text, "not an image");
    VesselsegException.Data e3 = assertThrows(VesselsegException.Data.class,
        () -> ImageFiles.readMask(text, 1, 1, "x.tif"));
    assertTrue(e3.getMessage().contains(text.toString()), e3.getMessage());

    // a real PNG cut in half
    Path full = dir.resolve("full.png");
    ImageIO.write(rgbImage(6, 6, BufferedImage.TYPE_3BYTE_BGR), "png", full.toFile());
    byte[] bytes = Files.readAllBytes(full);
    Path half = dir.resolve("half.png");
    Files.write(half, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    VesselsegException.Data e4 = assertThrows(VesselsegException.Data.class, () -> ImageFiles.readRgb(half));
    assertTrue(e4.getMessage().contains("half.png"), e4.getMessage());
  }

  @Test
  void writesPngAtomicallyAndReplaces() throws IOException {
    Path f = dir.resolve("out").resolve("mask.png");
    byte[] mask = {0, 1, 1, 0, 0, 1};
    ImageFiles.writeMaskPng(f, mask, 3, 2);
    assertArrayEquals(mask, ImageFiles.readMask(f, 3, 2, null));
    byte[] grey = {0, 10, (byte) 200, (byte) 255, 5, 6};
    ImageFiles.writeGreyPng(f, grey, 3, 2); // replaces the existing file
    RgbImage back = ImageFiles.readRgb(f);
    for (int i = 0; i < grey.length; i++) {
      assertEquals((grey[i] & 0xff) / 255f, back.chw()[i], 1e-6);
      assertEquals((grey[i] & 0xff) / 255f, back.chw()[12 + i], 1e-6);
    }
    try (Stream<Path> s = Files.list(f.getParent())) {
      assertEquals(1, s.count(), "no temporary file may be left behind");
    }
    assertThrows(IllegalArgumentException.class, () -> ImageFiles.writeGreyPng(f, grey, 4, 2));
  }
}
