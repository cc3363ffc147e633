package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Checks the loader and the FOV estimator on the real DRIVE dataset; skipped when it is absent. Run with
 * {@code mvn test -Dgroups=drive}.
 */
@Tag("drive")
class DriveRealDatasetTest {

  static Path driveRoot() {
    String env = System.getenv("VESSELSEG_DRIVE");
    Path p = env != null && !env.isBlank() ? Path.of(env)
        : Path.of(System.getProperty("vesselseg.checkout", "."), "..", "shared", "datasets", "DRIVE");
    Assumptions.assumeTrue(Files.isDirectory(p) && DriveDataset.looksLikeDrive(p),
        "DRIVE not found at " + p.toAbsolutePath().normalize()
            + "; set VESSELSEG_DRIVE or place it at ../shared/datasets/DRIVE");
    return p;
  }

  @Test
  void loadsBothSplits() {
    Path root = driveRoot();
    List<Sample> training = DriveDataset.load(root, "training");
    assertEquals(20, training.size());
    assertEquals("21_training", training.get(0).id());
    assertEquals("40_training", training.get(19).id());
    double minIou = 1;
    double vesselSum = 0;
    for (Sample s : training) {
      assertEquals(565, s.width());
      assertEquals(584, s.height());
      assertNull(s.vessel2());
      int fov = 0;
      int vessel = 0;
      for (int i = 0; i < s.pixels(); i++) {
        fov += s.fov()[i];
        vessel += s.vessel()[i] & s.fov()[i];
      }
      double fovFraction = (double) fov / s.pixels();
      double vesselFraction = (double) vessel / fov;
      assertTrue(fovFraction > 0.6 && fovFraction < 0.75, s.id() + " fov fraction " + fovFraction);
      // per image roughly 0.08-0.16 (24_training has about 0.168); the mean is about 0.12-0.13
      assertTrue(vesselFraction > 0.07 && vesselFraction < 0.18, s.id() + " vessel fraction " + vesselFraction);
      vesselSum += vesselFraction;
      double iou = FovEstimatorTest.iou(FovEstimator.estimate(s.rgb(), s.width(), s.height()), s.fov());
      minIou = Math.min(minIou, iou);
    }
    double vesselMean = vesselSum / training.size();
    System.out.printf("DRIVE training: mean vessel fraction in FOV %.4f, FOV estimator min IoU vs official masks %.4f%n",
        vesselMean, minIou);
    assertTrue(vesselMean > 0.08 && vesselMean < 0.16, "mean vessel fraction " + vesselMean);
    assertTrue(minIou > 0.95, "FOV estimate IoU " + minIou);

    List<Sample> test = DriveDataset.load(root, "test");
    assertEquals(20, test.size());
    assertEquals("01_test", test.get(0).id());
    for (Sample s : test) {
      assertNotNull(s.vessel2(), s.id());
      // the 2nd_manual GIFs have a palette that is not index = grey; decoded right, the observers agree well
      int both = 0;
      int sum = 0;
      for (int i = 0; i < s.pixels(); i++) {
        both += s.vessel()[i] & s.vessel2()[i];
        sum += s.vessel()[i] + s.vessel2()[i];
      }
      double dice = 2.0 * both / sum;
      assertTrue(dice > 0.7, s.id() + " observer agreement (Dice) " + dice);
    }
  }
}
