package io.vesselseg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.infer.Models;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Precision;
import io.vesselseg.model.Tta;
import io.vesselseg.viz.Overlay;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public API on the shipped model: what it returns, that it matches the engine, and how it fails. */
class VesselSegmenterTest {

  private static final Sample PHOTO = SyntheticFundus.generate(11, 200, 180);
  private static VesselSegmenter segmenter;

  @BeforeAll
  static void open() {
    segmenter = VesselSegmenter.builtIn(VesselSegmenter.Options.defaults().withDevice("cpu"));
  }

  @AfterAll
  static void close() {
    segmenter.close();
  }

  private static BufferedImage photo() {
    return Overlay.photo(PHOTO.rgb(), PHOTO.width(), PHOTO.height());
  }

  @Test
  void segmentationIsConsistentWithItsThreshold() {
    Segmentation s = segmenter.segment(photo());
    assertEquals(200, s.width());
    assertEquals(180, s.height());
    assertEquals(segmenter.threshold(), s.threshold());
    assertTrue(s.fovArea() > 0.3 * 200 * 180, "a synthetic fundus has a large FOV: " + s.fovArea());
    long vessels = 0;
    for (int i = 0; i < s.mask().length; i++) {
      float p = s.probabilities()[i];
      assertTrue(p >= 0 && p <= 1, "probability " + p);
      boolean expected = s.fov()[i] == 1 && p >= s.threshold();
      assertEquals(expected ? 1 : 0, s.mask()[i], "pixel " + i);
      vessels += s.mask()[i];
    }
    assertEquals(vessels / (double) s.fovArea(), s.vesselDensity(), 1e-12);
    assertTrue(s.vesselDensity() > 0.01 && s.vesselDensity() < 0.5, "density " + s.vesselDensity());
    assertEquals(64, segmenter.modelSha256().length());
    for (BufferedImage img : new BufferedImage[] {s.maskImage(), s.probabilityImage(), s.fovImage(),
        s.overlayImage()}) {
      assertEquals(200, img.getWidth());
      assertEquals(180, img.getHeight());
    }
    var maskRaster = s.maskImage().getRaster();
    var fovRaster = s.fovImage().getRaster();
    var greyRaster = s.probabilityImage().getRaster();
    for (int i = 0; i < s.mask().length; i += 7) {
      int x = i % s.width();
      int y = i / s.width();
      assertEquals(s.mask()[i] * 255, maskRaster.getSample(x, y, 0));
      assertEquals(s.fov()[i] * 255, fovRaster.getSample(x, y, 0));
      assertEquals(Math.round(s.probabilities()[i] * 255), greyRaster.getSample(x, y, 0), 1);
    }
  }

  @Test
  void measurementsAndQualityComeWithTheSegmentation() {
    Segmentation s = segmenter.segment(photo());
    var m = s.measurements(5.0);
    var direct = io.vesselseg.measure.VesselMeasures.measure(s.mask(), s.fov(), 200, 180, 5.0);
    assertEquals(direct, m);
    assertEquals(s.vesselDensity(), m.areaDensity(), 1e-12);
    assertEquals(5 * m.calibreMedian(), m.calibreMedianUm(), 1e-9);
    assertTrue(s.quality().flags().isEmpty(), s.quality().toString());
    BufferedImage grey = new BufferedImage(200, 180, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 180; y++) {
      for (int x = 0; x < 200; x++) {
        grey.setRGB(x, y, 0x808080);
      }
    }
    Segmentation g = segmenter.segment(grey);
    assertTrue(g.quality().flags().contains(io.vesselseg.measure.ImageQuality.Flag.NO_FOV), g.quality().toString());
    assertTrue(Double.isNaN(g.measurements().areaDensity()), "no FOV: not measured, not zero vessels");
  }

  @Test
  void probabilitiesEqualTheEnginesOnTheSamePhotograph() {
    Segmentation s = segmenter.segment(photo());
    var loaded = Models.load(null, "cpu", Precision.FP32);
    try (var net = loaded.network()) {
      net.fuseForInference();
      float[] rgb8 = ImageFiles.toRgb(photo()).chw(); // the photograph as the API saw it: 8 bits a channel
      float[] p = new Predictor(net, Tta.NONE).probabilities(rgb8, PHOTO.width(), PHOTO.height(), s.fov(),
          Models.fovDiameter(loaded, "auto"));
      assertArrayEquals(p, s.probabilities(), 1e-6f);
    }
  }

  @Test
  void aFileAndItsDecodedImageGiveTheSameSegmentation(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("photo.png");
    ImageIO.write(photo(), "png", png.toFile());
    assertArrayEquals(segmenter.segment(photo()).mask(), segmenter.segment(png).mask());
  }

  @Test
  void optionsChangeWhatIsPredicted() {
    var base = VesselSegmenter.Options.defaults().withDevice("cpu");
    Segmentation all = segmenter.segment(photo());
    try (var one = VesselSegmenter.builtIn(base.withMembers(1));
        var flips = VesselSegmenter.builtIn(base.withTta(VesselSegmenter.Tta.FLIPS));
        var fixed = VesselSegmenter.builtIn(base.withThreshold(0.9f))) {
      assertTrue(differ(all.probabilities(), one.segment(photo()).probabilities()), "one member of four");
      assertTrue(differ(all.probabilities(), flips.segment(photo()).probabilities()), "flip averaging");
      var loaded = Models.load(null, "cpu", Precision.FP32, 1);
      loaded.network().close();
      assertEquals(loaded.meta().thresholds().forTta(Tta.FLIPS), flips.threshold(), "the model's own --tta threshold");
      assertNotEquals(loaded.meta().thresholds().forTta(Tta.NONE), flips.threshold());
      assertEquals(0.9f, fixed.threshold());
      assertTrue(fixed.segment(photo()).vesselDensity() < all.vesselDensity());
    }
  }

