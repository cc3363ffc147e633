package io.vesselseg.infer;

import io.vesselseg.data.InputChannels;
import io.vesselseg.data.Resize;
import io.vesselseg.data.Sample;
import io.vesselseg.model.Network;
import io.vesselseg.model.Tta;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a whole photograph into a vessel probability map. Images up to {@code maxFullPixels} go through the
 * network in one forward pass (padded inside the U-Net); larger ones are cut into overlapping square tiles
 * whose outputs are blended with a Gaussian weight centred on each tile, so tile seams do not show.
 * Optional test-time augmentation averages the four flips, or all eight symmetries of the square. The
 * photograph is first turned into the input the model was trained on ({@link InputChannels}), at the scale
 * the network sees.
 */
public final class Predictor {

  /** Photographs within 10% of the training FOV diameter are used as they are. */
  public static final double RESCALE_TOLERANCE = 0.10;

  private final Network network;
  private final InputChannels channels;
  private final Tta tta;
  private final int tile;
  private final int overlap;
  private final long maxFullPixels;

  public Predictor(Network network, boolean flipTta) {
    this(network, flipTta ? Tta.FLIPS : Tta.NONE);
  }

  public Predictor(Network network, Tta tta) {
    this(network, tta, 512, 128, 1_500_000L);
  }

  public Predictor(Network network, boolean flipTta, int tile, int overlap, long maxFullPixels) {
    this(network, flipTta ? Tta.FLIPS : Tta.NONE, tile, overlap, maxFullPixels);
  }

  public Predictor(Network network, Tta tta, int tile, int overlap, long maxFullPixels) {
    if (tile <= overlap || overlap < 0) {
      throw new IllegalArgumentException("tile " + tile + " must exceed overlap " + overlap + " >= 0");
    }
    this.network = network;
    this.channels = InputChannels.parse(network.normalization().channels());
    this.tta = tta;
    this.tile = tile;
    this.overlap = overlap;
    this.maxFullPixels = maxFullPixels;
  }

  /** The network this predictor runs (the caller's to close). */
  public Network network() {
    return network;
  }

  /** Probabilities (h*w, row-major) for a sample's photograph, calibrated over its FOV as the model says. */
  public float[] probabilities(Sample s) {
    return probabilities(s, 0);
  }

  /** {@link #probabilities(float[], int, int, byte[], double)} of a sample's photograph and FOV. */
  public float[] probabilities(Sample s, double modelFovDiameter) {
    return probabilities(s.rgb(), s.width(), s.height(), s.fov(), modelFovDiameter);
  }

  /**
   * Probabilities for a photograph whose FOV is {@code fov}, resampled for the network so that the FOV's
   * diameter matches {@code modelFovDiameter} (the training set's) when they differ by more than
   * {@link #RESCALE_TOLERANCE}; {@code modelFovDiameter <= 0} disables resampling. The map is then calibrated
   * over {@code fov} as the model says ({@link io.vesselseg.model.Calibration}).
   */
  public float[] probabilities(float[] rgb, int w, int h, byte[] fov, double modelFovDiameter) {
    return probabilities(List.of(new Photo(rgb, w, h, fov)), modelFovDiameter).get(0);
  }

  /** A photograph to predict: planar RGB [3,height,width] in [0,1] and its FOV mask (0/1). */
  public record Photo(float[] rgb, int width, int height, byte[] fov) {}

  /** What the network reads for a photograph: its channels, planar [3,height,width], raw (not normalised). */
  public record Input(float[] channels, int width, int height) {}

  /**
   * The network input for a photograph: resampled so that its FOV's diameter matches {@code modelFovDiameter}
   * when they differ by more than {@link #RESCALE_TOLERANCE} ({@code <= 0}: never), then turned into the
   * model's {@link InputChannels}. Predictions and explanations both start here.
   */
  public Input input(Photo ph, double modelFovDiameter) {
    int d = Resize.fovDiameter(ph.fov(), ph.width(), ph.height());
    double scale = modelFovDiameter > 0 && d > 0 ? modelFovDiameter / d : 1;
    boolean resample = Math.abs(scale - 1) > RESCALE_TOLERANCE;
    int nw = resample ? Math.max(8, (int) Math.round(ph.width() * scale)) : ph.width();
    int nh = resample ? Math.max(8, (int) Math.round(ph.height() * scale)) : ph.height();
    float[] rgb = resample ? Resize.bilinear(ph.rgb(), 3, ph.width(), ph.height(), nw, nh) : ph.rgb();
    return new Input(channels.apply(rgb, nw, nh), nw, nh);
  }

  /**
   * {@link #probabilities(float[], int, int, byte[], double)} of several photographs, in their order. Those
   * whose network input has the same size (after resampling) and fits one forward pass go through the network
   * together, as one batch (dynamic batching: one pass over the weights for several photographs); the others
   * one at a time. Each map equals the one-photograph result within float rounding.
   */
  public List<float[]> probabilities(List<Photo> photos, double modelFovDiameter) {
    return predict(photos, modelFovDiameter, false).stream().map(m -> m[0]).toList();
  }

  /**
   * {@link #probabilities(List, double)} and, for each photograph, the per-pixel spread (standard deviation)
   * of the probabilities over the ensemble's members and the test-time augmentations, and over the members
   * alone ({@link Network#predictWithSpread}): {probabilities, spread, member spread} per photograph. The
   * spreads are taken before calibration, at the photograph's own size (resampled like the probabilities).
   */
  public List<float[][]> probabilitiesWithSpread(List<Photo> photos, double modelFovDiameter) {
    return predict(photos, modelFovDiameter, true);
  }

