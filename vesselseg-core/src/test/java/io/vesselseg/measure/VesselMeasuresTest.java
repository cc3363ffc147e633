package io.vesselseg.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The measurements on generated masks of known geometry. */
class VesselMeasuresTest {

  private static final int W = 300;
  private static final int H = 300;

  private static byte[] all(int n) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) 1);
    return b;
  }

  /** Pixels whose centre lies within w/2 of the segment from (x0,y0) to (x1,y1), plus what {@code m} had. */
  private static void bar(byte[] m, double x0, double y0, double x1, double y1, double width) {
    double lx = x1 - x0;
    double ly = y1 - y0;
    double len2 = lx * lx + ly * ly;
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        double t = Math.max(0, Math.min(1, ((x - x0) * lx + (y - y0) * ly) / len2));
        double dx = x - (x0 + t * lx);
        double dy = y - (y0 + t * ly);
        if (dx * dx + dy * dy <= width * width / 4) {
          m[y * W + x] = 1;
        }
      }
    }
  }

  @ParameterizedTest(name = "straight vessel of width {0} px at {1} degrees")
  @CsvSource({"3,0", "4,0", "5,0", "6,0", "8,0", "11,0", "4,20", "7,20", "6,45", "9,45"})
  void calibreOfAStraightVesselIsItsWidth(int width, double degrees) {
    byte[] m = new byte[W * H];
    double a = Math.toRadians(degrees);
    double c = Math.cos(a) * 110;
    double s = Math.sin(a) * 110;
    if (degrees == 0) {
      // a band of exactly `width` rows, flat ends
      for (int y = 150 - width / 2; y < 150 - width / 2 + width; y++) {
        for (int x = 40; x < 260; x++) {
          m[y * W + x] = 1;
        }
      }
    } else {
      bar(m, 150 - c, 150 - s, 150 + c, 150 + s, width);
    }
    VesselMeasurements r = VesselMeasures.measure(m, all(W * H), W, H, 20);
    System.out.printf("straight w=%d at %.0f deg: median %.3f mean %.3f px, ends %d, branches %d, DF %.4f%n",
        width, degrees, r.calibreMedian(), r.calibreMean(), r.endPoints(), r.branchPoints(), r.tortuosity());
    assertEquals(width, r.calibreMedian(), 0.5, "median calibre");
    assertEquals(width, r.calibreMean(), 0.5, "mean calibre");
    assertEquals(20 * r.calibreMedian(), r.calibreMedianUm(), 1e-9);
    assertEquals(2, r.endPoints());
    assertEquals(0, r.branchPoints());
    assertEquals(1.0, r.tortuosity(), 0.01);
  }

  @Test
  void distanceFactorOfACircularArcIsArcOverChord() {
    double r0 = 100;
    double span = Math.toRadians(120);
    byte[] m = new byte[W * H];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        double dx = x - 150;
        double dy = y - 230;
        double ang = Math.atan2(-dy, dx); // 0 = east, counter-clockwise, y up
        if (Math.abs(Math.hypot(dx, dy) - r0) <= 1.5 && ang >= Math.PI / 2 - span / 2 && ang <= Math.PI / 2 + span / 2) {
          m[y * W + x] = 1;
        }
      }
    }
    VesselMeasurements r = VesselMeasures.measure(m, all(W * H), W, H, Double.NaN);
    double exact = span / (2 * Math.sin(span / 2));
    System.out.printf("arc 120 deg, radius 100: DF %.4f, exact %.4f, segments %d, calibre %.3f%n",
        r.tortuosity(), exact, r.segments(), r.calibreMedian());
    assertEquals(1, r.segments());
    assertEquals(exact, r.tortuosity(), 0.01 * exact);
    assertEquals(3, r.calibreMedian(), 0.5);
  }

  @Test
  void fractalDimensionOfASierpinskiCarpet() {
    int side = 729; // 3^6
    byte[] m = new byte[side * side];
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        boolean in = true;
        for (int a = x, b = y; a > 0 || b > 0; a /= 3, b /= 3) {
          if (a % 3 == 1 && b % 3 == 1) {
            in = false;
            break;
          }
        }
        m[y * side + x] = (byte) (in ? 1 : 0);
      }
    }
    FractalDimension.Fit fit = FractalDimension.of(m, side, side);
    double exact = Math.log(8) / Math.log(3);
    System.out.printf("Sierpinski carpet 729 px: D %.4f (exact %.4f), R2 %.5f, sizes %s, counts %s%n",
        fit.dimension(), exact, fit.r2(), Arrays.toString(fit.sizes()), Arrays.toString(fit.counts()));
    assertEquals(exact, fit.dimension(), 0.05);
    // a filled square and a line, 512 px (boxes tile it exactly): 2 and 1
    assertEquals(2, FractalDimension.of(all(512 * 512), 512, 512).dimension(), 1e-9);
    byte[] line = new byte[512 * 512];
    for (int x = 0; x < 512; x++) {
      line[300 * 512 + x] = 1;
    }
    assertEquals(1, FractalDimension.of(line, 512, 512).dimension(), 1e-9);
  }

  @Test
  void branchAndEndPointsOfAY() {
    byte[] m = new byte[W * H];
    for (double deg : new double[] {90, 210, 330}) {
      double a = Math.toRadians(deg);
      bar(m, 150, 150, 150 + 100 * Math.cos(a), 150 - 100 * Math.sin(a), 5);
    }
    VesselMeasurements r = VesselMeasures.measure(m, all(W * H), W, H, Double.NaN);
    System.out.printf("Y of width 5: branches %d, ends %d, segments %d, calibre %.3f%n", r.branchPoints(),
        r.endPoints(), r.segments(), r.calibreMedian());
    assertEquals(1, r.branchPoints());
    assertEquals(3, r.endPoints());
    assertEquals(3, r.segments());
    assertEquals(5, r.calibreMedian(), 0.5);
  }

  @Test
  void densitiesCountOnlyInsideTheFov() {
    byte[] m = new byte[W * H];
    for (int x = 0; x < W; x++) {
      m[150 * W + x] = 1;
    }
    byte[] fov = new byte[W * H];
    for (int i = 0; i < W * H / 2; i++) {
      fov[i] = 1; // upper half only: rows 0..149; the line at row 150 is outside
    }
    fov[150 * W + 10] = 1;
    VesselMeasurements r = VesselMeasures.measure(m, fov, W, H, Double.NaN);
    assertEquals(W * H / 2 + 1, r.fovPixels());
    assertEquals(1, r.vesselPixels());
    assertTrue(Double.isNaN(r.calibreMedianUm()));
    VesselMeasurements none = VesselMeasures.measure(m, new byte[W * H], W, H, Double.NaN);
    assertEquals(0, none.fovPixels());
    assertTrue(Double.isNaN(none.areaDensity()), "no FOV is 'not measured', not zero vessels");
  }

  @Test
  void aMaskOfAnotherSizeThanItsFovIsOneClearError() {
    var e = assertThrows(VesselsegException.Data.class,
        () -> VesselMeasures.measure(new byte[W * H], new byte[W * (H - 1)], W, H, Double.NaN));
    assertTrue(e.getMessage().contains("must be the same size"), e.getMessage());
    assertTrue(e.getMessage().contains("300x300"), e.getMessage());
  }
}