  @Test
  void aPerCallTtaEqualsAnInstanceOpenedWithIt() {
    try (var flips = VesselSegmenter.builtIn(VesselSegmenter.Options.defaults().withDevice("cpu")
        .withTta(VesselSegmenter.Tta.FLIPS))) {
      Segmentation opened = flips.segment(photo());
      Segmentation perCall = segmenter.segment(photo(), VesselSegmenter.Tta.FLIPS);
      assertArrayEquals(opened.probabilities(), perCall.probabilities(), 1e-6f);
      assertEquals(flips.threshold(), perCall.threshold());
      assertEquals(flips.threshold(), segmenter.threshold(VesselSegmenter.Tta.FLIPS));
      assertNotEquals(segmenter.threshold(), perCall.threshold());
    }
  }

  @Test
  void aBatchEqualsOnePhotographAtATime() {
    // two photographs of one size share a forward pass; the third, of another size, goes alone
    Sample other = SyntheticFundus.generate(12, 200, 180);
    Sample smaller = SyntheticFundus.generate(13, 150, 170);
    List<BufferedImage> photos = List.of(photo(), Overlay.photo(other.rgb(), 200, 180),
        Overlay.photo(smaller.rgb(), 150, 170));
    List<Segmentation> batch = segmenter.segmentAll(photos, VesselSegmenter.Tta.NONE);
    assertEquals(3, batch.size());
    for (int k = 0; k < photos.size(); k++) {
      Segmentation alone = segmenter.segment(photos.get(k));
      assertEquals(alone.width(), batch.get(k).width());
      assertArrayEquals(alone.probabilities(), batch.get(k).probabilities(), 1e-5f, "photograph " + k);
      assertEquals(alone.vesselDensity(), batch.get(k).vesselDensity(), 1e-3, "photograph " + k);
    }
    assertTrue(differ(batch.get(0).probabilities(), batch.get(1).probabilities()), "each keeps its own map");
    assertTrue(segmenter.segmentAll(List.of(), VesselSegmenter.Tta.NONE).isEmpty());
  }

  private static boolean differ(float[] a, float[] b) {
    for (int i = 0; i < a.length; i++) {
      if (Math.abs(a[i] - b[i]) > 1e-4) {
        return true;
      }
    }
    return false;
  }

  @Test
  void tiledSegmentationAgreesWithTheWholePhotograph() {
    Segmentation whole = segmenter.segment(photo());
    try (var tiled = VesselSegmenter.builtIn(VesselSegmenter.Options.defaults().withDevice("cpu").withTile(96))) {
      Segmentation t = tiled.segment(photo());
      double diff = 0;
      long agree = 0;
      for (int i = 0; i < whole.probabilities().length; i++) {
        diff += Math.abs(whole.probabilities()[i] - t.probabilities()[i]);
        agree += whole.mask()[i] == t.mask()[i] ? 1 : 0;
      }
      diff /= whole.probabilities().length;
      assertTrue(differ(whole.probabilities(), t.probabilities()), "96-pixel tiles are not the whole photograph");
      assertTrue(diff < 0.01, "mean |tiled - whole| = " + diff);
      assertTrue(agree > 0.99 * whole.mask().length, "mask agreement " + agree + " of " + whole.mask().length);
    }
    for (int bad : new int[] {-1, 63, 4097}) {
      var e = assertThrows(VesselsegException.Usage.class,
          () -> VesselSegmenter.Options.defaults().withTile(bad));
      assertTrue(e.getMessage().contains("tile " + bad) && e.getMessage().contains("64..4096"), e.getMessage());
    }
  }

  @Test
  void badInputAndMisuseSayWhatToDo(@TempDir Path dir) throws Exception {
    Path notAnImage = Files.writeString(dir.resolve("notes.png"), "not a picture");
    var e = assertThrows(VesselsegException.Data.class, () -> segmenter.segment(notAnImage));
    assertTrue(e.getMessage().contains("notes.png"), e.getMessage());
    var missing = assertThrows(VesselsegException.Usage.class, () -> VesselSegmenter.load(dir.resolve("x")));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    var badMembers = assertThrows(VesselsegException.Usage.class,
        () -> VesselSegmenter.Options.defaults().withMembers(-1));
    assertTrue(badMembers.getMessage().contains("members -1"), badMembers.getMessage());
    var badThreshold = assertThrows(VesselsegException.Usage.class,
        () -> VesselSegmenter.Options.defaults().withThreshold(1.5f));
    assertTrue(badThreshold.getMessage().contains("(0, 1)"), badThreshold.getMessage());
    VesselSegmenter closed = VesselSegmenter.builtIn(VesselSegmenter.Options.defaults().withMembers(1));
    closed.close();
    closed.close();
    var after = assertThrows(IllegalStateException.class, () -> closed.segment(photo()));
    assertTrue(after.getMessage().contains("closed"), after.getMessage());
  }
}
