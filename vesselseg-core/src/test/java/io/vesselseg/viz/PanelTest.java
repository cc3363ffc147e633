package io.vesselseg.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.eval.VesselMask;
import io.vesselseg.data.Sample;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** Error-overlay colours at known pixels, the legend strip below the image, the four-tile panel. */
class PanelTest {

  static final int W = PanelTestData.W;
  static final int H = PanelTestData.H;
  static final int TP = PanelTestData.TP;
  static final int FP = PanelTestData.FP;
  static final int FN = PanelTestData.FN;
  static final int TN = PanelTestData.TN;
  static final int OUT = PanelTestData.OUT;

  static Sample sample() {
    return PanelTestData.sample();
  }

  static float[] prob() {
    return PanelTestData.prob();
  }

  static int at(BufferedImage img, int i) {
    return img.getRGB(i % W, i / W) & 0xFFFFFF;
  }

  @Test
  void overlayColoursKnownPixelsAndKeepsImageCoordinates() {
    Sample s = sample();
    BufferedImage img = Panel.overlay(s, prob(), 0.5f, 0.5);
    assertEquals(Overlay.TP, at(img, TP));
    assertEquals(Overlay.FP, at(img, FP));
    assertEquals(Overlay.FN, at(img, FN));
    for (int c : new int[] {Overlay.TP, Overlay.FP, Overlay.FN}) {
      assertNotEquals(c, at(img, TN));
      assertNotEquals(c, at(img, OUT));
    }
    // every image pixel is exactly the plain overlay's pixel: the legend covers none of them
    byte[] pred = VesselMask.of(prob(), 0.5f, s.fov());
    BufferedImage plain = Overlay.errors(s.rgb(), W, H, pred, s.vessel(), s.fov());
    for (int i = 0; i < W * H; i++) {
      assertEquals(plain.getRGB(i % W, i / W), img.getRGB(i % W, i / W), "pixel " + i);
    }
    // the legend lies in the strip below and shows all three colours
    assertTrue(img.getHeight() > H + 60, "legend strip below the image");
    for (int c : new int[] {Overlay.TP, Overlay.FP, Overlay.FN}) {
      assertTrue(inStrip(img, c), "legend square " + Integer.toHexString(c));
    }
  }

  private static boolean inStrip(BufferedImage img, int colour) {
    for (int y = H; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        if ((img.getRGB(x, y) & 0xFFFFFF) == colour) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void panelHasFourTilesAndColourMapRunsDarkToBright() {
    BufferedImage p = Panel.tiles(sample(), prob(), 0.5f, "img F1 0.5");
    int scale = (Panel.MIN_TILE + W - 1) / W;
    assertEquals(4 * W * scale + 5 * Panel.GAP, p.getWidth());
    assertTrue(CurvesTest.colours(p) > 20);
    int dark = Colormap.viridis(0f);
    int bright = Colormap.viridis(1f);
    assertEquals(0x440154, dark);
    assertEquals(0xFDE725, bright);
    BufferedImage m = Panel.mask(new byte[] {1, 0, 0}, new byte[] {1, 1, 0}, 3, 1);
    assertEquals(0xFFFFFF, m.getRGB(0, 0) & 0xFFFFFF);
    assertEquals(0x000000, m.getRGB(1, 0) & 0xFFFFFF);
    assertEquals(Panel.OUTSIDE_FOV.getRGB() & 0xFFFFFF, m.getRGB(2, 0) & 0xFFFFFF);
  }
}
