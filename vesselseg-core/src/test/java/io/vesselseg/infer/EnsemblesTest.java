package io.vesselseg.infer;

import static io.vesselseg.model.RandomArrays.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.Thresholds;
import io.vesselseg.model.TrainStep;
import io.vesselseg.model.Tta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ensemble model files: combining, loading, and predictions that are the members' mean. */
class EnsemblesTest {

  private static final Architecture ARCH = new Architecture(2, 4);
  private static final int H = 37;
  private static final int W = 45;
  private static final float[] IMAGE = random(3 * H * W, 7);

  /**
   * A model file of a freshly initialised U-Net (seed fixes its weights) with the given thresholds: plain
   * {@code threshold} and any threshold entries of {@code extra}.
   */
  private static Path model(Path dir, String name, Architecture arch, long seed, float threshold,
      Map<String, String> extra) {
    Path file = dir.resolve(name);
    Map<String, String> entries = new HashMap<>(extra);
    entries.put("threshold", Float.toString(threshold));
    Map<String, String> rest = new HashMap<>(extra);
    rest.keySet().removeIf(Thresholds::owns);
    try (Network net = Network.create(arch, ComputeDevice.CPU, Precision.FP32, Normalization.unit(), seed)) {
      Checkpoint.save(file, net, Thresholds.fromMetadata(entries), rest, null);
    }
    return file;
  }

  private static float[] predict(Path file, Tta tta, boolean fused) {
    try (Network net = Checkpoint.load(file, ComputeDevice.CPU, Precision.FP32).network()) {
      if (fused) {
        net.fuseForInference();
      }
      return net.predict(IMAGE, 1, H, W, tta);
    }
  }

