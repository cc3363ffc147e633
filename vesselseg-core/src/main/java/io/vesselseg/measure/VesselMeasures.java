package io.vesselseg.measure;

import io.vesselseg.VesselsegException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures a vessel mask inside its FOV ({@link VesselMeasurements} lists the figures). Pure Java, no natives.
 *
 * <p>The skeleton is {@link Skeleton#thin}'s. It is cut into segments at its end and branch pixels; each
 * segment is a path of pixels in order. <b>Calibre</b>: at each inner pixel of a segment, the mask is scanned
 * from the pixel centre along the normal of the local direction (the chord of the path 3 pixels either side),
 * in 0.05 px steps through the bilinearly interpolated mask, until it falls below 0.5 on both sides; the width
 * is the distance between the two exits. A straight digital vessel of w rows gives w exactly, whether w
 * is odd or even, where 2·d − 1 from the distance transform d gives w − 1 for even w. Where a side runs
 * further than d + 1 px (d: Euclidean distance from the pixel to the nearest background pixel, so the scan ran
 * along a vessel, at a junction or a sharp bend) the width is 2·d − 1 instead. <b>Tortuosity</b>: a segment's
 * arc length is that of the polyline through every 5th pixel of its path and its last pixel (an 8-step chain
 * length over-counts oblique curves by up to 8%, 5.5% on a circle); its chord is the straight distance
 * between its ends; segments shorter than {@link #MIN_SEGMENT} px are left out.
 */
public final class VesselMeasures {

  /** Shortest segment (arc length, px) that tortuosity is taken over. */
  public static final double MIN_SEGMENT = 10;
  private static final int POLY_STEP = 5;
  private static final int TANGENT_HALF = 3;
  private static final double SCAN_STEP = 0.05;

  private VesselMeasures() {}

  /**
   * Measures {@code vessels} inside {@code fov}, both 0/1 row-major {@code width * height}.
   *
   * @param umPerPixel the scale in µm per pixel, or NaN when unknown (the µm fields are then NaN)
   * @throws VesselsegException.Data when a mask's length is not {@code width * height}
   */
  public static VesselMeasurements measure(byte[] vessels, byte[] fov, int width, int height, double umPerPixel) {
    int n = width * height;
    if (vessels.length != n || fov.length != n) {
      throw new VesselsegException.Data("the vessel mask has " + vessels.length + " pixels and the FOV mask "
          + fov.length + ", expected " + width + "x" + height + " = " + n + " each: a vessel mask and its FOV "
          + "must be the same size as the photograph");
    }
    if (!(umPerPixel > 0) && !Double.isNaN(umPerPixel)) {
      throw new VesselsegException.Usage("µm per pixel " + umPerPixel + ": expected a positive number");
    }
    byte[] v = new byte[n];
    long fovPx = 0;
    long vesselPx = 0;
    for (int i = 0; i < n; i++) {
      fovPx += fov[i] != 0 ? 1 : 0;
      v[i] = (byte) (vessels[i] != 0 && fov[i] != 0 ? 1 : 0);
      vesselPx += v[i];
    }
    if (fovPx == 0) {
      return VesselMeasurements.noFov(umPerPixel);
    }
    byte[] skel = Skeleton.thin(v, width, height);
    double length = 0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        if (skel[y * width + x] != 0) {
          for (int k = 2; k <= 5; k++) { // E, SE, S, SW: each edge once
            if (Skeleton.edge(skel, width, height, x, y, k)) {
              length += (k % 2 == 1) ? Math.sqrt(2) : 1;
            }
          }
        }
      }
    }
    SkeletonGraph graph = SkeletonGraph.of(skel, width, height);
    float[] dist = distanceToBackground(v, width, height);
    List<Double> widths = new ArrayList<>();
    double arcSum = 0;
    double dfArcSum = 0;
    int counted = 0;
    for (int[] path : graph.paths()) {
      for (int i = 1; i < path.length - 1; i++) {
        widths.add(width(v, width, height, dist, path, i));
      }
      if (!graph.isLoop(path)) {
        double arc = arcLength(path, width);
        double chord = distance(path[0], path[path.length - 1], width);
        if (arc >= MIN_SEGMENT && chord > 0) {
          arcSum += arc;
          dfArcSum += arc * (arc / chord);
          counted++;
        }
      }
    }
    double[] ws = widths.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double median = ws.length == 0 ? Double.NaN
        : ws.length % 2 == 1 ? ws[ws.length / 2] : (ws[ws.length / 2 - 1] + ws[ws.length / 2]) / 2;
    double mean = ws.length == 0 ? Double.NaN : Arrays.stream(ws).average().orElse(Double.NaN);
    FractalDimension.Fit fd = FractalDimension.of(v, width, height);
    return new VesselMeasurements(fovPx, vesselPx, vesselPx / (double) fovPx, length, length / fovPx, median,
        mean, umPerPixel, median * umPerPixel, mean * umPerPixel, graph.branchPoints(), graph.endPoints(), counted,
        counted == 0 ? Double.NaN : dfArcSum / arcSum, fd.dimension(), fd.r2());
  }

  /** Width at {@code path[i]} by the normal scan (class comment). */
  static double width(byte[] v, int w, int h, float[] dist, int[] path, int i) {
    int a = path[Math.max(0, i - TANGENT_HALF)];
    int b = path[Math.min(path.length - 1, i + TANGENT_HALF)];
    double tx = b % w - a % w;
    double ty = b / w - a / w;
    double norm = Math.hypot(tx, ty);
    int p = path[i];
    double d = dist[p];
    if (norm == 0) {
      return 2 * d - 1;
    }
    double nx = -ty / norm;
    double ny = tx / norm;
    double limit = d + 1;
    double s1 = exit(v, w, h, p % w, p / w, nx, ny, limit);
    double s2 = exit(v, w, h, p % w, p / w, -nx, -ny, limit);
    return Double.isNaN(s1) || Double.isNaN(s2) ? 2 * d - 1 : s1 + s2;
  }

  /**
   * Distance from (x, y) along (dx, dy) to where the bilinearly interpolated mask falls below 0.5 (linearly
   * placed between the last two steps); NaN when it runs beyond {@code limit}.
   */
  private static double exit(byte[] v, int w, int h, int x, int y, double dx, double dy, double limit) {
    double prev = 1;
    for (double t = SCAN_STEP; t <= limit; t += SCAN_STEP) {
      double val = bilinear(v, w, h, x + t * dx, y + t * dy);
      if (val < 0.5) {
        return t - SCAN_STEP * (0.5 - val) / (prev - val);
      }
      prev = val;
    }
    return Double.NaN;
  }

  /** The mask (0/1, 0 outside the image) interpolated bilinearly between pixel centres. */
  private static double bilinear(byte[] v, int w, int h, double fx, double fy) {
    int x0 = (int) Math.floor(fx);
    int y0 = (int) Math.floor(fy);
    double ax = fx - x0;
    double ay = fy - y0;
    return (1 - ay) * ((1 - ax) * at(v, w, h, x0, y0) + ax * at(v, w, h, x0 + 1, y0))
        + ay * ((1 - ax) * at(v, w, h, x0, y0 + 1) + ax * at(v, w, h, x0 + 1, y0 + 1));
  }

  private static int at(byte[] v, int w, int h, int x, int y) {
    return x >= 0 && y >= 0 && x < w && y < h ? v[y * w + x] : 0;
  }

  /** Length of the polyline through every {@value #POLY_STEP}th pixel of the path and its last pixel. */
  static double arcLength(int[] path, int w) {
    double len = 0;
    int prev = path[0];
    for (int i = POLY_STEP; i < path.length; i += POLY_STEP) {
      len += distance(prev, path[i], w);
      prev = path[i];
    }
    return len + distance(prev, path[path.length - 1], w);
  }

  private static double distance(int a, int b, int w) {
    return Math.hypot(a % w - b % w, a / w - b / w);
  }

  /**
   * Euclidean distance from each vessel pixel to the nearest background pixel (outside the image counts as
   * background), exact: Felzenszwalb and Huttenlocher's separable algorithm. 0 on background.
   */
  static float[] distanceToBackground(byte[] v, int w, int h) {
    double inf = 1e20;
    double[] g = new double[w * h];
    double[] f = new double[Math.max(w, h) + 2];
    double[] out = new double[Math.max(w, h) + 2];
    for (int x = 0; x < w; x++) { // columns, with a background pixel just outside each end
      f[0] = 0;
      for (int y = 0; y < h; y++) {
        f[y + 1] = v[y * w + x] != 0 ? inf : 0;
      }
      f[h + 1] = 0;
      dt1(f, h + 2, out);
      for (int y = 0; y < h; y++) {
        g[y * w + x] = out[y + 1];
      }
    }
    float[] d = new float[w * h];
    for (int y = 0; y < h; y++) { // rows, the same
      f[0] = 0;
      for (int x = 0; x < w; x++) {
        f[x + 1] = g[y * w + x];
      }
      f[w + 1] = 0;
      dt1(f, w + 2, out);
      for (int x = 0; x < w; x++) {
        d[y * w + x] = (float) Math.sqrt(out[x + 1]);
      }
    }
    return d;
  }

  /** 1-D squared distance transform of sampled function f over n points (lower envelope of parabolas). */
  private static void dt1(double[] f, int n, double[] out) {
    int[] vtx = new int[n];
    double[] z = new double[n + 1];
    int k = 0;
    vtx[0] = 0;
    z[0] = Double.NEGATIVE_INFINITY;
    z[1] = Double.POSITIVE_INFINITY;
    for (int q = 1; q < n; q++) {
      double s;
      while (true) {
        int p = vtx[k];
        s = ((f[q] + (double) q * q) - (f[p] + (double) p * p)) / (2.0 * q - 2.0 * p);
        if (s <= z[k] && k > 0) {
          k--;
        } else {
          break;
        }
      }
      k++;
      vtx[k] = q;
      z[k] = s;
      z[k + 1] = Double.POSITIVE_INFINITY;
    }
    k = 0;
    for (int q = 0; q < n; q++) {
      while (z[k + 1] < q) {
        k++;
      }
      double dq = q - vtx[k];
      out[q] = dq * dq + f[vtx[k]];
    }
  }
}
