package io.vesselseg.measure;

/**
 * The measurements of one vessel mask inside its field of view (FOV); {@link VesselMeasures#measure} makes
 * them. A field that cannot be measured (no FOV, no vessels, no scale given, no segment long enough) is
 * {@code NaN}. Lengths and widths are in pixels of the mask unless the name says µm.
 *
 * @param fovPixels            pixels inside the FOV
 * @param vesselPixels         vessel pixels inside the FOV
 * @param areaDensity          vesselPixels / fovPixels
 * @param skeletonLength       length of the skeleton, px: 1 per horizontal or vertical step, √2 per diagonal
 * @param lengthDensity        skeletonLength / fovPixels (1/px)
 * @param calibreMedian        median vessel width along the skeleton, px
 * @param calibreMean          mean vessel width along the skeleton, px
 * @param umPerPixel           the scale the caller gave, µm per pixel (NaN when none)
 * @param calibreMedianUm      calibreMedian × umPerPixel
 * @param calibreMeanUm        calibreMean × umPerPixel
 * @param branchPoints         branch points (groups of touching skeleton pixels with 3 or more edges)
 * @param endPoints            end points (skeleton pixels with one edge)
 * @param segments             vessel segments between branch/end points of at least
 *                             {@link VesselMeasures#MIN_SEGMENT} px, the ones tortuosity is taken over
 * @param tortuosity           length-weighted mean distance factor (arc length / chord) of those segments
 * @param fractalDimension     box-counting dimension of the vessel mask (slope of log N(s) over log 1/s)
 * @param fractalFitR2         R² of that least-squares fit
 */
public record VesselMeasurements(
    long fovPixels,
    long vesselPixels,
    double areaDensity,
    double skeletonLength,
    double lengthDensity,
    double calibreMedian,
    double calibreMean,
    double umPerPixel,
    double calibreMedianUm,
    double calibreMeanUm,
    int branchPoints,
    int endPoints,
    int segments,
    double tortuosity,
    double fractalDimension,
    double fractalFitR2) {

  /** The record of a photograph without a FOV: nothing measured (every figure NaN, every count 0). */
  public static VesselMeasurements noFov(double umPerPixel) {
    double n = Double.NaN;
    return new VesselMeasurements(0, 0, n, n, n, n, n, umPerPixel, n, n, 0, 0, 0, n, n, n);
  }

  /** Column names, in the order of {@link #values()}. */
  public static final java.util.List<String> COLUMNS = java.util.List.of("fov_pixels", "vessel_pixels",
      "area_density", "skeleton_length_px", "length_density_per_px", "calibre_median_px", "calibre_mean_px",
      "um_per_pixel", "calibre_median_um", "calibre_mean_um", "branch_points", "end_points", "segments",
      "tortuosity", "fractal_dimension", "fractal_fit_r2");

  /** The fields as numbers, in the order of {@link #COLUMNS}. */
  public java.util.List<Number> values() {
    return java.util.List.of(fovPixels, vesselPixels, areaDensity, skeletonLength, lengthDensity, calibreMedian,
        calibreMean, umPerPixel, calibreMedianUm, calibreMeanUm, branchPoints, endPoints, segments, tortuosity,
        fractalDimension, fractalFitR2);
  }
}
