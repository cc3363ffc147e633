package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.Sample;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --train-images K}: the few-label regime on the synthetic set. */
class TrainImagesTest {

  private static final List<Sample> IMAGES = TrainingRunTest.IMAGES;

  private static TrainConfig config(Path out, int trainImages) {
    return new TrainConfig(new TrainConfig.Data("synthetic", 3, 1, null, "", trainImages),
        new TrainConfig.Schedule(1, 10, 0, 4, 3e-3, 1e-4, 1), new TrainConfig.Sampling(48, "basic", "rgb"),
        new TrainConfig.Objective("bce+dice", 0, 0, "", 0.5), new Architecture(2, 4),
        new TrainConfig.Runtime(out, "cpu", Precision.FP32, 2, 5, false));
  }

  @Test
  void theSubsetIsSeededAndDrawnFromTheImagesLeftAfterValidation() {
    List<Sample> left = TrainingData.split(IMAGES, 3, 1, 5).get(0);
    assertSame(left, TrainingData.trainingSubset(left, 0, 5), "0: every image");
    List<Sample> two = TrainingData.trainingSubset(left, 2, 5);
    assertEquals(2, two.size());
    assertTrue(left.containsAll(two));
    assertTrue(left.indexOf(two.get(0)) < left.indexOf(two.get(1)), "input order kept");
    assertEquals(two, TrainingData.trainingSubset(left, 2, 5), "same seed, same images");
    Set<List<String>> drawn = new HashSet<>();
    for (long seed = 1; seed <= 12; seed++) {
      drawn.add(TrainingData.trainingSubset(left, 2, seed).stream().map(Sample::id).toList());
    }
    assertTrue(drawn.size() > 3, "the seed chooses: " + drawn);
    assertEquals(left, TrainingData.trainingSubset(left, left.size(), 5));
  }

  @Test
  void aRunTrainsOnKImagesAndRecordsThem(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("k2");
    TrainingRun.execute(config(out, 2), IMAGES, TrainingRunTest.quiet(), List.of());
    List<Sample> left = TrainingData.split(IMAGES, 3, 1, 5).get(0);
    List<String> expected = TrainingData.trainingSubset(left, 2, 5).stream().map(Sample::id).toList();
    ObjectMapper json = new ObjectMapper();
    JsonNode run = json.readTree(Files.readString(out.resolve("run.json")));
    assertEquals(expected, json.convertValue(run.path("split").path("training"), List.class));
    assertEquals(3, run.path("split").path("validation").size(), "validation images as without K");
    assertEquals(2, run.path("config").path("data").path("train_images").asInt());
    var meta = SafeTensors.read(out.resolve("best.safetensors")).metadata();
    assertEquals(2, TrainConfig.fromJson(meta.get("config")).data().trainImages(), "recorded in the model");
  }

  @Test
  void moreImagesThanThereAreIsAClearErrorBeforeAnythingIsWritten(@TempDir Path dir) {
    Path out = dir.resolve("k99");
    var e = assertThrows(VesselsegException.Usage.class,
        () -> TrainingRun.execute(config(out, 8), IMAGES, TrainingRunTest.quiet(), List.of()));
    assertTrue(e.getMessage().contains("--train-images 8: only 7 training images"), e.getMessage());
    assertFalse(Files.exists(out), "no run directory");
    var negative = assertThrows(VesselsegException.Usage.class, () -> config(out, -1));
    assertTrue(negative.getMessage().contains("train-images"), negative.getMessage());
  }
}
