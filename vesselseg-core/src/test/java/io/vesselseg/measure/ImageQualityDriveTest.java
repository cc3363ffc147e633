package io.vesselseg.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.DriveDataset;
import io.vesselseg.data.FovEstimator;
import io.vesselseg.data.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The quality flags on the DRIVE training photographs (none may fire) and on degraded copies of them (blurred,
 * brightened, darkened: each must fire); prints the figures the thresholds were chosen from. Skipped when
 * DRIVE is absent. Run with {@code mvn test -Dgroups=drive -Dtest=ImageQualityDriveTest}.
 */
@Tag("drive")
class ImageQualityDriveTest {

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
  void trainingPhotographsRaiseNoFlagAndDegradedCopiesDo() {
    List<Sample> training = DriveDataset.load(driveRoot(), "training");
    String[] names = {"original", "blur s=2", "blur s=3", "bright x2.5", "dark x0.25"};
    double[][] min = new double[names.length][4];
    double[][] max = new double[names.length][4];
    for (double[] row : min) {
      java.util.Arrays.fill(row, Double.POSITIVE_INFINITY);
    }
    for (double[] row : max) {
      java.util.Arrays.fill(row, Double.NEGATIVE_INFINITY);
    }
    int[][] flagged = new int[names.length][1];
    for (Sample s : training) {
      float[][] copies = {s.rgb(), Degrade.blur(s.rgb(), s.width(), s.height(), 2),
          Degrade.blur(s.rgb(), s.width(), s.height(), 3), Degrade.scale(s.rgb(), 2.5f),
          Degrade.scale(s.rgb(), 0.25f)};
      for (int c = 0; c < copies.length; c++) {
        byte[] fov = FovEstimator.estimate(copies[c], s.width(), s.height());
        ImageQuality q = ImageQuality.assess(copies[c], fov, s.width(), s.height());
        double[] f = {q.redOverGreen(), q.meanLuminance(), q.whiteFraction(), q.laplacianVariance()};
        for (int k = 0; k < 4; k++) {
          min[c][k] = Math.min(min[c][k], f[k]);
          max[c][k] = Math.max(max[c][k], f[k]);
        }
        Set<ImageQuality.Flag> expected = switch (c) {
          case 0 -> Set.of();
          case 1, 2 -> Set.of(ImageQuality.Flag.BLURRED);
          case 3 -> Set.of(ImageQuality.Flag.OVEREXPOSED);
          default -> Set.of(ImageQuality.Flag.UNDEREXPOSED);
        };
        if (c == 0) {
          assertEquals(Set.of(), q.flags(), s.id() + " " + q);
        } else if (q.flags().containsAll(expected)) {
          flagged[c][0]++;
        }
      }
    }
    System.out.println("copy         | R/G          | luminance    | white        | Laplacian var | flagged");
    for (int c = 0; c < names.length; c++) {
      System.out.printf(Locale.ROOT, "%-12s | %.2f..%.2f | %.3f..%.3f | %.4f..%.4f | %.1f..%.1f | %d/20%n",
          names[c], min[c][0], max[c][0], min[c][1], max[c][1], min[c][2], max[c][2], min[c][3], max[c][3],
          flagged[c][0]);
    }
    for (int c = 1; c < names.length; c++) {
      assertTrue(flagged[c][0] == training.size(), names[c] + ": " + flagged[c][0] + "/20 flagged");
    }
  }
}
