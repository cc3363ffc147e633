package io.vesselseg.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.FovEstimator;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.RgbImage;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The quality flags on generated bad photographs, each with the FOV the tool itself would estimate. */
class ImageQualityTest {

  private static ImageQuality assess(float[] chw, int w, int h) {
    ImageQuality q = ImageQuality.assess(chw, FovEstimator.estimate(chw, w, h), w, h);
    System.out.println(q);
    return q;
  }

  @Test
  void aSyntheticFundusRaisesNoFlag() {
    Sample s = SyntheticFundus.generate(7, 565, 584);
    assertEquals(Set.of(), assess(s.rgb(), s.width(), s.height()).flags());
  }

  @Test
  void aGreyImageHasNoFovAndIsNoFundus() {
    float[] grey = new float[3 * 400 * 300];
    Arrays.fill(grey, 0.5f);
    Set<ImageQuality.Flag> flags = assess(grey, 400, 300).flags();
    assertTrue(flags.containsAll(Set.of(ImageQuality.Flag.NO_FOV, ImageQuality.Flag.NOT_FUNDUS)), flags.toString());
  }

  @Test
  void anImageOfTextIsNoFundus() {
    BufferedImage img = new BufferedImage(500, 400, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 500, 400);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SERIF, Font.PLAIN, 18));
    for (int line = 0; line < 16; line++) {
      g.drawString("Retinal vessels are measured inside the field of view.", 10, 24 + 24 * line);
    }
    g.dispose();
    RgbImage rgb = ImageFiles.toRgb(img);
    Set<ImageQuality.Flag> flags = assess(rgb.chw(), 500, 400).flags();
    assertTrue(flags.contains(ImageQuality.Flag.NOT_FUNDUS), flags.toString());
  }

  @Test
  void aBlurredSyntheticFundusIsBlurred() {
    Sample s = SyntheticFundus.generate(7, 565, 584);
    Set<ImageQuality.Flag> flags = assess(Degrade.blur(s.rgb(), 565, 584, 2.5), 565, 584).flags();
    assertEquals(Set.of(ImageQuality.Flag.BLURRED), flags);
  }

  @Test
  void anOverexposedSyntheticFundusIsOverexposed() {
    Sample s = SyntheticFundus.generate(7, 565, 584);
    Set<ImageQuality.Flag> flags = assess(Degrade.scale(s.rgb(), 3f), 565, 584).flags();
    assertTrue(flags.contains(ImageQuality.Flag.OVEREXPOSED), flags.toString());
  }

  @Test
  void anUnderexposedSyntheticFundusIsUnderexposed() {
    Sample s = SyntheticFundus.generate(7, 565, 584);
    Set<ImageQuality.Flag> flags = assess(Degrade.scale(s.rgb(), 0.2f), 565, 584).flags();
    assertTrue(flags.contains(ImageQuality.Flag.UNDEREXPOSED), flags.toString());
  }
}
