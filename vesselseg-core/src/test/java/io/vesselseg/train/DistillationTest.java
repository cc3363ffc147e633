package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.InputChannels;
import io.vesselseg.data.PatchSampler;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Loss;
import io.vesselseg.model.Network;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.TrainStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Knowledge distillation ({@code train --distill-from}) on the synthetic set, from a briefly trained teacher. */
class DistillationTest {

  static final List<Sample> IMAGES = SyntheticFundus.dataset(8, 91, 96, 96);

  @TempDir
  static Path dir;
  static Path teacher;

  private static TrainConfig config(Path out, int epochs, String input, String distillFrom, double weight) {
    return new TrainConfig(new TrainConfig.Data("synthetic", 2, 1, null, ""),
        new TrainConfig.Schedule(epochs, 25, 0, 8, 3e-3, 1e-4, 10), new TrainConfig.Sampling(48, "basic", input),
        new TrainConfig.Objective("bce+dice", 0, 0, distillFrom, weight), new Architecture(3, 8),
        new TrainConfig.Runtime(out, "cpu", Precision.FP32, 2, 5, false));
  }

  @BeforeAll
  static void trainTeacher() {
    teacher = dir.resolve("teacher");
    TrainingRun.execute(config(teacher, 2, "rgb", "", 0.5), IMAGES, TrainingRunTest.quiet(), List.of());
  }

  @Test
  void distillationStepsLowerTheDistillationLoss() {
    TrainConfig cfg = config(dir.resolve("unused"), 1, "rgb", teacher.toString(), 1.0);
    Teacher t = Teacher.open(cfg.objective(), InputChannels.RGB);
    List<Sample> train = IMAGES.subList(0, 6);
    List<float[]> maps = t.probabilities(train, ComputeDevice.CPU);
    assertEquals(train.size(), maps.size());
    for (float[] m : maps) { // probabilities, not labels: the teacher is unsure somewhere
      assertTrue(java.util.stream.IntStream.range(0, m.length).allMatch(i -> m[i] >= 0 && m[i] <= 1));
      assertTrue(java.util.stream.IntStream.range(0, m.length).anyMatch(i -> m[i] > 0.05 && m[i] < 0.95));
    }
    PatchSampler sampler = new PatchSampler(train, maps, 48, PatchSampler.Augmentation.basic());
    int b = 8;
    float[] x = new float[b * 3 * 48 * 48];
    float[] y = new float[b * 48 * 48];
    float[] soft = new float[b * 48 * 48];
    sampler.fill(new Random(3), x, y, soft, b);
    try (Network student = Network.create(new Architecture(2, 8), ComputeDevice.CPU, Precision.FP32,
        TrainingData.normalization(train), 11); TrainStep step = new TrainStep(student, 3e-3, 0, Loss.BCE_DICE)) {
      step.distill(1.0);
      assertTrue(Float.isNaN(step.lastDistillLoss()));
      // BCE against soft targets is at least their entropy: the part a step can lower is the KL divergence
      double entropy = 0;
      for (float p : soft) {
        double q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
        entropy -= (q * Math.log(q) + (1 - q) * Math.log(1 - q)) / soft.length;
      }
      step.step(x, y, soft, b, 48, 3e-3);
      double first = step.lastDistillLoss() - entropy;
      double last = first;
      for (int i = 0; i < 30; i++) {
        step.step(x, y, soft, b, 48, 3e-3);
        last = step.lastDistillLoss() - entropy;
      }
      assertTrue(first > 0.02 && last < first / 2, "distillation KL " + first + " -> " + last);
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"basic", "strong", "elastic"})
  void softTargetsGoThroughTheLabelsAugmentation(String augment) {
    // a soft map equal to the labels must come out equal to the label patches, whatever the augmentation
    List<float[]> asLabels = IMAGES.stream().map(s -> {
      float[] m = new float[s.pixels()];
      for (int i = 0; i < m.length; i++) {
        m[i] = s.vessel()[i];
      }
      return m;
    }).toList();
    int b = 6;
    int p = 40;
    float[] x = new float[b * 3 * p * p];
    float[] y = new float[b * p * p];
    float[] t = new float[b * p * p];
    new PatchSampler(IMAGES, asLabels, p, PatchSampler.Augmentation.named(augment)).fill(new Random(8), x, y, t, b);
    org.junit.jupiter.api.Assertions.assertArrayEquals(y, t);
    float[] x2 = new float[x.length];
    float[] y2 = new float[y.length];
    new PatchSampler(IMAGES, p, PatchSampler.Augmentation.named(augment)).fill(new Random(8), x2, y2, b);
    org.junit.jupiter.api.Assertions.assertArrayEquals(x, x2, "soft targets do not change the patches drawn");
  }

