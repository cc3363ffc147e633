package io.vesselseg.model;

import static io.vesselseg.model.RandomArrays.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import io.vesselseg.infer.Models;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Structured channel pruning keeps the right channels and wires the skip connections to them. */
class PruningTest {

  /**
   * A trained U-Net in which half the channels of every layer, chosen at random, are dead (BatchNorm gamma and
   * beta 0, or a transposed convolution's weights and bias 0) is, pruned to half its width, the same function:
   * its probabilities equal the original's. A wrong channel in any convolution, BatchNorm or in the decoder's
   * concatenation of skip and upsampling would change them.
   */
  @Test
  void pruningDeadChannelsKeepsTheProbabilities(@TempDir Path dir) {
    Path original = dir.resolve("original.safetensors");
    try (Network net = Network.create(new Architecture(2, 8), ComputeDevice.CPU, Precision.FP32,
        new Normalization(new float[] {0.5f, 0.3f, 0.2f}, new float[] {0.3f, 0.2f, 0.1f}), 7)) {
      float[] x = random(4 * 3 * 32 * 32, 1);
      float[] y = random(4 * 32 * 32, 2);
      try (TrainStep step = new TrainStep(net, 1e-2, 1e-4)) {
        for (int i = 0; i < 3; i++) { // moves BatchNorm statistics and scales off their init
          step.step(x, y, 4, 32, 1e-2);
        }
      }
      Checkpoint.save(original, net, 0.5f, Map.of(), null);
    }
    SafeTensors.Contents c = SafeTensors.read(original);
    Map<String, SafeTensors.Entry> t = new LinkedHashMap<>(c.tensors());
    Random r = new Random(3);
    for (String k : List.copyOf(t.keySet())) {
      if (k.matches(".*\\.b[12]\\.weight")) { // a BatchNorm: kill half its channels
        String bn = k.substring(0, k.length() - "weight".length());
        List<Integer> dead = half(t.get(k).shape()[0], r);
        t.put(bn + "weight", zeroRows(t.get(bn + "weight"), dead));
        t.put(bn + "bias", zeroRows(t.get(bn + "bias"), dead));
      } else if (k.matches("up\\d\\.weight")) { // a transposed convolution [in, out, 2, 2]
        String up = k.substring(0, k.length() - "weight".length());
        List<Integer> dead = half(t.get(k).shape()[1], r);
        t.put(up + "weight", zeroColumns(t.get(k), dead));
        t.put(up + "bias", zeroRows(t.get(up + "bias"), dead));
      }
    }
    Path withDead = dir.resolve("dead.safetensors");
    SafeTensors.write(withDead, t, c.metadata());
    Pruning.Result pruned = Pruning.prune(SafeTensors.read(withDead), "dead.safetensors", "00", 1, 4);
    Path small = dir.resolve("pruned.safetensors");
    SafeTensors.write(small, pruned.contents().tensors(), pruned.contents().metadata());

    int h = 40;
    int w = 44;
    float[] photo = random(3 * h * w, 5);
    float[] before;
    float[] after;
    try (Network big = Checkpoint.load(withDead, ComputeDevice.CPU, Precision.FP32).network()) {
      before = big.predict(photo, 1, h, w, false);
      assertEquals(new Architecture(2, 8), big.architecture());
    }
    try (Network net = Checkpoint.load(small, ComputeDevice.CPU, Precision.FP32).network()) {
      assertEquals(new Architecture(2, 4), net.architecture());
      assertEquals(pruned.parameters(), net.parameterCount());
      after = net.predict(photo, 1, h, w, false);
    }
    double worst = 0;
    double spread = 0;
    for (int i = 0; i < before.length; i++) {
      worst = Math.max(worst, Math.abs(before[i] - after[i]));
      spread = Math.max(spread, Math.abs(before[i] - before[0]));
    }
    assertTrue(worst < 1e-5, "pruned vs original max |diff| " + worst);
    assertTrue(spread > 1e-3, "the probabilities should vary: " + spread);
    assertTrue(pruned.parameters() < pruned.before() / 3, pruned.parameters() + " of " + pruned.before());
  }

  @Test
  void aMemberOfTheShippedEnsembleBecomesANarrowModelFile() {
    byte[] bytes = Models.builtInBytes();
    Pruning.Result r = Pruning.prune(SafeTensors.parse(bytes, "builtin"), "builtin", "ab", 2, 3);
    Checkpoint.Meta meta = Checkpoint.meta(r.contents().metadata(), "pruned");
    assertEquals(new Architecture(4, 3), meta.architecture());
    assertEquals(1, meta.members());
    assertEquals(1_942_577, r.before());
    assertTrue(r.parameters() < 100_000, "parameters " + r.parameters());
    assertArrayEquals(new long[] {3, 3, 3, 3}, r.contents().tensors().get("enc0.c1.weight").shape());
    assertArrayEquals(new long[] {6, 12, 3, 3}, r.contents().tensors().get("dec1.c1.weight").shape());
    assertTrue(r.contents().metadata().get(Pruning.KEY).contains("\"member\":2"));
  }

  @Test
  void impossiblePruningIsRefusedWithTheRange() {
    SafeTensors.Contents c = SafeTensors.parse(Models.builtInBytes(), "builtin");
    var member = assertThrows(VesselsegException.Usage.class, () -> Pruning.prune(c, "builtin", "", 5, 3));
    assertTrue(member.getMessage().contains("pass 1..4"), member.getMessage());
    var width = assertThrows(VesselsegException.Usage.class, () -> Pruning.prune(c, "builtin", "", 1, 16));
    assertTrue(width.getMessage().contains("pass 2..15"), width.getMessage());
  }

  @Test
  void theLargestKeepTheirOrder() {
    assertArrayEquals(new int[] {1, 3}, Pruning.largest(new float[] {0.1f, 5f, 0.2f, 3f}, 2));
    assertArrayEquals(new int[] {0, 2}, Pruning.largest(new float[] {1f, 0f, 1f, 1f}, 2)); // ties: lower index
  }

  private static List<Integer> half(long n, Random r) {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(i);
    }
    Collections.shuffle(all, r);
    return all.subList(0, (int) n / 2);
  }

  /** The entry with rows {@code dead} (first dimension) zeroed. */
  private static SafeTensors.Entry zeroRows(SafeTensors.Entry e, List<Integer> dead) {
    int row = e.data().length / (int) e.shape()[0];
    byte[] d = e.data().clone();
    for (int i : dead) {
      java.util.Arrays.fill(d, i * row, (i + 1) * row, (byte) 0);
    }
    return new SafeTensors.Entry(e.dtype(), e.shape(), d);
  }

  /** The entry [a, b, …] with columns {@code dead} (second dimension) zeroed. */
  private static SafeTensors.Entry zeroColumns(SafeTensors.Entry e, List<Integer> dead) {
    long[] s = e.shape();
    int inner = (int) (s[2] * s[3]);
    ByteBuffer b = ByteBuffer.wrap(e.data().clone()).order(ByteOrder.LITTLE_ENDIAN);
    for (int a = 0; a < s[0]; a++) {
      for (int col : dead) {
        for (int i = 0; i < inner; i++) {
          b.putFloat(((a * (int) s[1] + col) * inner + i) * 4, 0f);
        }
      }
    }
    return new SafeTensors.Entry(e.dtype(), e.shape(), b.array());
  }
}
