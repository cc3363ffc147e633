package io.vesselseg.bench;

import static io.vesselseg.model.RandomArrays.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vesselseg.infer.Ensembles;
import io.vesselseg.infer.Models;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import io.vesselseg.model.TrainStep;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our fp32 forward equals PyTorch's (scripts/torch_peer.py, torch 2.10.0) on the same safetensors weights.
 * Needs .venv-bench/ (bash scripts/bench-venv.sh); run with {@code mvn test -Dgroups=torch}.
 */
@Tag("torch")
class TorchParityTest {

  @TempDir
  Path tmp;

  private static TorchPeer peer() {
    Optional<TorchPeer> p = TorchPeer.locate();
    assumeTrue(p.isPresent(), "skipped: " + TorchPeer.MISSING);
    return p.get();
  }

  @Test
  void ourForwardEqualsPyTorchs() {
    check(Architecture.defaults(), new int[][] {{584, 565}, {65, 67}});
  }

  @Test
  void ourWNetForwardEqualsPyTorchs() {
    check(new Architecture(4, 16, 3, 8), new int[][] {{65, 67}, {48, 40}});
  }

  @Test
  void ourEnsembleIsPyTorchsMeanOfItsMembers() {
    Path a = tmp.resolve("a.safetensors");
    Path b = tmp.resolve("b.safetensors");
    for (Path file : new Path[] {a, b}) {
      try (Network net = Network.create(new Architecture(3, 8), ComputeDevice.CPU, Precision.FP32,
          Normalization.unit(), file == a ? 4 : 5)) {
        Checkpoint.save(file, net, 0.5f, Map.of(), null);
      }
    }
    Path ens = tmp.resolve("ens.safetensors");
    Ensembles.combine(List.of(a.toString(), b.toString()), "best.safetensors", ens);
    int h = 41;
    int w = 50;
    float[] x = random(3 * h * w, 11);
    float[] torch = peer().forward(ens, x, 1, h, w, tmp);
    try (Network net = Checkpoint.load(ens, ComputeDevice.CPU, Precision.FP32).network()) {
      double d = TorchPeer.maxAbsDiff(net.predict(x, 1, h, w, false), torch);
      assertTrue(d < 1e-4, "ensemble: max |ours - torch| = " + d);
      System.out.printf("torch parity, ensemble of 2, %dx%d: max |diff| %.3g%n", w, h, d);
    }
  }

  @Test
  void theCompactModelEqualsItsPyTorchTwin() throws Exception {
    TorchPeer peer = peer();
    Path model = java.nio.file.Files.write(tmp.resolve("compact.safetensors"), Models.bytes(Models.COMPACT_NAME));
    try (Network net = Models.load(Models.COMPACT_NAME, "cpu", Precision.FP32).network()) {
      for (int[] hw : new int[][] {{584, 565}, {65, 67}}) {
        int h = hw[0];
        int w = hw[1];
        float[] x = random(3 * h * w, 17 + h);
        float[] torch = peer.forward(model, x, 1, h, w, tmp);
        double d = TorchPeer.maxAbsDiff(net.predict(x, 1, h, w, false), torch);
        net.fuseForInference(); // what segment uses: BatchNorm folded into the convolutions
        double f = TorchPeer.maxAbsDiff(net.predict(x, 1, h, w, false), torch);
        net.dropFused();
        assertTrue(d < 1e-4 && f < 1e-4, "compact: max |ours - torch| = " + d + ", folded " + f + " at " + w + "x"
            + h);
        System.out.printf("torch parity, compact model, %dx%d: max |diff| %.3g, folded %.3g%n", w, h, d, f);
      }
    }
  }

  private void check(Architecture arch, int[][] sizes) {
    TorchPeer peer = peer();
    Path model = tmp.resolve("m.safetensors");
    Normalization norm = new Normalization(new float[] {0.5f, 0.27f, 0.16f}, new float[] {0.34f, 0.18f, 0.1f});
    try (Network net = Network.create(arch, ComputeDevice.CPU, Precision.FP32, norm, 9)) {
      // a few large-lr steps so BN statistics and affine parameters are not at their initial values
      float[] bx = random(4 * 3 * 32 * 32, 1);
      float[] by = random(4 * 32 * 32, 2);
      for (int i = 0; i < by.length; i++) {
        by[i] = by[i] < 0.2f ? 1f : 0f;
      }
      try (TrainStep step = new TrainStep(net, 1e-2, 1e-4)) {
        for (int i = 0; i < 3; i++) {
          step.step(bx, by, 4, 32, 1e-2);
        }
        Checkpoint.save(model, net, 0.5f, Map.of(), step);   // with optimizer state: the peer skips it
      }
      for (int[] hw : sizes) {
        int h = hw[0];
        int w = hw[1];
        float[] x = random(3 * h * w, 3 + h);
        float[] ours = net.predict(x, 1, h, w, false);
        float[] torch = peer.forward(model, x, 1, h, w, tmp);
        assertEquals(ours.length, torch.length);
        double d = TorchPeer.maxAbsDiff(ours, torch);
        assertTrue(d < 1e-4, "max |ours - torch| = " + d + " at " + w + "x" + h);
        net.fuseForInference();
        double f = TorchPeer.maxAbsDiff(net.predict(x, 1, h, w, false), torch);
        net.dropFused();
        assertTrue(f < 1e-4, "BN-folded: max |ours - torch| = " + f + " at " + w + "x" + h);
        System.out.printf("torch parity, %s, %dx%d: max |diff| %.3g, folded %.3g%n", arch, w, h, d, f);
      }
    }
  }
}
