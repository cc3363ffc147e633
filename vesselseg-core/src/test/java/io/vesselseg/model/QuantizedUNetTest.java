package io.vesselseg.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Site by site, the int8 U-Net's activations (dequantised) stay within a fraction of a quantisation step of
 * the fp32 folded U-Net's, on the shipped compact model (trained weights: a random network hid a broken
 * quantised transposed convolution that put these 8-16 steps off) and the photograph it was calibrated on. Any
 * wrong scale, zero point, channel order or skip connection shows at the site where it happens.
 */
class QuantizedUNetTest {

  @Test
  void everyActivationOfTheCompactModelFollowsTheFoldedNetwork() throws IOException {
    Sample s = SyntheticFundus.generate(3, 160, 144);
    byte[] bytes;
    try (InputStream in = QuantizedUNetTest.class.getResourceAsStream(
        "/io/vesselseg/model/drive-compact.safetensors")) {
      bytes = in.readAllBytes();
    }
    Checkpoint.Loaded loaded = Checkpoint.load(SafeTensors.parse(bytes, "compact"), "compact", ComputeDevice.CPU,
        Precision.FP32);
    try (Network net = loaded.network();
        PointerScope scope = new PointerScope(); InferenceMode g = new InferenceMode()) {
      net.module(0).eval();
      int depth = net.architecture().depth();
      Tensor x = net.input(s.rgb(), 1, s.height(), s.width());
      Int8Calibration cal = Int8Calibration.recorder(1, depth);
      FoldedUNet.Observer record = cal.observer(0);
      List<Tensor> fp = new ArrayList<>();
      List<Tensor> q = new ArrayList<>();
      try (FoldedUNet folded = new FoldedUNet(net.module(0), false)) {
        folded.forward(x, (site, t) -> {
          record.see(site, t);
          fp.add(t.clone());
        });
        try (QuantizedUNet int8 = new QuantizedUNet(folded, cal.member(0))) {
          int8.forward(x, (site, t) -> q.add(t));
        }
      }
      assertEquals(QuantizedUNet.sites(depth), fp.size());
      assertEquals(fp.size(), q.size());
      StringBuilder report = new StringBuilder();
      boolean ok = true;
      for (int i = 0; i < fp.size(); i++) {
        float[] r = cal.member(0)[i];
        double step = (Math.max(r[1], 0) - Math.min(r[0], 0)) / QuantizedUNet.QMAX;
        double err = fp.get(i).sub(q.get(i)).abs().mean().item_float();
        report.append(String.format("site %d: mean |int8 - fp32| %.4g = %.2f steps%n", i, err, err / step));
        ok &= err < step && err > 0;
      }
      assertTrue(ok, report.toString());
    }
  }
}
