package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests of {@link Pnm} and of PNM/gzip reading through {@link ImageFiles}. */
class PnmTest {

  @TempDir Path dir;

  private static Pnm.Image rgb(int maxval) {
    int w = 5;
    int h = 3;
    int[] s = new int[w * h * 3];
    for (int i = 0; i < s.length; i++) {
      s[i] = (i * 37) % (maxval + 1);
    }
    return new Pnm.Image(w, h, 3, maxval, s);
  }

  @Test
  void roundTripsEveryVariant() {
    for (int maxval : new int[] {1, 15, 255, 1000, 65535}) {
      for (boolean ascii : new boolean[] {false, true}) {
        Pnm.Image colour = rgb(maxval);
        Pnm.Image back = Pnm.decode(Pnm.encode(colour, ascii), "x.ppm");
        assertEquals(3, back.channels());
        assertEquals(maxval, back.maxval());
        assertArrayEquals(colour.samples(), back.samples(), "maxval " + maxval + " ascii " + ascii);
        int[] g = Arrays.copyOf(colour.samples(), 15);
        Pnm.Image grey = new Pnm.Image(5, 3, 1, maxval, g);
        Pnm.Image greyBack = Pnm.decode(Pnm.encode(grey, ascii), "x.pgm");
        assertEquals(1, greyBack.channels());
        assertArrayEquals(g, greyBack.samples());
      }
    }
  }

  @Test
  void readsCommentsAndScalesTo8Bits() {
    byte[] p3 = "P3\n# a comment\n2 1 # trailing comment\n# another\n15\n15 0 0  0 15 0\n"
        .getBytes(StandardCharsets.US_ASCII);
    Pnm.Image img = Pnm.decode(p3, "c.ppm");
    assertEquals(2, img.width());
    assertArrayEquals(new int[] {15, 0, 0, 0, 15, 0}, img.samples());
    var bi = Pnm.toImage(img);
    assertEquals(0xff0000, bi.getRGB(0, 0) & 0xffffff);
    assertEquals(0x00ff00, bi.getRGB(1, 0) & 0xffffff);
  }

  @Test
  void readsPlainAndGzippedFilesThroughImageFiles() {
    Pnm.Image colour = rgb(255);
    Pnm.write(dir.resolve("a.ppm"), colour, false);
    Pnm.write(dir.resolve("b.ppm.gz"), colour, false);
    RgbImage a = ImageFiles.readRgb(dir.resolve("a.ppm"));
    RgbImage b = ImageFiles.readRgb(dir.resolve("b.ppm.gz"));
    assertArrayEquals(a.chw(), b.chw());
    assertEquals(colour.samples()[0] / 255f, a.chw()[0], 1e-6);
    assertEquals(colour.samples()[1] / 255f, a.chw()[15], 1e-6); // G plane starts after 15 pixels

    int[] m = new int[15];
    m[7] = 255;
    Pnm.write(dir.resolve("m.pgm.gz"), new Pnm.Image(5, 3, 1, 255, m), true);
    byte[] mask = ImageFiles.readMask(dir.resolve("m.pgm.gz"), 5, 3, null);
    assertEquals(1, mask[7]);
    assertEquals(1, TestImages.sum(mask));
  }

  @Test
  void truncatedAndForeignFilesAreExplained() throws Exception {
    byte[] full = Pnm.encode(rgb(255), false);
    Files.write(dir.resolve("t.ppm"), Arrays.copyOf(full, full.length - 10));
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class,
        () -> ImageFiles.readRgb(dir.resolve("t.ppm")));
    assertTrue(e.getMessage().contains("t.ppm") && e.getMessage().contains("truncated"), e.getMessage());

    Files.write(dir.resolve("p4.ppm"), "P4\n2 2\n\0\0".getBytes(StandardCharsets.US_ASCII));
    VesselsegException.Data e2 = assertThrows(VesselsegException.Data.class,
        () -> ImageFiles.readRgb(dir.resolve("p4.ppm")));
    assertTrue(e2.getMessage().contains("P2, P3, P5 or P6"), e2.getMessage());

