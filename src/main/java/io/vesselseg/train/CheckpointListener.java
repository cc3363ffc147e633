package io.vesselseg.train;

import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.Network;
import io.vesselseg.model.TrainStep;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * After every epoch writes {@code last} (weights, optimizer state, training state: what {@code --resume}
 * needs) and, when validation F1 improved, {@code best} (weights, the validation threshold and figures: the
 * model to use). Both writes are atomic, so a kill at any moment leaves the previous files intact.
 */
public final class CheckpointListener implements TrainListener {

  private final Network network;
  private final TrainStep step;
  private final Path best;
  private final Path last;
  private final Map<String, String> runMetadata;

  /** {@code runMetadata} (config, provenance as JSON strings) goes into every file written. */
  public CheckpointListener(Network network, TrainStep step, Path best, Path last,
      Map<String, String> runMetadata) {
    this.network = network;
    this.step = step;
    this.best = best;
    this.last = last;
    this.runMetadata = runMetadata;
  }

  @Override
  public void onEpoch(Epoch e, TrainState state) {
    if (e.best()) {
      Map<String, String> meta = new LinkedHashMap<>(runMetadata);
      meta.put("epoch", Integer.toString(e.epoch()));
      meta.put("val_f1", Double.toString(e.valF1()));
      meta.put("val_auc", Double.toString(e.valAuc()));
      Checkpoint.save(best, network, e.threshold(), meta, null);
    }
    Map<String, String> meta = new LinkedHashMap<>(runMetadata);
    meta.putAll(state.toMetadata());
    Checkpoint.save(last, network, state.bestThreshold(), meta, step);
  }
}
