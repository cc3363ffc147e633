package io.vesselseg.model;

import static io.vesselseg.model.RandomArrays.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkTest {

  private static Network small(long seed) {
    return Network.create(new Architecture(3, 8), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), seed);
  }

  @Test
  void oddSizesComeBackAtTheirOwnSize() {
    try (Network net = Network.create(Architecture.defaults(), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 1)) {
      for (int[] hw : new int[][] {{65, 67}, {584, 565}, {16, 16}, {7, 9}}) {
        int h = hw[0];
        int w = hw[1];
        float[] p = net.predict(random(3 * h * w, 2), 1, h, w, false);
        assertEquals(h * w, p.length, "probabilities for " + w + "x" + h);
        for (float v : p) {
          assertTrue(v >= 0 && v <= 1, "probability " + v);
        }
      }
      assertEquals(1_942_577, net.parameterCount(), "the 1.94 M-parameter U-Net of the design notes");
    }
  }

  @Test
  void batchOfTwoEqualsTwoSingles() {
    try (Network net = small(3)) {
      float[] a = random(3 * 32 * 40, 4);
      float[] b = random(3 * 32 * 40, 5);
      float[] both = new float[a.length + b.length];
      System.arraycopy(a, 0, both, 0, a.length);
      System.arraycopy(b, 0, both, a.length, b.length);
      float[] pb = net.predict(both, 2, 32, 40, false);
      float[] pa = net.predict(a, 1, 32, 40, false);
      for (int i = 0; i < pa.length; i++) {
        assertEquals(pa[i], pb[i], 1e-5);
      }
    }
  }

  /** Planar [3,n,n] image with rows and columns swapped. */
  private static float[] transposed(float[] img, int n) {
    float[] t = new float[img.length];
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          t[c * n * n + j * n + i] = img[c * n * n + i * n + j];
        }
      }
    }
    return t;
  }

  @Test
  void eightfoldTtaIsInvariantToTransposingTheImageAndFlipsAloneAreNot() {
    int n = 40;
    float[] img = random(3 * n * n, 12);
    float[] imgT = transposed(img, n);
    try (Network net = small(13)) {
      float[] d8 = net.predict(img, 1, n, n, Tta.D8);
      float[] d8OfTransposed = net.predict(imgT, 1, n, n, Tta.D8);
      float[] flips = net.predict(img, 1, n, n, Tta.FLIPS);
      float[] flipsOfTransposed = net.predict(imgT, 1, n, n, Tta.FLIPS);
      double d8Diff = 0;
      double flipsDiff = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          d8Diff = Math.max(d8Diff, Math.abs(d8[i * n + j] - d8OfTransposed[j * n + i]));
          flipsDiff = Math.max(flipsDiff, Math.abs(flips[i * n + j] - flipsOfTransposed[j * n + i]));
        }
      }
      assertTrue(d8Diff < 1e-5, "d8 of the transposed image = transposed d8, max diff " + d8Diff);
      assertTrue(flipsDiff > 1e-4, "flips alone are not transpose-invariant (diff " + flipsDiff + ")");
      float[] rect = random(3 * 24 * 40, 14);
      assertEquals(24 * 40, net.predict(rect, 1, 24, 40, Tta.D8).length, "non-square images transpose too");
    }
  }

  @Test
  void bceOnlyLossLeavesOutTheDiceTerm() {
    int p = 32;
    float[] x = random(2 * 3 * p * p, 15);
    float[] y = new float[2 * p * p];
    for (int i = 0; i < y.length; i++) {
      y[i] = x[i] > 0.7f ? 1 : 0;
    }
    try (Network a = small(16); Network b = small(16);
        TrainStep both = new TrainStep(a, 1e-3, 1e-4, true);
        TrainStep bce = new TrainStep(b, 1e-3, 1e-4, false)) {
      float withDice = both.step(x, y, 2, p, 1e-3);
      float without = bce.step(x, y, 2, p, 1e-3);
      double dice = withDice - without;
      assertTrue(dice > 0.05 && dice < 1, "soft Dice term of an untrained net: " + dice);
    }
  }

  /** A [1,1,h,w] tensor of {@code v} (the caller's PointerScope owns it). */
  private static org.bytedeco.pytorch.Tensor tensor(float[] v, int h, int w) {
    return org.bytedeco.pytorch.global.torch.from_blob(new org.bytedeco.javacpp.FloatPointer(v),
        new long[] {1, 1, h, w}).clone();
  }

  /** 24×40: a bar 7 px wide (rows 4-10) and a line 1 px wide (row 18), both from column 8 to 31. */
  private static float[] barAndLine() {
    float[] m = new float[24 * 40];
    for (int c = 8; c < 32; c++) {
      for (int r = 4; r <= 10; r++) {
        m[r * 40 + c] = 1;
      }
      m[18 * 40 + c] = 1;
    }
    return m;
  }

  @Test
  void softSkeletonThinsABarToItsCentreLineAndClDiceWeighsAMissedThinVesselMoreThanAMissedBorder() {
    try (PointerScope scope = new PointerScope()) {
      float[] target = barAndLine();
      float[] skel = new float[24 * 40];
      TrainStep.softSkeleton(tensor(target, 24, 40), TrainStep.SKELETON_ITERATIONS).contiguous()
          .data_ptr_float().get(skel);
      assertEquals(1, skel[7 * 40 + 20], 1e-6, "centre row of the bar");
      assertEquals(0, skel[4 * 40 + 20], 1e-6, "border row of the bar");
      assertEquals(1, skel[18 * 40 + 20], 1e-6, "the thin line is its own skeleton");
      assertEquals(0, TrainStep.softClDice(tensor(target, 24, 40), tensor(target, 24, 40)).item_float(), 1e-6);
      float[] noLine = target.clone();
      float[] noBorder = target.clone();
      for (int c = 8; c < 32; c++) {
        noLine[18 * 40 + c] = 0; // the thin vessel missed: 24 pixels
        noBorder[4 * 40 + c] = 0; // one border row of the thick one missed: 24 pixels too
      }
      float missedLine = TrainStep.softClDice(tensor(noLine, 24, 40), tensor(target, 24, 40)).item_float();
      float missedBorder = TrainStep.softClDice(tensor(noBorder, 24, 40), tensor(target, 24, 40)).item_float();
      assertTrue(missedLine > 0.15 && missedBorder < 0.01, "clDice: thin vessel missed " + missedLine
          + ", border row missed " + missedBorder + " (the same 24 pixels for Dice)");
    }
  }

  @Test
  void clDiceLossTrainsAndDiffersFromDiceAlone() {
    int p = 32;
    float[] x = random(2 * 3 * p * p, 15);
    float[] y = new float[2 * p * p];
    for (int i = 0; i < y.length; i++) {
      int r = (i / p) % p;
      y[i] = (r >= 4 && r <= 10) || r == 20 ? 1 : 0; // a thick and a thin vessel (speckle has no skeleton)
    }
    try (Network a = small(16); Network b = small(16);
        TrainStep dice = new TrainStep(a, 1e-3, 1e-4, Loss.BCE_DICE);
        TrainStep cl = new TrainStep(b, 1e-3, 1e-4, Loss.BCE_DICE_CLDICE)) {
      float first = cl.step(x, y, 2, p, 1e-3);
      float withDice = dice.step(x, y, 2, p, 1e-3);
      assertTrue(Float.isFinite(first) && Math.abs(first - withDice) > 1e-3, first + " vs " + withDice);
      float last = first;
      for (int i = 0; i < 20; i++) {
        last = cl.step(x, y, 2, p, 1e-3);
      }
      assertTrue(last < first, "20 steps on one batch lower the loss: " + first + " -> " + last);
    }
  }

  @Test
  void dropBlockZeroesAboutItsRateInSquareBlocksAndKeepsTheMean() {
    int n = 4;
    int c = 8;
    int s = 48;
    float[] ones = new float[n * c * s * s];
    java.util.Arrays.fill(ones, 1f);
    try (PointerScope scope = new PointerScope()) {
      org.bytedeco.pytorch.global.torch.manual_seed(7);
      var x = org.bytedeco.pytorch.global.torch.from_blob(new org.bytedeco.javacpp.FloatPointer(ones),
          new long[] {n, c, s, s}).clone();
      float[] out = new float[ones.length];
      DropBlock.apply(x, 0.2).contiguous().data_ptr_float().get(out);
      int zeros = 0;
      int inner = 0;
      double sum = 0;
      for (int i = 0; i < out.length; i++) {
        sum += out[i];
        if (out[i] == 0) {
          zeros++;
          int r = (i / s) % s;
          int col = i % s;
          if (r > 0 && r < s - 1 && col > 0 && col < s - 1 && out[i - 1] == 0 && out[i + 1] == 0
              && out[i - s] == 0 && out[i + s] == 0) {
            inner++;
          }
        }
      }
      double dropped = (double) zeros / out.length;
      assertTrue(dropped > 0.14 && dropped < 0.28, "share dropped at rate 0.2: " + dropped);
      assertEquals(1.0, sum / out.length, 1e-4, "the kept values are rescaled to keep the mean");
      assertTrue(inner > 0.3 * zeros, "dropped pixels come in blocks: " + inner + " of " + zeros
          + " have all four neighbours dropped (independent dropout: ~0.2^4 of them)");
      for (int i = 0; i < s * s; i++) {
        assertEquals(out[i] == 0, out[s * s + i] == 0, "the channels of a sample share one mask");
      }
      float[] same = new float[ones.length];
      DropBlock.apply(x, 0).contiguous().data_ptr_float().get(same);
      assertArrayEquals(ones, same, "rate 0 drops nothing");
    }
  }

  @Test
  void dropBlockActsInTrainingStepsOnlyNeverInPredictions() {
    int p = 32;
    float[] x = random(2 * 3 * p * p, 21);
    float[] y = new float[2 * p * p];
    for (int i = 0; i < y.length; i++) {
      y[i] = (i / p) % p >= 10 && (i / p) % p <= 14 ? 1 : 0;
    }
    try (Network plain = small(22); Network dropping = small(22)) {
      dropping.setDropBlock(0.3);
      assertArrayEquals(plain.predict(x, 2, p, p, false), dropping.predict(x, 2, p, p, false), 0f,
          "predictions (eval mode) ignore DropBlock");
      try (TrainStep a = new TrainStep(plain, 1e-3, 1e-4); TrainStep b = new TrainStep(dropping, 1e-3, 1e-4)) {
        a.seedNoise(5);
        b.seedNoise(5);
        float without = a.step(x, y, 2, p, 1e-3);
        float with = b.step(x, y, 2, p, 1e-3);
        assertTrue(Float.isFinite(with) && Math.abs(with - without) > 1e-4,
            "a training step drops blocks: loss " + with + " vs " + without);
      }
    }
  }

  @Test
  void checkpointRoundTripRestoresIdenticalPredictionsAndOptimizer(@TempDir Path dir) {
    int p = 32;
    float[] x = random(2 * 3 * p * p, 6);
    float[] y = new float[2 * p * p];
    for (int i = 0; i < y.length; i++) {
      y[i] = x[i] > 0.7f ? 1 : 0;
    }
    float[] img = random(3 * 45 * 51, 7);
    Path file = dir.resolve("ck.safetensors");
    try (Network net = small(8); TrainStep step = new TrainStep(net, 1e-3, 1e-4)) {
      step.step(x, y, 2, p, 1e-3);
      Checkpoint.save(file, net, 0.42f, Map.of("epoch", "1"), step);
      float[] before = net.predict(img, 1, 45, 51, true);
      step.step(x, y, 2, p, 1e-3);
      float[] afterOriginal = net.predict(img, 1, 45, 51, false);

      Checkpoint.Loaded loaded = Checkpoint.load(file, ComputeDevice.CPU, Precision.FP32);
      try (Network copy = loaded.network(); TrainStep step2 = new TrainStep(copy, 1e-3, 1e-4)) {
        assertEquals(0.42f, loaded.meta().thresholds().plain());
        assertEquals("1", loaded.meta().metadata().get("epoch"));
        assertArrayEquals(before, copy.predict(img, 1, 45, 51, true));
        Checkpoint.restoreOptimizer(step2, loaded.optimizerState());
        step2.step(x, y, 2, p, 1e-3);
        float[] afterCopy = copy.predict(img, 1, 45, 51, false);
        assertArrayEquals(afterOriginal, afterCopy, "a resumed step must equal the uninterrupted one");
      }
    }
  }

  @Test
  void corruptOrForeignFilesAreRefusedWithAClearMessage(@TempDir Path dir) throws Exception {
    Path junk = dir.resolve("junk.safetensors");
    Files.write(junk, new byte[] {1, 2, 3});
    var e = assertThrows(VesselsegException.Model.class,
        () -> Checkpoint.load(junk, ComputeDevice.CPU, Precision.FP32));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());

    Path file = dir.resolve("m.safetensors");
    try (Network net = small(9)) {
      Checkpoint.save(file, net, 0.5f, Map.of(), null);
    }
    byte[] all = Files.readAllBytes(file);
    Path cut = dir.resolve("cut.safetensors");
    Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
    var e2 = assertThrows(VesselsegException.Model.class,
        () -> Checkpoint.load(cut, ComputeDevice.CPU, Precision.FP32));
    assertTrue(e2.getMessage().contains("truncated"), e2.getMessage());

    // same file, other architecture in the metadata: shape mismatch names the tensor
    var c = SafeTensors.read(file);
    var meta = new java.util.LinkedHashMap<>(c.metadata());
    meta.put("architecture", "{\"type\":\"unet\",\"depth\":3,\"base_channels\":16}");
    Path other = dir.resolve("other.safetensors");
    SafeTensors.write(other, c.tensors(), meta);
    var e3 = assertThrows(VesselsegException.Model.class,
        () -> Checkpoint.load(other, ComputeDevice.CPU, Precision.FP32));
    assertTrue(e3.getMessage().contains("enc0.c1.weight"), e3.getMessage());
  }

  @Test
  void bf16PredictionsStayCloseToFp32() {
    try (Network a = small(10);
        Network b = Network.create(new Architecture(3, 8), ComputeDevice.CPU, Precision.BF16,
            Normalization.unit(), 10)) {
      float[] img = random(3 * 48 * 48, 11);
      float[] pa = a.predict(img, 1, 48, 48, false);
      float[] pb = b.predict(img, 1, 48, 48, false);
      double max = 0;
      for (int i = 0; i < pa.length; i++) {
        max = Math.max(max, Math.abs(pa[i] - pb[i]));
      }
      assertTrue(max < 0.05, "bf16 vs fp32 max abs diff " + max);
    }
  }
}