    Files.write(dir.resolve("bad.ppm.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2});
    VesselsegException.Data e3 = assertThrows(VesselsegException.Data.class,
        () -> ImageFiles.readRgb(dir.resolve("bad.ppm.gz")));
    assertTrue(e3.getMessage().contains("bad.ppm.gz"), e3.getMessage());

    byte[] big = "P2 2 1 10 3 11".getBytes(StandardCharsets.US_ASCII);
    VesselsegException.Data e4 = assertThrows(VesselsegException.Data.class, () -> Pnm.decode(big, "big.pgm"));
    assertTrue(e4.getMessage().contains("above maxval 10"), e4.getMessage());
  }

  /**
   * Odd maxvals reach the full range through {@link ImageFiles#readRgb}: the top sample is 1.0, the others
   * {@code v / maxval} (within half a step: 8-bit up to maxval 255, 16-bit above). TwelveMonkeys' PNM plugin 3.12.0 fails this for maxval
   * 128..254 and 32768..65534, where samples at or above 128 (32768) wrap to near 0.
   */
  @Test
  void oddMaxvalsScaleToTheFullRange() {
    for (int maxval : new int[] {1, 15, 200, 254, 1023, 40000, 65534}) {
      for (boolean ascii : new boolean[] {false, true}) {
        int[] s = {0, 0, 0, maxval, maxval, maxval, maxval / 2, maxval / 2 + 1, maxval - 1};
        Path file = dir.resolve("odd" + maxval + (ascii ? "a" : "b") + ".ppm");
        Pnm.write(file, new Pnm.Image(3, 1, 3, maxval, s), ascii);
        RgbImage img = ImageFiles.readRgb(file);
        for (int x = 0; x < 3; x++) {
          for (int c = 0; c < 3; c++) {
            double expected = s[x * 3 + c] / (double) maxval;
            assertEquals(expected, img.chw()[c * 3 + x], 0.5 / (maxval > 255 ? 65535 : 255) + 1e-6,
                "maxval " + maxval + " ascii " + ascii + " pixel " + x + " channel " + c);
          }
        }
        assertEquals(1f, img.chw()[1], "maxval " + maxval + ": the top sample is white");
      }
    }
  }

  /** Grey PNM masks with maxval 1 (P5 and P2) read as 0/1 masks; TwelveMonkeys 3.12.0 cannot read them. */
  @Test
  void greyMaxvalOneMasksRead() {
    int[] m = new int[15];
    m[4] = 1;
    m[12] = 1;
    for (boolean ascii : new boolean[] {false, true}) {
      Path file = dir.resolve("m1" + (ascii ? "a" : "b") + ".pgm");
      Pnm.write(file, new Pnm.Image(5, 3, 1, 1, m), ascii);
      byte[] mask = ImageFiles.readMask(file, 5, 3, null);
      assertEquals(2, TestImages.sum(mask), "ascii " + ascii);
      assertEquals(1, mask[4]);
      assertEquals(1, mask[12]);
      assertEquals(1f, ImageFiles.readRgb(file).chw()[4]);
    }
  }

  /** 16-bit grey PNM (P5 and P2, maxval 65535): 0/1 masks stay 0/1, 0/65535 masks threshold at half. */
  @Test
  void sixteenBitGreyMasksRead() {
    for (boolean ascii : new boolean[] {false, true}) {
      for (int on : new int[] {1, 65535}) {
        int[] m = new int[15];
        m[3] = on;
        m[9] = on;
        m[10] = on == 1 ? 0 : 32767; // below half the range: background
        Path file = dir.resolve("m16-" + on + (ascii ? "a" : "b") + ".pgm.gz");
        Pnm.write(file, new Pnm.Image(5, 3, 1, 65535, m), ascii);
        byte[] mask = ImageFiles.readMask(file, 5, 3, null);
        assertEquals(2, TestImages.sum(mask), "on " + on + " ascii " + ascii);
        assertEquals(1, mask[3]);
        assertEquals(1, mask[9]);
      }
    }
  }

  @Test
  void zeroOneMasksStoredIn8BitsReadAsBinary() throws Exception {
    java.awt.image.BufferedImage m = new java.awt.image.BufferedImage(4, 3,
        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    m.getRaster().setSample(2, 1, 0, 1);
    TestImages.write(m, dir.resolve("m01.png"));
    byte[] mask = ImageFiles.readMask(dir.resolve("m01.png"), 4, 3, null);
    assertEquals(1, TestImages.sum(mask));
    assertEquals(1, mask[6]);
  }
}
