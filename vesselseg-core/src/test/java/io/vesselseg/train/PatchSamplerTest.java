package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.PatchSampler;
import io.vesselseg.data.Sample;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PatchSamplerTest {

  /** An image whose red channel encodes its own label, so any geometric mix-up between x and y shows. */
  private static Sample labelledByRed(int w, int h) {
    float[] rgb = new float[3 * w * h];
    byte[] vessel = new byte[w * h];
    byte[] fov = new byte[w * h];
    Random r = new Random(3);
    for (int i = 0; i < w * h; i++) {
      vessel[i] = (byte) (r.nextInt(5) == 0 ? 1 : 0);
      rgb[i] = vessel[i] == 1 ? 0.9f : 0.1f;
      rgb[w * h + i] = (i % w) / (float) w;
      rgb[2 * w * h + i] = (i / w) / (float) h;
      fov[i] = 1;
    }
    return new Sample("red", w, h, rgb, vessel, null, fov, false);
  }

  /** Red equals the label exactly, so resampling with one set of weights must give red == soft label. */
  private static Sample redIsLabel(int w, int h) {
    Sample src = labelledByRed(w, h);
    float[] rgb = src.rgb().clone();
    for (int i = 0; i < w * h; i++) {
      rgb[i] = src.vessel()[i];
    }
    return new Sample("red01", w, h, rgb, src.vessel(), null, src.fov(), false);
  }

  @Test
  void augmentedPatchesKeepImageAndLabelAligned() {
    PatchSampler s = new PatchSampler(List.of(labelledByRed(70, 50)), 32,
        new PatchSampler.Augmentation(true, true, false, 0, 0, 0, 0, 0));
    int b = 8;
    float[] x = new float[b * 3 * 32 * 32];
    float[] y = new float[b * 32 * 32];
    s.fill(new Random(1), x, y, b);
    for (int k = 0; k < b; k++) {
      for (int i = 0; i < 32 * 32; i++) {
        float red = x[k * 3 * 32 * 32 + i];
        assertEquals(red > 0.5f ? 1f : 0f, y[k * 32 * 32 + i], "patch " + k + " pixel " + i);
      }
    }
  }

  @Test
  void anyAngleRotationResamplesImageAndLabelWithTheSameWeights() {
    Sample s = redIsLabel(70, 50);
    PatchSampler sampler = new PatchSampler(List.of(s), 32,
        new PatchSampler.Augmentation(true, false, true, 0.1f, 0, 0, 0, 0));
    int b = 8;
    float[] x = new float[b * 3 * 32 * 32];
    float[] y = new float[b * 32 * 32];
    sampler.fill(new Random(4), x, y, b);
    int soft = 0;
    for (int k = 0; k < b; k++) {
      for (int i = 0; i < 32 * 32; i++) {
        float label = y[k * 32 * 32 + i];
        assertEquals(label, x[k * 3 * 32 * 32 + i], 1e-5, "patch " + k + " pixel " + i);
        soft += label > 0.01f && label < 0.99f ? 1 : 0;
      }
    }
    assertTrue(soft > b * 32, "off-grid angles interpolate labels (soft borders), found " + soft);
  }

  @Test
  void elasticWarpResamplesImageAndLabelWithTheSameWeights() {
    Sample s = redIsLabel(90, 80);
    PatchSampler warped = new PatchSampler(List.of(s), 48,
        new PatchSampler.Augmentation(true, true, false, 0, 0, 0, 0, 2f));
    PatchSampler plain = new PatchSampler(List.of(s), 48,
        new PatchSampler.Augmentation(true, true, false, 0, 0, 0, 0, 1e-9f));
    int b = 8;
    int pp = 48 * 48;
    float[] x = new float[b * 3 * pp];
    float[] y = new float[b * pp];
    float[] x0 = new float[b * 3 * pp];
    float[] y0 = new float[b * pp];
    warped.fill(new Random(5), x, y, b);
    plain.fill(new Random(5), x0, y0, b);
    int soft = 0;
    int moved = 0;
    for (int k = 0; k < b; k++) {
      for (int i = 0; i < pp; i++) {
        float label = y[k * pp + i];
        assertTrue(label >= 0 && label <= 1, "label " + label);
        assertEquals(label, x[k * 3 * pp + i], 1e-5, "patch " + k + " pixel " + i);
        soft += label > 0.01f && label < 0.99f ? 1 : 0;
        float unwarped = y0[k * pp + i];
        assertTrue(Math.min(unwarped, 1 - unwarped) < 1e-4, "a warp of ~0 keeps quarter turns exact: " + unwarped);
        moved += Math.abs(label - unwarped) > 0.01f ? 1 : 0;
      }
    }
    assertTrue(soft > b * 48, "the warp lands between pixels (soft labels), found " + soft);
    assertTrue(moved > b * pp / 10, "the warp moves the content, changed " + moved);
  }

  @Test
  void augmentationNamesAreChecked() {
    assertEquals(PatchSampler.Augmentation.basic(), PatchSampler.Augmentation.named("basic"));
    var e = assertThrows(IllegalArgumentException.class, () -> PatchSampler.Augmentation.named("heavy"));
    assertTrue(e.getMessage().contains("basic, strong, elastic, none"), e.getMessage());
  }

  @Test
  void sameSeedSamePatches() {
    PatchSampler s = new PatchSampler(List.of(labelledByRed(70, 50)), 32,
        PatchSampler.Augmentation.basic());
    float[] x1 = new float[4 * 3 * 32 * 32];
    float[] x2 = new float[x1.length];
    float[] y1 = new float[4 * 32 * 32];
    float[] y2 = new float[y1.length];
    s.fill(new Random(9), x1, y1, 4);
    s.fill(new Random(9), x2, y2, 4);
    assertArrayEquals(x1, x2);
    assertArrayEquals(y1, y2);
  }

  @Test
  void imagesSmallerThanThePatchArePaddedWithZeros() {
    PatchSampler s = new PatchSampler(List.of(labelledByRed(20, 10)), 32, PatchSampler.Augmentation.none());
    float[] x = new float[3 * 32 * 32];
    float[] y = new float[32 * 32];
    s.fill(new Random(2), x, y, 1);
    assertEquals(0f, x[0]);
    assertEquals(0f, y[0]);
    double sum = 0;
    for (float v : y) {
      sum += v;
    }
    assertEquals(sum, countVessels(labelledByRed(20, 10)), 1e-9, "every label pixel lands in the patch");
  }

  private static double countVessels(Sample s) {
    double n = 0;
    for (byte b : s.vessel()) {
      n += b;
    }
    return n;
  }
}
