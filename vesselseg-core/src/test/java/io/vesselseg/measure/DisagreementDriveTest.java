package io.vesselseg.measure;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.Segmentation;
import io.vesselseg.VesselSegmenter;
import io.vesselseg.data.DriveDataset;
import io.vesselseg.data.Sample;
import io.vesselseg.data.StareDataset;
import io.vesselseg.viz.Overlay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The out-of-distribution flag: the built-in ensemble's member disagreement on the 20 DRIVE training
 * photographs (none may be flagged) and on degraded copies of them that the pixel-based flags let through;
 * prints the figures {@link ImageQuality#MAX_DISAGREEMENT} was chosen from, and (for information only, not used
 * to choose) on DRIVE test and STARE. Run with {@code mvn test -Dgroups=drive -Dtest=DisagreementDriveTest}
 * (about 5 minutes on 2 cores).
 */
@Tag("drive")
class DisagreementDriveTest {

  private record Copy(String name, UnaryOperator<float[]> f) {}

  @Test
  void trainingPhotographsAreInDistributionAndDegradedOnesAreNot() {
    Path drive = ImageQualityDriveTest.driveRoot();
    List<Copy> copies = List.of(new Copy("original", x -> x),
        new Copy("noise 0.10", x -> noise(x, 0.10f)),
        new Copy("gamma 3", x -> gamma(x, 3)),
        new Copy("contrast 0.3", x -> contrast(x, 0.3f)),
        new Copy("R<->B swap", DisagreementDriveTest::swapRedBlue));
    try (VesselSegmenter seg = VesselSegmenter.builtIn()) {
      List<List<Double>> d = new ArrayList<>();
      copies.forEach(c -> d.add(new ArrayList<>()));
      for (Sample s : DriveDataset.load(drive, "training")) {
        for (int c = 0; c < copies.size(); c++) {
          d.get(c).add(disagreement(seg, copies.get(c).f().apply(s.rgb()), s.width(), s.height()));
        }
      }
      for (int c = 0; c < copies.size(); c++) {
        print(copies.get(c).name(), d.get(c));
      }
      print("DRIVE test", others(seg, DriveDataset.load(drive, "test")));
      Path root = drive.getParent();
      if (Files.isDirectory(root.resolve("STARE"))) {
        print("STARE all", others(seg, StareDataset.load(root.resolve("STARE"), "all")));
      }
      for (double v : d.get(0)) {
        assertFalse(v > ImageQuality.MAX_DISAGREEMENT, "a DRIVE training photograph flagged: " + d.get(0));
      }
      for (double v : d.get(1)) {
        assertTrue(v > ImageQuality.MAX_DISAGREEMENT, "a noisy copy not flagged: " + d.get(1));
      }
    }
  }

  private static List<Double> others(VesselSegmenter seg, List<Sample> samples) {
    List<Double> out = new ArrayList<>();
    for (Sample s : samples) {
      out.add(disagreement(seg, s.rgb(), s.width(), s.height()));
    }
    return out;
  }

  private static double disagreement(VesselSegmenter seg, float[] chw, int w, int h) {
    Segmentation s = seg.segmentWithUncertainty(Overlay.photo(chw, w, h), VesselSegmenter.Tta.NONE);
    return s.disagreement();
  }

  private static void print(String name, List<Double> v) {
    List<Double> sorted = v.stream().sorted().toList();
    long flagged = v.stream().filter(x -> x > ImageQuality.MAX_DISAGREEMENT).count();
    System.out.printf(Locale.ROOT, "%-14s n=%2d  min %.4f  median %.4f  max %.4f  flagged %d%n", name, v.size(),
        sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), flagged);
  }

  static float[] noise(float[] chw, float sigma) {
    java.util.Random r = new java.util.Random(7);
    float[] out = new float[chw.length];
    for (int i = 0; i < chw.length; i++) {
      out[i] = Math.min(1f, Math.max(0f, chw[i] + sigma * (float) r.nextGaussian()));
    }
    return out;
  }

  static float[] gamma(float[] chw, double g) {
    float[] out = new float[chw.length];
    for (int i = 0; i < chw.length; i++) {
      out[i] = (float) Math.pow(chw[i], g);
    }
    return out;
  }

  static float[] contrast(float[] chw, float k) {
    double mean = 0;
    for (float v : chw) {
      mean += v;
    }
    mean /= chw.length;
    float[] out = new float[chw.length];
    for (int i = 0; i < chw.length; i++) {
      out[i] = (float) Math.min(1, Math.max(0, mean + k * (chw[i] - mean)));
    }
    return out;
  }

  static float[] swapRedBlue(float[] chw) {
    int n = chw.length / 3;
    float[] out = chw.clone();
    System.arraycopy(chw, 0, out, 2 * n, n);
    System.arraycopy(chw, 2 * n, out, 0, n);
    return out;
  }
}
