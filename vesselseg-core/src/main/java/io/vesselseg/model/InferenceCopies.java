package io.vesselseg.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * What a {@link Network}'s predictions run on instead of its trainable members: BatchNorm-folded copies
 * ({@link FoldedUNet}), int8 copies of those ({@link QuantizedUNet}, when the network's precision is int8),
 * or, while calibrating for int8, the folded copies with an {@link Int8Calibration} recording their activations.
 * Snapshots of the members' weights when made; {@link #drop()} frees them.
 */
final class InferenceCopies {

  private final List<FoldedUNet> folded = new ArrayList<>();
  private final List<QuantizedUNet> quantized = new ArrayList<>();
  private Int8Calibration int8;
  private Int8Calibration recording;

  /** The activation ranges int8 copies quantise with (from the model file). */
  void setInt8Calibration(Int8Calibration c) {
    this.int8 = c;
  }

  /**
   * Folds every member (weights channels-last when {@code channelsLastWeights}) and, when {@code int8}, quantises
   * the folded copies with the calibration set before.
   */
  void make(List<UNet> members, boolean channelsLastWeights, boolean int8Copies) {
    drop();
    for (UNet m : members) {
      m.eval();
      folded.add(new FoldedUNet(m, channelsLastWeights));
    }
    if (int8Copies) {
      if (int8 == null) {
        drop();
        throw new io.vesselseg.VesselsegException.Usage("int8 predictions need the model's activation ranges: "
            + "calibrate it with vesselseg quantize");
      }
      for (int i = 0; i < members.size(); i++) {
        quantized.add(new QuantizedUNet(folded.get(i), int8.member(i)));
      }
    }
  }

  /** True while there are copies to predict with. */
  boolean made() {
    return !folded.isEmpty();
  }

  /** Frees every copy; predictions go back to the members themselves. */
  void drop() {
    quantized.forEach(QuantizedUNet::close);
    quantized.clear();
    folded.forEach(FoldedUNet::close);
    folded.clear();
  }

  /**
   * Runs {@code predictions} on fresh fp32 folded copies of {@code members} (U-Nets of {@code depth} levels)
   * while recording every activation's range; the copies are dropped afterwards.
   */
  Int8Calibration record(List<UNet> members, int depth, Runnable predictions) {
    make(members, false, false);
    recording = Int8Calibration.recorder(members.size(), depth);
    try {
      predictions.run();
      return recording;
    } finally {
      recording = null;
      drop();
    }
  }

  /** Member {@code i}'s forward for a prediction of {@code n} photographs: recording, int8, folded or itself. */
  UnaryOperator<Tensor> forward(int i, UNet member, int n) {
    if (recording != null) {
      if (i == 0) {
        recording.counted(n);
      }
      FoldedUNet f = folded.get(i);
      FoldedUNet.Observer o = recording.observer(i);
      return x -> f.forward(x, o);
    }
    if (!quantized.isEmpty()) {
      return quantized.get(i)::forward;
    }
    member.eval();
    return folded.isEmpty() ? member::forward : folded.get(i)::forward;
  }
}
