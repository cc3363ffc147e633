package io.vesselseg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselSegmenter.Tta;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.measure.ImageQuality;
import io.vesselseg.viz.Overlay;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** The uncertainty through the public API: the same segmentation, plus its spread and disagreement. */
class UncertaintyTest {

  private static final Sample PHOTO = SyntheticFundus.generate(12, 180, 160);

  private static BufferedImage photo() {
    return Overlay.photo(PHOTO.rgb(), PHOTO.width(), PHOTO.height());
  }

  @Test
  void theEnsembleGivesTheSameSegmentationAndItsSpread() {
    try (VesselSegmenter seg = VesselSegmenter.builtIn()) {
      Segmentation plain = seg.segment(photo(), Tta.NONE);
      Segmentation u = seg.segmentWithUncertainty(photo(), Tta.NONE);
      assertNull(plain.uncertainty());
      assertNull(plain.uncertaintyImage());
      assertTrue(Double.isNaN(plain.disagreement()) && Double.isNaN(plain.quality().disagreement()));
      assertArrayEquals(plain.probabilities(), u.probabilities(), 1e-5f);
      assertArrayEquals(plain.mask(), u.mask());
      double inside = 0;
      for (int i = 0; i < u.uncertainty().length; i++) {
        float v = u.uncertainty()[i];
        assertTrue(v >= 0 && v <= 0.5f, "a standard deviation of probabilities: " + v);
        inside += u.fov()[i] != 0 ? v : 0;
      }
      assertTrue(inside > 0, "four networks disagree somewhere");
      assertTrue(u.disagreement() > 0 && u.disagreement() < 0.5, "disagreement " + u.disagreement());
      assertEquals(u.disagreement(), u.quality().disagreement());
      assertEquals(u.disagreement() > ImageQuality.MAX_DISAGREEMENT,
          u.quality().flags().contains(ImageQuality.Flag.OUT_OF_DISTRIBUTION));
      assertEquals(PHOTO.width(), u.uncertaintyImage().getWidth());
    }
  }

  @Test
  void oneNetworkHasASpreadOnlyWithAugmentationAndNoDisagreement() {
    try (VesselSegmenter seg = VesselSegmenter.builtIn("compact", VesselSegmenter.Options.defaults())) {
      Segmentation none = seg.segmentWithUncertainty(photo(), Tta.NONE);
      for (float v : none.uncertainty()) {
        assertEquals(0f, v, 1e-6f);
      }
      Segmentation flips = seg.segmentWithUncertainty(photo(), Tta.FLIPS);
      double sum = 0;
      for (float v : flips.uncertainty()) {
        sum += v;
      }
      assertTrue(sum > 0, "the four flips disagree somewhere");
      assertTrue(Double.isNaN(flips.disagreement()), "one network: no member disagreement");
      assertTrue(!flips.quality().flags().contains(ImageQuality.Flag.OUT_OF_DISTRIBUTION));
    }
  }
}
