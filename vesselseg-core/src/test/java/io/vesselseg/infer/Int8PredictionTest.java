package io.vesselseg.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Int8Calibration;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.Tta;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * int8 predictions of the built-in compact model through libtorch's quantised kernels: calibrated on two
 * photographs, they follow the fp32 (folded) model on a third it has not seen; the shipped file carries its
 * calibration, so the public API runs it in int8 as it is; without a calibration, on a W-Net or for training,
 * int8 is refused with what to do.
 */
class Int8PredictionTest {

  @Test
  void calibratedInt8FollowsFp32OnAnUnseenPhotograph() {
    SafeTensors.Contents compact = SafeTensors.parse(Models.bytes(Models.COMPACT_NAME), "compact");
    List<Sample> photos = SyntheticFundus.dataset(3, 21, 400, 380);
    String json;
    float[] fp32;
    Checkpoint.Loaded fp = Checkpoint.load(compact, "compact", ComputeDevice.CPU, Precision.FP32);
    try (Network net = fp.network()) {
      net.fuseForInference();
      Predictor p = new Predictor(net, Tta.NONE);
      Int8Calibration cal = net.calibrateInt8(() -> photos.subList(0, 2).forEach(s -> p.probabilities(s)));
      assertEquals(2, cal.photographs());
      assertEquals(1, cal.members());
      json = cal.toJson("two synthetic photographs");
      fp32 = p.probabilities(photos.get(2));
    }
    Map<String, String> meta = new HashMap<>(compact.metadata());
    meta.put(Int8Calibration.KEY, json);
    Checkpoint.Loaded q = Checkpoint.load(new SafeTensors.Contents(compact.tensors(), meta), "compact+int8",
        ComputeDevice.CPU, Precision.INT8);
    try (Network net = q.network()) {
      float[] int8 = new Predictor(net, Tta.NONE).probabilities(photos.get(2));
      double diff = 0;
      double max = 0;
      long agree = 0;
      float t = q.meta().thresholds().forTta(Tta.NONE);
      for (int i = 0; i < fp32.length; i++) {
        double d = Math.abs(fp32[i] - int8[i]);
        diff += d;
        max = Math.max(max, d);
        agree += (fp32[i] >= t) == (int8[i] >= t) ? 1 : 0;
      }
      diff /= fp32.length;
      assertTrue(max > 0, "int8 is not the fp32 model");
      assertTrue(diff < 0.01, "mean |int8 - fp32| = " + diff + " (max " + max + ")");
      assertTrue(agree > 0.99 * fp32.length, "vessel/background agreement " + agree + " of " + fp32.length);
    }
  }

  @Test
  void theShippedCompactModelRunsInInt8AsItIs() {
    var options = io.vesselseg.VesselSegmenter.Options.defaults().withDevice("cpu");
    var photo = io.vesselseg.viz.Overlay.photo(SyntheticFundus.generate(8, 300, 280).rgb(), 300, 280);
    try (var fp32 = io.vesselseg.VesselSegmenter.builtIn(Models.COMPACT_NAME, options);
        var int8 = io.vesselseg.VesselSegmenter.builtIn(Models.COMPACT_NAME, options.withPrecision("int8"))) {
      float[] a = fp32.segment(photo).probabilities();
      float[] b = int8.segment(photo).probabilities();
      double diff = 0;
      for (int i = 0; i < a.length; i++) {
        diff += Math.abs(a[i] - b[i]);
      }
      diff /= a.length;
      assertTrue(diff > 0 && diff < 0.02, "mean |int8 - fp32| = " + diff);
      assertTrue(int8.modelMetadata().get(Int8Calibration.KEY).contains("\"photographs\":17"),
          int8.modelMetadata().get(Int8Calibration.KEY));
    }
  }

  @Test
  void int8WithoutCalibrationOnAWNetOrForTrainingIsRefused() {
    SafeTensors.Contents shipped = SafeTensors.parse(Models.bytes(Models.COMPACT_NAME), "compact");
    Map<String, String> meta = new HashMap<>(shipped.metadata());
    meta.remove(Int8Calibration.KEY);
    SafeTensors.Contents compact = new SafeTensors.Contents(shipped.tensors(), meta);
    var e = assertThrows(VesselsegException.Usage.class,
        () -> Checkpoint.load(compact, "compact", ComputeDevice.CPU, Precision.INT8));
    assertTrue(e.getMessage().contains("no int8 calibration") && e.getMessage().contains("vesselseg quantize"),
        e.getMessage());
    try (Network wnet = Network.create(new Architecture(2, 4, 2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 1)) {
      var w = assertThrows(VesselsegException.Usage.class, () -> wnet.calibrateInt8(() -> { }));
      assertTrue(w.getMessage().contains("W-Net"), w.getMessage());
    }
    var t = assertThrows(RuntimeException.class, () -> new io.vesselseg.train.TrainConfig.Runtime(
        java.nio.file.Path.of("x"), "cpu", Precision.INT8, 1, 1, false));
    assertTrue(t.getMessage().contains("int8 is for predictions"), t.getMessage());
  }
}
