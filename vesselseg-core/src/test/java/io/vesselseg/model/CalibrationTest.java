package io.vesselseg.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import org.junit.jupiter.api.Test;

class CalibrationTest {

  private static double logit(double p) {
    return Math.log(p / (1 - p));
  }

  @Test
  void theMedianFovPixelMovesToTheOffsetAndTheOrderWithinTheImageStays() {
    float[] p = {0.01f, 0.02f, 0.05f, 0.9f, 0.6f, 0.99f};
    byte[] fov = {1, 1, 1, 1, 1, 0};
    float[] q = p.clone();
    new Calibration(-6).apply(q, fov);
    // FOV values 0.01 0.02 0.05 0.6 0.9: median 0.05, so every logit moves by -6 - logit(0.05)
    double shift = -6 - logit(0.05);
    for (int i = 0; i < p.length; i++) {
      assertEquals(logit(p[i]) + shift, logit(q[i]), 1e-4, "pixel " + i);
    }
    assertEquals(-6, logit(q[2]), 1e-4);
    for (int i = 0; i < p.length; i++) {
      for (int j = 0; j < p.length; j++) {
        assertEquals(Float.compare(p[i], p[j]), Float.compare(q[i], q[j]), "order of " + i + ", " + j);
      }
    }
  }

  @Test
  void twoImagesWhoseBackgroundsDifferAreBroughtToOneScale() {
    byte[] fov = {1, 1, 1};
    float[] clear = {0.01f, 0.02f, 0.7f};
    float[] hazy = {0.05f, 0.10f, 0.7f};
    Calibration c = new Calibration(-5);
    c.apply(clear, fov);
    c.apply(hazy, fov);
    assertEquals(clear[1], hazy[1], 1e-6); // both medians at sigmoid(-5)
    assertTrue(hazy[2] < clear[2], "the hazy image's vessel counts for less once its background is aligned");
  }

  @Test
  void noneAndAnEmptyFovLeaveTheMapAlone() {
    float[] p = {0.2f, 0.4f};
    Calibration.NONE.apply(p, new byte[] {1, 1});
    new Calibration(-6).apply(p, new byte[] {0, 0});
    assertArrayEquals(new float[] {0.2f, 0.4f}, p);
    assertFalse(Calibration.NONE.active());
  }

  @Test
  void metadataRoundTripsAndNonsenseIsRefusedWithWhatWasExpected() {
    Calibration c = new Calibration(-6.5);
    assertEquals(c, Calibration.parse(c.toJson(), "x"));
    assertEquals(Calibration.NONE, Calibration.parse(null, "x"));
    for (String bad : new String[] {"{\"type\":\"other\",\"offset\":1}", "{\"type\":\"fov-median-logit\"}",
        "not json", "{\"type\":\"fov-median-logit\",\"offset\":\"a\"}"}) {
      var e = assertThrows(VesselsegException.Model.class, () -> Calibration.parse(bad, "model file m"));
      assertTrue(e.getMessage().startsWith("model file m: calibration"), e.getMessage());
      assertTrue(e.getMessage().contains("expected {\"type\":\"fov-median-logit\""), e.getMessage());
    }
  }
}