  private List<float[][]> predict(List<Photo> photos, double modelFovDiameter, boolean spread) {
    float[][][] out = new float[photos.size()][][];
    Map<Long, List<Integer>> sameSize = new LinkedHashMap<>();
    int[][] size = new int[photos.size()][];
    float[][] input = new float[photos.size()][];
    for (int k = 0; k < photos.size(); k++) {
      Input in = input(photos.get(k), modelFovDiameter);
      int nw = in.width();
      int nh = in.height();
      size[k] = new int[] {nw, nh};
      if ((long) nw * nh > maxFullPixels) {
        out[k] = tiled(in.channels(), nw, nh, spread);
      } else {
        input[k] = in.channels();
        sameSize.computeIfAbsent((long) nh << 32 | nw, key -> new ArrayList<>()).add(k);
      }
    }
    for (List<Integer> group : sameSize.values()) {
      int nw = size[group.get(0)][0];
      int nh = size[group.get(0)][1];
      int plane = 3 * nw * nh;
      float[] batch = new float[group.size() * plane];
      for (int j = 0; j < group.size(); j++) {
        System.arraycopy(input[group.get(j)], 0, batch, j * plane, plane);
        input[group.get(j)] = null;
      }
      float[][] p = forward(batch, group.size(), nh, nw, spread);
      for (int j = 0; j < group.size(); j++) {
        out[group.get(j)] = new float[p.length][];
        for (int m = 0; m < p.length; m++) {
          out[group.get(j)][m] = Arrays.copyOfRange(p[m], j * nw * nh, (j + 1) * nw * nh);
        }
      }
    }
    List<float[][]> maps = new ArrayList<>(photos.size());
    for (int k = 0; k < photos.size(); k++) {
      Photo ph = photos.get(k);
      float[][] m = out[k];
      if (size[k][0] != ph.width() || size[k][1] != ph.height()) {
        for (int i = 0; i < m.length; i++) {
          m[i] = Resize.bilinear(m[i], 1, size[k][0], size[k][1], ph.width(), ph.height());
        }
      }
      network.calibration().apply(m[0], ph.fov());
      maps.add(m);
    }
    return maps;
  }

  /** The network's probabilities (and, with {@code spread}, their spread) for a batch of network inputs. */
  private float[][] forward(float[] in, int n, int h, int w, boolean spread) {
    return spread ? network.predictWithSpread(in, n, h, w, tta) : new float[][] {network.predict(in, n, h, w, tta)};
  }

  /**
   * Probabilities at the photograph's own size, computed on a copy resampled by {@code scale} (bilinear
   * both ways). Used to bring photographs of another resolution to the scale the model was trained at.
   */
  public float[] probabilities(float[] rgb, int w, int h, double scale) {
    if (Math.abs(scale - 1) < 1e-3) {
      return probabilities(rgb, w, h);
    }
    int nw = Math.max(8, (int) Math.round(w * scale));
    int nh = Math.max(8, (int) Math.round(h * scale));
    float[] p = probabilities(Resize.bilinear(rgb, 3, w, h, nw, nh), nw, nh);
    return Resize.bilinear(p, 1, nw, nh, w, h);
  }

  /** Probabilities (h*w, row-major) for planar RGB [3,h,w] in [0,1]. */
  public float[] probabilities(float[] rgb, int w, int h) {
    float[] in = channels.apply(rgb, w, h);
    if ((long) w * h <= maxFullPixels) {
      return network.predict(in, 1, h, w, tta);
    }
    return tiled(in, w, h, false)[0];
  }

  private float[][] tiled(float[] rgb, int w, int h, boolean spread) {
    int tw = Math.min(tile, w);
    int th = Math.min(tile, h);
    float[] weight = gaussian(tw, th);
    float[][] acc = new float[spread ? 3 : 1][w * h];
    float[] norm = new float[w * h];
    float[] in = new float[3 * tw * th];
    for (int y0 : starts(h, th)) {
      for (int x0 : starts(w, tw)) {
        for (int c = 0; c < 3; c++) {
          for (int i = 0; i < th; i++) {
            System.arraycopy(rgb, c * w * h + (y0 + i) * w + x0, in, c * tw * th + i * tw, tw);
          }
        }
        float[][] p = forward(in, 1, th, tw, spread);
        for (int i = 0; i < th; i++) {
          int row = (y0 + i) * w + x0;
          for (int j = 0; j < tw; j++) {
            float g = weight[i * tw + j];
            for (int m = 0; m < p.length; m++) {
              acc[m][row + j] += g * p[m][i * tw + j];
            }
            norm[row + j] += g;
          }
        }
      }
    }
    for (float[] a : acc) {
      for (int i = 0; i < a.length; i++) {
        a[i] /= norm[i];
      }
    }
    return acc;
  }

  /** Tile origins covering [0,size) with at least {@code overlap} pixels shared between neighbours. */
  int[] starts(int size, int t) {
    if (size <= t) {
      return new int[] {0};
    }
    int stride = t - overlap;
    int n = (int) Math.ceil((double) (size - t) / stride) + 1;
    int[] s = new int[n];
    for (int i = 0; i < n; i++) {
      s[i] = (int) Math.round((double) i * (size - t) / (n - 1));
    }
    return s;
  }

  private static float[] gaussian(int w, int h) {
    float[] g = new float[w * h];
    double sx = w / 4.0;
    double sy = h / 4.0;
    for (int i = 0; i < h; i++) {
      double dy = (i - (h - 1) / 2.0) / sy;
      for (int j = 0; j < w; j++) {
        double dx = (j - (w - 1) / 2.0) / sx;
        g[i * w + j] = (float) Math.max(Math.exp(-0.5 * (dx * dx + dy * dy)), 1e-3);
      }
    }
    return g;
  }
}
