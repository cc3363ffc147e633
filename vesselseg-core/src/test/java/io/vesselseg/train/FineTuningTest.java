package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --init}: the weights, architecture and scale of a trained model, and {@code --freeze encoder}. */
class FineTuningTest {

  private static final List<Sample> IMAGES = SyntheticFundus.dataset(8, 31, 96, 96);

  private static TrainConfig config(Path out, Architecture arch, String init, String freeze) {
    return new TrainConfig(new TrainConfig.Data("synthetic", 2, 1, null, ""),
        new TrainConfig.Schedule(1, 15, 0, 8, 3e-3, 1e-4, 1), new TrainConfig.Sampling(48, "basic", "rgb"),
        new TrainConfig.Objective("bce+dice", 0, 0, "", 0.5, init, freeze), arch,
        new TrainConfig.Runtime(out, "cpu", Precision.FP32, 2, 5, false));
  }

  @Test
  void fineTuningStartsFromTheModelAndAFrozenEncoderStaysAsItWas(@TempDir Path dir) throws Exception {
    Path source = dir.resolve("source");
    TrainingRun.execute(config(source, new Architecture(2, 4), "", ""), IMAGES, TrainingRunTest.quiet(),
        List.of());
    Path sourceModel = source.resolve("best.safetensors");
    Map<String, SafeTensors.Entry> before = SafeTensors.read(sourceModel).tensors();

    // the configuration asks for another architecture: the initial model's wins
    Path tuned = dir.resolve("tuned");
    TrainingRun.execute(config(tuned, new Architecture(3, 8), source.toString(), "encoder"), IMAGES,
        TrainingRunTest.quiet(), List.of());
    SafeTensors.Contents after = SafeTensors.read(tuned.resolve("best.safetensors"));
    assertEquals(before.keySet(), after.tensors().keySet(), "the same architecture, tensor for tensor");
    int frozen = 0;
    int trained = 0;
    for (var e : before.entrySet()) {
      String k = e.getKey();
      if (!e.getValue().dtype().equals("F32") || k.contains("running") || k.contains("num_batches")) {
        continue; // BatchNorm statistics follow the new data even when frozen
      }
      boolean same = Arrays.equals(e.getValue().data(), after.tensors().get(e.getKey()).data());
      if (e.getKey().startsWith("enc") || e.getKey().startsWith("bottleneck")) {
        assertTrue(same, e.getKey() + " is in the frozen encoder and changed");
        frozen++;
      } else {
        assertFalse(same, e.getKey() + " is outside the encoder and did not train");
        trained++;
      }
    }
    assertTrue(frozen >= 8 && trained >= 4, frozen + " frozen, " + trained + " trained tensors");
    JsonNode init = new ObjectMapper().readTree(after.metadata().get("init"));
    assertEquals(Path.of(source.toString()).resolve("best.safetensors").toString(), init.get("model").asText());
    assertEquals(64, init.get("sha256").asText().length());
    assertTrue(init.get("frozen").asText().startsWith("encoder"), init.toString());
    assertTrue(after.metadata().get("config").contains("\"init\""), "the config records --init");
  }

  @Test
  void withoutFreezingEveryWeightMovesFromTheInitialOnes(@TempDir Path dir) throws Exception {
    Path source = dir.resolve("source");
    TrainingRun.execute(config(source, new Architecture(2, 4), "", ""), IMAGES, TrainingRunTest.quiet(),
        List.of());
    Path tuned = dir.resolve("tuned");
    TrainingRun.execute(config(tuned, new Architecture(2, 4), source.resolve("best.safetensors").toString(), ""),
        IMAGES, TrainingRunTest.quiet(), List.of());
    var before = SafeTensors.read(source.resolve("best.safetensors")).tensors();
    var after = SafeTensors.read(tuned.resolve("best.safetensors")).tensors();
    float[] a = floats(before.get("enc0.c1.weight"));
    float[] b = floats(after.get("enc0.c1.weight"));
    double moved = 0;
    double size = 0;
    for (int i = 0; i < a.length; i++) {
      moved += Math.abs(a[i] - b[i]);
      size += Math.abs(a[i]);
    }
    assertTrue(moved > 0 && moved < size, "fine-tuned, not retrained from scratch: moved " + moved + " of " + size);
    // the weights were really loaded: validated before training, the run scores the same images as the source
    // scored its best (its only) epoch
    String[] sourceEpoch = Files.readAllLines(source.resolve("metrics.csv")).get(1).split(",");
    JsonNode beforeTuning = new ObjectMapper().readTree(tuned.resolve("run.json").toFile()).get("init").get("before");
    assertEquals(Double.parseDouble(sourceEpoch[3]), beforeTuning.get("val_loss").asDouble(), 1e-6,
        "the first validation loss is the source model's");
    assertEquals(Double.parseDouble(sourceEpoch[4]), beforeTuning.get("val_f1").asDouble(), 1e-6);
  }

  @Test
  void aMissingModelOrAFreezeWithoutInitIsOneClearError(@TempDir Path dir) {
    var missing = assertThrows(VesselsegException.Usage.class, () -> TrainingRun.execute(
        config(dir.resolve("r"), new Architecture(2, 4), dir.resolve("nope.safetensors").toString(), ""), IMAGES,
        TrainingRunTest.quiet(), List.of()));
    assertTrue(missing.getMessage().contains("--init") && missing.getMessage().contains("nope.safetensors"),
        missing.getMessage());
    assertFalse(Files.exists(dir.resolve("r")), "nothing written");
    var freeze = assertThrows(VesselsegException.Usage.class,
        () -> new TrainConfig.Objective("bce+dice", 0, 0, "", 0.5, "", "encoder"));
    assertTrue(freeze.getMessage().contains("needs --init"), freeze.getMessage());
  }

  private static float[] floats(SafeTensors.Entry e) {
    float[] f = new float[e.data().length / 4];
    java.nio.ByteBuffer.wrap(e.data()).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
    return f;
  }
}
