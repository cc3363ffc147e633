package io.vesselseg.train;

import io.vesselseg.data.Sample;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.Network;
import io.vesselseg.model.ThresholdOrigin;
import io.vesselseg.model.Thresholds;
import io.vesselseg.model.TrainStep;
import io.vesselseg.model.Tta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * After every epoch writes {@code last} (weights, any weight average, optimizer state, training state: what
 * {@code --resume} needs) and, when validation F1 improved, {@code best} (the validated weights, which are
 * the average when one is kept, with the validation threshold and figures: the model to use). Both writes
 * are atomic, so a kill at any moment leaves the previous files intact. At the end the best model also gets
 * the thresholds for test-time augmentation, picked on the validation images ({@link TtaThresholds}).
 */
public final class CheckpointListener implements TrainListener {

  private final Network network;
  private final TrainStep step;
  private final Path best;
  private final Path last;
  private final Map<String, String> runMetadata;
  private final Thresholds thresholds;
  private final List<Sample> validation;

  /**
   * {@code runMetadata} (config, provenance as JSON strings) goes into every file written; {@code thresholds}
   * are the files' thresholds, whose plain one each file replaces by the epoch's (the borrowed ones of a run
   * without validation images, else those to be picked on {@code validation}, whose images are their origin);
   * {@code validation} picks the test-time-augmentation thresholds at the end.
   */
  public CheckpointListener(Network network, TrainStep step, Path best, Path last,
      Map<String, String> runMetadata, Thresholds thresholds, List<Sample> validation) {
    this.validation = validation;
    this.network = network;
    this.step = step;
    this.best = best;
    this.last = last;
    this.runMetadata = runMetadata;
    this.thresholds = thresholds;
  }

  @Override
  public void onEpoch(Epoch e, TrainState state) {
    if (e.best()) {
      Map<String, String> meta = new LinkedHashMap<>(runMetadata);
      meta.put("epoch", Integer.toString(e.epoch()));
      Thresholds t = thresholds.with(Tta.NONE, e.threshold());
      // NaN: no validation images, the thresholds were borrowed
      if (!Double.isNaN(e.valF1()) && t.origin() instanceof ThresholdOrigin.Validation v) {
        t = t.withOrigin(new ThresholdOrigin.Validation(v.images(), Map.of(Tta.NONE, e.valF1()), e.valAuc()));
      }
      Checkpoint.save(best, step.validated(), t, meta, null);
    }
    Map<String, String> meta = new LinkedHashMap<>(runMetadata);
    meta.putAll(state.toMetadata());
    Checkpoint.save(last, network, thresholds.with(Tta.NONE, state.bestThreshold()), meta, step);
  }

  @Override
  public void onEnd(TrainSummary s) {
    // an interrupted run is not over: its resumption adds the thresholds when it ends
    if (!s.interrupted() && !validation.isEmpty() && Files.isRegularFile(best)) {
      Map<String, String> t = TtaThresholds.addTo(best, validation, network.device());
      LoggerFactory.getLogger(CheckpointListener.class).info("test-time augmentation, thresholds and F1 on "
          + "the validation images: {}", t);
    }
  }
}
