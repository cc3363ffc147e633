package io.vesselseg.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.Explanation;
import io.vesselseg.Region;
import io.vesselseg.VesselSegmenter;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.viz.Overlay;
import org.junit.jupiter.api.Test;

/** The region and the maps cross the rescaling between the photograph and the network's scale. */
class ExplainerTest {

  @Test
  void aRegionKeepsItsPlaceAndIsNeverLostWhenRescaled() {
    byte[] box = Region.box(10, 20, 10, 6).mask(40, 40);
    byte[] half = Explainer.scaled(box, 40, 40, 20, 20);
    int count = 0;
    for (int i = 0; i < half.length; i++) {
      count += half[i];
      if (half[i] != 0) {
        int x = i % 20;
        int y = i / 20;
        assertTrue(x >= 5 && x < 10 && y >= 10 && y < 13, "pixel " + x + "," + y + " outside the halved box");
      }
    }
    assertEquals(15, count, "a 10x6 box halves to 5x3");
    byte[] point = Region.disc(17, 9, 0).mask(40, 40);
    byte[] small = Explainer.scaled(point, 40, 40, 10, 10);
    int n = 0;
    for (byte b : small) {
      n += b;
    }
    assertTrue(n >= 1 && n <= 4, "one pixel shrunk 4x keeps its nearest pixels: " + n);
  }

  /**
   * A 300x300 photograph's FOV is far smaller than DRIVE's, so the compact model reads it enlarged (~1.8x); the
   * IG map must come back at 300x300 with its strongest pixel at the region, not where the region would be
   * at the network's scale.
   */
  @Test
  void mapsComeBackAtThePhotographsSizeAndPlace() {
    Sample s = SyntheticFundus.generate(5, 300, 300);
    int cx = -1;
    int cy = -1;
    for (int i = 0; i < s.vessel().length && cx < 0; i++) {
      int x = i % 300;
      int y = i / 300;
      if (s.vessel()[i] != 0 && x > 180 && y > 100 && x < 220) {
        cx = x;
        cy = y;
      }
    }
    try (VesselSegmenter seg = VesselSegmenter.builtIn("compact", VesselSegmenter.Options.defaults())) {
      Explanation e = seg.explain(Overlay.photo(s.rgb(), 300, 300), Region.disc(cx, cy, 2),
          Explanation.Method.INTEGRATED_GRADIENTS, Explanation.Settings.defaults().withSteps(4));
      assertEquals(300, e.width());
      assertEquals(300 * 300, e.map().length);
      assertNotEquals(300, e.inputWidth(), "the photograph should have been rescaled for the network");
      int peak = 0;
      for (int i = 0; i < e.map().length; i++) {
        peak = Math.abs(e.map()[i]) > Math.abs(e.map()[peak]) ? i : peak;
      }
      double d = Math.hypot(peak % 300 - cx, peak / 300 - cy);
      assertTrue(d <= 6, "strongest pixel " + peak % 300 + "," + peak / 300 + " is " + d + " px from " + cx + "," + cy);
    }
  }
}