  private static float[] mean(float[] a, float wa, float[] b, float wb) {
    float[] m = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      m[i] = wa * a[i] + wb * b[i];
    }
    return m;
  }

  @Test
  void anEnsemblePredictsTheMeanOfItsMembersAndNestedEnsemblesFlatten(@TempDir Path dir) throws Exception {
    Path a = model(dir, "a.safetensors", ARCH, 1, 0.4f, Map.of("threshold_flips", "0.45", "epoch", "3"));
    Path b = model(dir, "b.safetensors", ARCH, 2, 0.6f, Map.of("threshold_flips", "0.45", "epoch", "3"));
    Path ab = dir.resolve("ab.safetensors");
    Ensembles.combine(List.of(a.toString(), b.toString()), Checkpoint.BEST, ab);

    var loaded = Checkpoint.load(ab, ComputeDevice.CPU, Precision.FP32);
    try (Network net = loaded.network()) {
      assertEquals(2, net.members());
      assertEquals(2 * sizeOf(a), net.parameterCount(), "both members' weights");
    }
    var meta = loaded.meta();
    assertEquals(2, meta.members());
    assertEquals(0.5f, meta.thresholds().plain(), 1e-6f, "differing thresholds: their mean");
    assertEquals(0.45f, meta.thresholds().forTta(Tta.FLIPS), "a threshold every member shares is kept");
    assertFalse(meta.metadata().containsKey("epoch"), "a member's epoch is not the ensemble's");
    var info = new ObjectMapper().readTree(meta.metadata().get("ensemble"));
    assertTrue(info.get("threshold").asText().startsWith("mean of the members'"), info.toString());
    assertEquals(2, info.get("members").size());
    assertTrue(SafeTensors.read(ab).tensors().containsKey("members.1.enc0.c1.weight"));

    for (Tta tta : new Tta[] {Tta.NONE, Tta.FLIPS, Tta.D8}) {
      float[] expected = mean(predict(a, tta, false), 0.5f, predict(b, tta, false), 0.5f);
      assertArrayEquals(expected, predict(ab, tta, false), 1e-5f, tta.label());
      assertArrayEquals(expected, predict(ab, tta, true), 1e-4f, tta.label() + ", BatchNorm folded");
    }

    try (Network first = Checkpoint.load(SafeTensors.read(ab), "ab", ComputeDevice.CPU, Precision.FP32, 1)
        .network()) {
      assertEquals(1, first.members());
      assertArrayEquals(predict(a, Tta.NONE, false), first.predict(IMAGE, 1, H, W, Tta.NONE), 1e-6f,
          "--members 1: the first network alone");
    }

    Path aba = dir.resolve("aba.safetensors");
    Ensembles.combine(List.of(ab.toString(), a.toString()), Checkpoint.BEST, aba);
    float[] pa = predict(a, Tta.NONE, false);
    float[] pb = predict(b, Tta.NONE, false);
    assertArrayEquals(mean(pa, 2 / 3f, pb, 1 / 3f), predict(aba, Tta.NONE, false), 1e-5f);
    assertEquals(3, new ObjectMapper().readTree(SafeTensors.read(aba).metadata().get("architecture"))
        .get("members").asInt());
  }

  private static long sizeOf(Path file) {
    try (Network net = Checkpoint.load(file, ComputeDevice.CPU, Precision.FP32).network()) {
      return net.parameterCount();
    }
  }

  @Test
  void membersThatDifferInShapeOrDataAreRefusedAndNothingIsWritten(@TempDir Path dir) {
    Path a = model(dir, "a.safetensors", ARCH, 1, 0.5f, Map.of());
    Path wider = model(dir, "w.safetensors", new Architecture(2, 8), 2, 0.5f, Map.of());
    Path other = model(dir, "o.safetensors", ARCH, 3, 0.5f, Map.of("validation_images", "[\"21_training\"]"));
    Path out = dir.resolve("out.safetensors");
    var shape = assertThrows(VesselsegException.Usage.class,
        () -> Ensembles.combine(List.of(a.toString(), wider.toString()), Checkpoint.BEST, out));
    assertTrue(shape.getMessage().contains("same architecture"), shape.getMessage());
    var data = assertThrows(VesselsegException.Usage.class,
        () -> Ensembles.combine(List.of(a.toString(), other.toString()), Checkpoint.BEST, out));
    assertTrue(data.getMessage().contains("'validation_images' differs"), data.getMessage());
    Path ab = dir.resolve("ab.safetensors");
    Path ba = dir.resolve("ba.safetensors");
    float[] one = {1, 1, 1};
    try (Network x = Network.create(ARCH, ComputeDevice.CPU, Precision.FP32,
            new Normalization(new float[] {0.5f, 0.5f, 0.5f}, one), 4);
        Network y = Network.create(ARCH, ComputeDevice.CPU, Precision.FP32,
            new Normalization(new float[] {Math.nextUp(0.5f), 0.5f, 0.5f}, one), 5)) {
      Checkpoint.save(ab, x, 0.5f, Map.of("validation_images", "[\"21_training\",\"22_training\"]"), null);
      Checkpoint.save(ba, y, 0.5f, Map.of("validation_images", "[\"22_training\",\"21_training\"]"), null);
    }
    Ensembles.combine(List.of(ab.toString(), ba.toString()), Checkpoint.BEST, dir.resolve("ok.safetensors"));
    assertTrue(Files.isRegularFile(dir.resolve("ok.safetensors")),
        "the same images in another order, statistics a rounding apart: one split");
    var single = assertThrows(VesselsegException.Usage.class,
        () -> Ensembles.combine(List.of(a.toString()), Checkpoint.BEST, out));
    assertTrue(single.getMessage().contains("at least two"), single.getMessage());
    assertFalse(Files.exists(out));
  }

  @Test
  void anEnsembleIsNotTrainedAsOneNetwork() {
    try (Network net = Network.createEnsemble(ARCH, 2, ComputeDevice.CPU, Precision.FP32, Normalization.unit())) {
      var e = assertThrows(IllegalArgumentException.class, () -> new TrainStep(net, 1e-3, 0, true));
      assertTrue(e.getMessage().contains("train each member"), e.getMessage());
    }
  }
}
