package io.vesselseg;

import io.vesselseg.data.RgbImage;
import io.vesselseg.measure.ImageQuality;
import io.vesselseg.measure.VesselMeasurements;
import io.vesselseg.measure.VesselMeasures;
import io.vesselseg.viz.Colormap;
import io.vesselseg.viz.Overlay;
import java.awt.image.BufferedImage;

/**
 * The vessels of one photograph, at the photograph's own size. Arrays are row-major, {@code width * height}
 * long, plain Java memory (no native resources); the accessors return the arrays themselves, not copies.
 */
public final class Segmentation {

  private final RgbImage photo;
  private final float[] probabilities;
  private final byte[] mask;
  private final byte[] fov;
  private final float threshold;
  private final long fovArea;
  private final double vesselDensity;
  private final double seconds;
  private final float[] uncertainty;
  private final double disagreement;

  Segmentation(RgbImage photo, float[] probabilities, byte[] mask, byte[] fov, float threshold,
      double seconds) {
    this(photo, probabilities, mask, fov, threshold, seconds, null, null);
  }

  /**
   * With the spreads of {@link io.vesselseg.infer.Predictor#probabilitiesWithSpread} ({@code uncertainty} over
   * members × augmentations, {@code memberSpread} over the members alone; null when not computed).
   */
  Segmentation(RgbImage photo, float[] probabilities, byte[] mask, byte[] fov, float threshold,
      double seconds, float[] uncertainty, float[] memberSpread) {
    this.photo = photo;
    this.uncertainty = uncertainty;
    this.probabilities = probabilities;
    this.mask = mask;
    this.fov = fov;
    this.threshold = threshold;
    this.seconds = seconds;
    long inside = 0;
    long vessels = 0;
    for (int i = 0; i < fov.length; i++) {
      inside += fov[i];
      vessels += mask[i];
    }
    this.fovArea = inside;
    this.vesselDensity = inside == 0 ? 0 : vessels / (double) inside;
    this.disagreement = io.vesselseg.measure.ImageQuality.disagreement(memberSpread, fov);
  }

  public int width() {
    return photo.width();
  }

  public int height() {
    return photo.height();
  }

  /** Vessel probability per pixel, 0..1 (calibrated as the model file says). */
  public float[] probabilities() {
    return probabilities;
  }

  /** Vessel mask, 0/1: probability at least {@link #threshold()}, inside the FOV. */
  public byte[] mask() {
    return mask;
  }

  /** Field-of-view mask, 0/1, as estimated from the photograph. */
  public byte[] fov() {
    return fov;
  }

  /** The probability threshold the mask was cut at. */
  public float threshold() {
    return threshold;
  }

  /** Pixels inside the FOV. */
  public long fovArea() {
    return fovArea;
  }

  /** Vessel pixels over FOV pixels (0 when no FOV was found). */
  public double vesselDensity() {
    return vesselDensity;
  }

  /** Seconds from the decoded photograph to the mask (FOV, inference, threshold). */
  public double seconds() {
    return seconds;
  }

  /**
   * The vessel measurements of the mask inside the FOV, in pixels (no µm scale); NaN figures when no FOV was
   * found ({@link #quality()} then says {@code NO_FOV}). Computed on each call (~0.1 s for DRIVE's size).
   */
  public VesselMeasurements measurements() {
    return measurements(Double.NaN);
  }

  /** The same, with widths in µm too at {@code umPerPixel} µm per pixel. */
  public VesselMeasurements measurements(double umPerPixel) {
    if (quality().flags().contains(ImageQuality.Flag.NO_FOV)) {
      return VesselMeasurements.noFov(umPerPixel);
    }
    return VesselMeasures.measure(mask, fov, width(), height(), umPerPixel);
  }

  /**
   * The photograph's quality figures and flags (no FOV, not a fundus, over-/underexposed, blurred; out of
   * distribution when the uncertainty was computed with an ensemble).
   */
  public ImageQuality quality() {
    ImageQuality q = ImageQuality.assess(photo.chw(), fov, width(), height());
    return Double.isNaN(disagreement) ? q : q.withDisagreement(disagreement);
  }

  /**
   * Per-pixel uncertainty: the standard deviation of the vessel probability over the ensemble's members and the
   * test-time augmentations (0..0.5), before calibration; null unless asked for
   * ({@link VesselSegmenter#segmentWithUncertainty}). All zeros for one network without augmentation.
   */
  public float[] uncertainty() {
    return uncertainty;
  }

  /**
   * Mean over the FOV of the standard deviation of the ensemble members' probabilities (each averaged over the
   * augmentations): the figure behind the out-of-distribution flag. NaN unless the uncertainty was asked for
   * with a model of two or more networks.
   */
  public double disagreement() {
    return disagreement;
  }

  /**
   * The uncertainty as a heat map (viridis; 0 dark blue, {@link #UNCERTAINTY_SCALE} or more yellow), black
   * outside the FOV; null when the uncertainty was not computed.
   */
  public BufferedImage uncertaintyImage() {
    if (uncertainty == null) {
      return null;
    }
    return io.vesselseg.viz.Heatmap.uncertainty(uncertainty, fov, width(), height(), UNCERTAINTY_SCALE);
  }

  /** The standard deviation drawn at the top of {@link #uncertaintyImage()}'s colour scale (fixed, to compare). */
  public static final float UNCERTAINTY_SCALE = 0.25f;

  /** The probabilities as an 8-bit grey image (0..255). */
  public BufferedImage probabilityImage() {
    return grey(Overlay.grey(probabilities));
  }

  /** The mask as an 8-bit grey image: vessels 255, the rest 0. */
  public BufferedImage maskImage() {
    return grey(scaled(mask));
  }

  /** The FOV as an 8-bit grey image: inside 255, outside 0. */
  public BufferedImage fovImage() {
    return grey(scaled(fov));
  }

  /** The photograph with the predicted vessels painted over it. */
  public BufferedImage overlayImage() {
    return Overlay.vessels(photo.chw(), width(), height(), mask);
  }

  private static byte[] scaled(byte[] zeroOne) {
    byte[] g = new byte[zeroOne.length];
    for (int i = 0; i < g.length; i++) {
      g[i] = (byte) (zeroOne[i] != 0 ? 255 : 0);
    }
    return g;
  }

  private BufferedImage grey(byte[] values) {
    BufferedImage img = new BufferedImage(width(), height(), BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setDataElements(0, 0, width(), height(), values);
    return img;
  }
}
