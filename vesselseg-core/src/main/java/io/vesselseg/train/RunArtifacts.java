package io.vesselseg.train;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.eval.Confusion;
import io.vesselseg.viz.Report;
import io.vesselseg.viz.Curves;
import io.vesselseg.viz.MetricsRow;
import io.vesselseg.viz.Panel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pictures of a training run, as a listener: after every epoch it re-renders {@code <run>/curves.png} from
 * {@code metrics.csv}; every {@code overlayEvery} epochs, and after the last one, it writes the validation
 * error overlays {@code <run>/overlays/epoch_<NNN>_<id>.png}; at the end it writes {@code report.html}
 * embedding the curves and the latest overlays. Steps cost nothing.
 *
 * <p>The overlays need the validation predictions, which only the training side has: pass a
 * {@link ValidationSource} (asked only on overlay epochs), or call {@link #writeValidationOverlays}
 * yourself. Writing these pictures is secondary: a failure is logged as a warning and training goes on.
 * Register this listener after {@link RunDirectory}, so that the epoch's CSV row and the summary in
 * {@code run.json} are already written when it runs (a missing current row is added from the epoch).
 */
public final class RunArtifacts implements TrainListener {

  /** The latest validation predictions: the validation images and their probability maps, same order. */
  public record Validation(List<Sample> images, List<float[]> probabilities) {}

  /** Supplies the predictions of the epoch that was just validated (null: none available). */
  @FunctionalInterface
  public interface ValidationSource {
    Validation latest();
  }

  private static final Logger LOG = LoggerFactory.getLogger(RunArtifacts.class);

  private final Path dir;
  private final int overlayEvery;
  private final ValidationSource source;
  private Epoch lastEpoch;
  private int lastOverlayEpoch = -1;
  private List<Path> lastOverlays = List.of();

  /**
   * @param runDir       the run directory
   * @param overlayEvery write overlays every this many epochs (and after the last); 0 = only after the last
   * @param source       the validation predictions, or null for no overlays
   */
  public RunArtifacts(Path runDir, int overlayEvery, ValidationSource source) {
    if (overlayEvery < 0) {
      throw new IllegalArgumentException("overlayEvery must be >= 0, got " + overlayEvery);
    }
    this.dir = runDir;
    this.overlayEvery = overlayEvery;
    this.source = source;
  }

  /** {@code <run>/curves.png}. */
  public Path curves() {
    return dir.resolve("curves.png");
  }

  /** {@code <run>/overlays}. */
  public Path overlays() {
    return dir.resolve("overlays");
  }

  /** The overlay files written most recently (empty before the first). */
  public List<Path> lastOverlays() {
    return lastOverlays;
  }

  /** True when {@code epoch} is an overlay epoch ({@code overlayEvery} divides it). */
  public boolean overlayEpoch(int epoch) {
    return overlayEvery > 0 && epoch % overlayEvery == 0;
  }

  @Override
  public void onEpoch(Epoch e, TrainState state) {
    lastEpoch = e;
    safely("curves.png", () -> ImageFiles.writePng(curves(), Curves.render(rows(e))));
    if (source != null && overlayEpoch(e.epoch())) {
      overlaysFromSource(e);
    }
  }

  @Override
  public void onEnd(TrainSummary summary) {
    if (source != null && lastEpoch != null && lastOverlayEpoch != lastEpoch.epoch()) {
      overlaysFromSource(lastEpoch);
    }
    safely(Report.FILE, () -> Report.write(dir, null, lastOverlays));
  }

  /**
   * Writes one error overlay per image to {@code <run>/overlays/epoch_<NNN>_<id>.png} (atomically), with
   * the image's F1 at {@code threshold} in the caption and the TP/FP/FN legend below.
   *
   * @return the written files, in image order
   */
  public List<Path> writeValidationOverlays(int epoch, List<Sample> images, List<float[]> probabilities,
      float threshold) {
    if (images.size() != probabilities.size()) {
      throw new IllegalArgumentException(images.size() + " images but " + probabilities.size()
          + " probability maps");
    }
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      Sample s = images.get(i);
      double f1 = s.vessel() == null ? Double.NaN
          : Confusion.of(probabilities.get(i), s.vessel(), s.fov(), threshold).f1();
      Path file = overlays().resolve(String.format(Locale.ROOT, "epoch_%03d_%s.png", epoch, s.id()));
      ImageFiles.writePng(file, Panel.overlay(s, probabilities.get(i), threshold, f1));
      files.add(file);
    }
    lastOverlays = List.copyOf(files);
    lastOverlayEpoch = epoch;
    return files;
  }

  private void overlaysFromSource(Epoch e) {
    safely("validation overlays", () -> {
      Validation v = source.latest();
      if (v != null) {
        writeValidationOverlays(e.epoch(), v.images(), v.probabilities(), e.threshold());
      }
    });
  }

  /** The CSV's rows, plus the current epoch when the CSV does not hold it yet. */
  private List<MetricsRow> rows(Epoch e) {
    Path csv = dir.resolve("metrics.csv");
    List<MetricsRow> rows = new ArrayList<>(Files.exists(csv) ? MetricsRow.read(csv) : List.of());
    if (rows.stream().noneMatch(r -> r.epoch() == e.epoch())) {
      rows.add(new MetricsRow(e.epoch(), e.globalStep(), e.trainLoss(), e.valLoss(), e.valF1(), e.valAuc(),
          e.threshold(), e.lr(), e.patchesPerSecond(), e.elapsedSeconds(), e.best()));
    }
    return rows;
  }

  private static void safely(String what, Runnable r) {
    try {
      r.run();
    } catch (VesselsegException | IllegalArgumentException | java.io.UncheckedIOException e) {
      LOG.warn("could not write {}: {} (training continues)", what, e.getMessage());
    }
  }
}