  @Test
  void aDistilledRunRecordsItsTeacherAndItsConfigReadsBack() throws Exception {
    Path out = dir.resolve("student");
    TrainingRun.execute(config(out, 1, "rgb", teacher.toString(), 0.7), IMAGES, TrainingRunTest.quiet(),
        List.of());
    var meta = SafeTensors.read(out.resolve("best.safetensors")).metadata();
    JsonNode d = new ObjectMapper().readTree(meta.get("distillation"));
    byte[] teacherBytes = Files.readAllBytes(teacher.resolve("best.safetensors"));
    assertEquals(teacher.resolve("best.safetensors").toString(), d.get("teacher").asText());
    assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(teacherBytes)),
        d.get("sha256").asText());
    assertEquals(0.7, d.get("weight").asDouble(), 1e-12);
    TrainConfig stored = TrainConfig.fromJson(meta.get("config"));
    assertEquals(teacher.toString(), stored.objective().distillFrom());
    assertEquals(0.7, stored.objective().distillWeight(), 1e-12);
    JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
    assertEquals(d, run.get("distillation"));
  }

  @Test
  void aConfigStoredBeforeDistillationReadsAsNone() throws Exception {
    ObjectNode json = (ObjectNode) config(dir.resolve("old"), 1, "rgb", "", 0.5).toJson();
    ((ObjectNode) json.get("objective")).remove(List.of("distill_from", "distill_weight"));
    TrainConfig read = TrainConfig.fromJson(json.toString());
    assertFalse(read.objective().distills());
    assertEquals("", read.objective().distillFrom());
  }

  @Test
  void aMissingTeacherIsOneClearErrorBeforeTheRunStarts() {
    Path out = dir.resolve("no-teacher");
    var e = assertThrows(VesselsegException.Usage.class, () -> TrainingRun.execute(
        config(out, 1, "rgb", dir.resolve("nope.safetensors").toString(), 0.5), IMAGES, TrainingRunTest.quiet(),
        List.of()));
    assertTrue(e.getMessage().startsWith("--distill-from " + dir.resolve("nope.safetensors") + " does not exist"),
        e.getMessage());
    assertFalse(Files.exists(out));
  }

  @Test
  void aTeacherOfOtherInputChannelsIsRefused() {
    Path out = dir.resolve("clahe-student");
    var e = assertThrows(VesselsegException.Usage.class, () -> TrainingRun.execute(
        config(out, 1, "rg-clahe", teacher.toString(), 0.5), IMAGES, TrainingRunTest.quiet(), List.of()));
    assertTrue(e.getMessage().contains("reads rgb input and this run trains on rg-clahe"), e.getMessage());
    assertFalse(Files.exists(out));
  }

  @Test
  void theWeightMustBeBetweenZeroAndOne() {
    var e = assertThrows(VesselsegException.Usage.class,
        () -> new TrainConfig.Objective("bce", 0, 0, "builtin", 1.5));
    assertTrue(e.getMessage().startsWith("--distill-weight 1.5 must be in [0, 1]"), e.getMessage());
  }
}
