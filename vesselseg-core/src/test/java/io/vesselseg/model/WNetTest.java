package io.vesselseg.model;

import static io.vesselseg.model.RandomArrays.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The W-Net (a second U-Net refining the first's probabilities): training, model files, folding. */
class WNetTest {

  private static final Architecture WNET = new Architecture(3, 8, 2, 4);

  private static float[] targets(float[] x, int n) {
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = x[i] > 0.7f ? 1 : 0;
    }
    return y;
  }

  private static SafeTensors.Contents saved(Path file, Network net) {
    Checkpoint.save(file, net, 0.5f, Map.of(), null);
    return SafeTensors.read(file);
  }

  private static boolean changed(SafeTensors.Contents a, SafeTensors.Contents b, String key) {
    return !Arrays.equals(a.tensors().get(key).data(), b.tensors().get(key).data());
  }

  @Test
  void trainingMovesBothStagesAndTheFileNamesTheSecondStagesTensors(@TempDir Path dir) {
    int p = 32;
    float[] x = random(2 * 3 * p * p, 1);
    float[] y = targets(x, 2 * p * p);
    try (Network net = Network.create(WNET, ComputeDevice.CPU, Precision.FP32, Normalization.unit(), 2);
        TrainStep step = new TrainStep(net, 1e-2, 1e-4)) {
      SafeTensors.Contents before = saved(dir.resolve("a.safetensors"), net);
      float first = step.step(x, y, 2, p, 1e-2);
      for (int i = 0; i < 3; i++) {
        step.step(x, y, 2, p, 1e-2);
      }
      SafeTensors.Contents after = saved(dir.resolve("b.safetensors"), net);
      assertTrue(after.tensors().containsKey("refine.enc0.c1.weight"), after.tensors().keySet().toString());
      assertTrue(after.tensors().containsKey("refine.head.weight"));
      assertEquals(4, after.tensors().get("refine.enc0.c1.weight").shape()[1], "photograph + probability in");
      // the loss is the sum over both stages, so both learn (the first also through the second's input)
      for (String key : new String[] {"enc0.c1.weight", "head.weight", "refine.enc0.c1.weight",
          "refine.head.weight"}) {
        assertTrue(changed(before, after, key), key + " did not move");
      }
      // the same seed builds the same first stage, so the first step's loss is the plain U-Net's plus the
      // second stage's own BCE + Dice (about 1.3 at initialisation)
      float plain;
      try (Network one = Network.create(new Architecture(3, 8), ComputeDevice.CPU, Precision.FP32,
          Normalization.unit(), 2); TrainStep s1 = new TrainStep(one, 1e-2, 1e-4)) {
        plain = s1.step(x, y, 2, p, 1e-2);
      }
      assertTrue(first - plain > 0.5f && first - plain < 3f, "W-Net " + first + " vs its first stage " + plain);
      assertTrue(after.metadata().get("architecture").contains("\"type\":\"wnet\""),
          after.metadata().get("architecture"));
    }
  }

  @Test
  void aModelFileRoundTripsAndItsFoldedCopyGivesTheSameProbabilities(@TempDir Path dir) {
    int p = 32;
    float[] x = random(2 * 3 * p * p, 3);
    float[] y = targets(x, 2 * p * p);
    int h = 45;
    int w = 51;
    float[] img = random(3 * h * w, 4);
    Path file = dir.resolve("w.safetensors");
    float[] reference;
    try (Network net = Network.create(WNET, ComputeDevice.CPU, Precision.FP32, Normalization.unit(), 5);
        TrainStep step = new TrainStep(net, 1e-2, 1e-4)) {
      for (int i = 0; i < 3; i++) {
        step.step(x, y, 2, p, 1e-2);
      }
      Checkpoint.save(file, net, 0.4f, Map.of(), null);
      reference = net.predict(img, 1, h, w, Tta.FLIPS);
    }
    Checkpoint.Loaded loaded = Checkpoint.load(file, ComputeDevice.CPU, Precision.FP32);
    try (Network copy = loaded.network()) {
      assertEquals(WNET, loaded.meta().architecture());
      assertArrayEquals(reference, copy.predict(img, 1, h, w, Tta.FLIPS));
      copy.fuseForInference();
      float[] folded = copy.predict(img, 1, h, w, Tta.FLIPS);
      double worst = 0;
      for (int i = 0; i < folded.length; i++) {
        worst = Math.max(worst, Math.abs(folded[i] - reference[i]));
      }
      assertTrue(worst < 1e-4, "folded W-Net vs module: max |diff| " + worst);
    }
  }

  @Test
  void aPlainUNetHasNoSecondStageAndBadSecondStagesAreRefused() {
    assertFalse(Architecture.defaults().refined());
    assertEquals(16, new Architecture(4, 16, 2, 8).multiple(), "the deeper stage sets the padding");
    assertEquals(32, new Architecture(2, 16, 5, 8).multiple());
    var e = assertThrows(VesselsegException.Usage.class, () -> new Architecture(4, 16, 7, 8));
    assertTrue(e.getMessage().contains("second-stage") && e.getMessage().contains("1..6"), e.getMessage());
    var c = assertThrows(VesselsegException.Usage.class, () -> new Architecture(4, 16, 3, 1));
    assertTrue(c.getMessage().contains("2..128"), c.getMessage());
  }
}
