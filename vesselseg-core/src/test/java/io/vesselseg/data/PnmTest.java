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
