package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.PatchSampler;
import io.vesselseg.data.Resize;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --data A,B}: two generated sets of different sizes and scales (9 photographs of 96² and 5 of
 * 160², FOV about 86 and 144 px) split each on its own, drawn in their stated shares, trained at one scale.
 */
class MultiSetTrainingTest {

  static final List<Sample> SMALL = named("small", SyntheticFundus.dataset(9, 11, 96, 96));
  static final List<Sample> LARGE = named("large", SyntheticFundus.dataset(5, 12, 160, 160));
  static final TrainingSets SETS = TrainingSets.ofSets(List.of(SMALL, LARGE));
  /** A measured share may differ from the stated one by this much: 8,000 draws, about 3.5 standard deviations. */
  static final double SHARE_TOLERANCE = 0.02;

  private static List<Sample> named(String set, List<Sample> images) {
    return images.stream().map(s -> new Sample(set + "_" + s.id(), s.width(), s.height(), s.rgb(), s.vessel(),
        null, s.fov(), false)).toList();
  }

  private static TrainConfig.Data data(List<Double> weights, int trainImages) {
    return new TrainConfig.Data("small,large", 2, 1, 9L, "", trainImages, weights);
  }

  private static TrainConfig config(Path out, int epochs, boolean resume, List<Double> weights, int diameter) {
    return new TrainConfig(data(weights, 0), new TrainConfig.Schedule(epochs, 8, 0, 4, 3e-3, 1e-4, 2),
        new TrainConfig.Sampling(32, "basic", "rgb", diameter), new TrainConfig.Objective("bce+dice", 0, 0, "", 0.5),
        new Architecture(2, 4), new TrainConfig.Runtime(out, "cpu", Precision.FP32, 2, 5, resume));
  }

  /** The share of patches the run's sampler cuts from the first set, over 8,000 draws. */
  private static double firstSetShare(List<TrainingSets.Part> parts) {
    List<Sample> pooled = TrainingSets.training(parts);
    PatchSampler sampler = new PatchSampler(pooled, null, TrainingSets.imageWeights(parts), 16,
        PatchSampler.Augmentation.none());
    int batch = 32;
    float[] x = new float[batch * 3 * 16 * 16];
    float[] y = new float[batch * 16 * 16];
    int[] drawn = new int[batch];
    Random r = new Random(3);
    int first = 0;
    int all = 0;
    for (int b = 0; b < 250; b++) {
      sampler.fill(r, x, y, null, batch, drawn);
      for (int i : drawn) {
        first += i < parts.get(0).training().size() ? 1 : 0;
        all++;
      }
    }
    return (double) first / all;
  }

  @Test
  void eachSetIsSplitOnItsOwnAndDrawnInItsStatedShare() {
    List<TrainingSets.Part> parts = SETS.split(data(List.of(), 0), 5);
    assertEquals(List.of("small", "large"), parts.stream().map(TrainingSets.Part::name).toList());
    assertEquals(TrainingData.split(SMALL, 2, 1, 9).get(1), parts.get(0).validation(), "held out as alone");
    assertEquals(TrainingData.split(LARGE, 2, 1, 9).get(1), parts.get(1).validation(), "held out as alone");
    assertEquals(7, parts.get(0).training().size());
    assertEquals(3, parts.get(1).training().size());
    // equal shares by default, although the first set has 7 of the 10 training photographs
    assertEquals(0.5, firstSetShare(parts), SHARE_TOLERANCE);
    assertEquals(0.75, firstSetShare(SETS.split(data(List.of(3.0, 1.0), 0), 5)), SHARE_TOLERANCE);
    assertEquals(List.of(0.75, 0.25), data(List.of(3.0, 1.0), 0).shares());

    List<TrainingSets.Part> two = SETS.split(data(List.of(), 2), 5);
    assertEquals(List.of(2, 2), two.stream().map(p -> p.training().size()).toList(), "--train-images per set");
    assertEquals(TrainingData.trainingSubset(TrainingData.split(LARGE, 2, 1, 9).get(0), 2, 5), two.get(1).training());
    assertEquals(null, TrainingSets.imageWeights(TrainingSets.of(SMALL).split(new TrainConfig.Data("small", 2, 1,
        9L, ""), 5)), "one set: every photograph alike, the draws of earlier versions");
  }

  @Test
  void badSetsAndWeightsAreOneClearErrorBeforeAnythingIsWritten(@TempDir Path dir) {
    var count = assertThrows(VesselsegException.Usage.class, () -> data(List.of(1.0), 0));
    assertTrue(count.getMessage().contains("--set-weights 1.0 gives 1 weight(s) for 2 set(s)"), count.getMessage());
    var zero = assertThrows(VesselsegException.Usage.class, () -> data(List.of(1.0, 0.0), 0));
    assertTrue(zero.getMessage().contains("must all be positive"), zero.getMessage());
    var twice = assertThrows(VesselsegException.Usage.class, () -> new TrainConfig.Data("a,a", 2, 1, 9L, ""));
    assertTrue(twice.getMessage().contains("names a set twice"), twice.getMessage());
    var empty = assertThrows(VesselsegException.Usage.class, () -> new TrainConfig.Data("a,,b", 2, 1, 9L, ""));
    assertTrue(empty.getMessage().contains("names an empty set"), empty.getMessage());
    var scale = assertThrows(VesselsegException.Usage.class, () -> new TrainConfig.Sampling(32, "basic", "rgb", 10));
    assertTrue(scale.getMessage().startsWith("--fov-diameter 10 must be a FOV diameter in pixels"), scale.getMessage());

    Path out = dir.resolve("run");
    var missing = assertThrows(VesselsegException.Usage.class, () -> TrainingRun.execute(config(out, 1, false,
        List.of(), 0), TrainingSets.of(SMALL), TrainingRunTest.quiet(), List.of(), () -> false));
    assertTrue(missing.getMessage().contains("trains on 2 set(s) (small,large) but 1 were given"),
        missing.getMessage());
    var small = assertThrows(VesselsegException.Data.class, () -> TrainingRun.execute(config(out, 1, false,
        List.of(), 0), TrainingSets.ofSets(List.of(SMALL, LARGE.subList(0, 2))), TrainingRunTest.quiet(), List.of(),
        () -> false));
    assertTrue(small.getMessage().startsWith("set large: need more than 2 training images"), small.getMessage());
    var sameIds = assertThrows(VesselsegException.Data.class, () -> TrainingRun.execute(config(out, 1, false,
        List.of(), 0), TrainingSets.ofSets(List.of(SMALL, SMALL)), TrainingRunTest.quiet(), List.of(), () -> false));
    assertTrue(sameIds.getMessage().contains("is in both set small and set large"), sameIds.getMessage());
    int own = Initialization.open("compact").fovDiameter();
    assertTrue(own > 0, "the compact model records its scale");
    // fine-tuning keeps the model's scale unless --fov-diameter asks for another
    assertEquals(own, Initialization.open("compact").fovDiameter(0));
    assertEquals(own + 50, Initialization.open("compact").fovDiameter(own + 50));
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void setsTrainTogetherAtOneScaleAndAResumedRunEndsAsAnUninterruptedOne(@TempDir Path dir) throws Exception {
    List<Double> weights = List.of(3.0, 1.0);
    Path a = dir.resolve("a");
    TrainingRun.execute(config(a, 2, false, weights, 120), SETS, TrainingRunTest.quiet(), List.of(), () -> false);

    Map<String, String> meta = SafeTensors.read(a.resolve("best.safetensors")).metadata();
    assertEquals("120", meta.get("fov_diameter"), "the scale the model records");
    TrainConfig stored = TrainConfig.fromJson(meta.get("config"));
    assertEquals(List.of("small", "large"), stored.data().sets());
    assertEquals(weights, stored.data().setWeights());
    assertEquals(120, stored.sampling().fovDiameter());
    List<String> val = Checkpoint.validationImages(meta);
    assertTrue(val.stream().anyMatch(id -> id.startsWith("small_")) && val.stream().anyMatch(id -> id.startsWith(
        "large_")) && val.size() == 4, "validation images of both sets: " + val);
    JsonNode sets = new ObjectMapper().readTree(Files.readString(a.resolve("run.json"))).path("sets");
    assertEquals(2, sets.size(), sets.toString());
    assertEquals("small", sets.get(0).path("data").asText());
    assertEquals(0.75, sets.get(0).path("share").asDouble(), 1e-12);
    assertEquals(0.25, sets.get(1).path("share").asDouble(), 1e-12);
    assertEquals(sets, new ObjectMapper().readTree(meta.get("sets")), "the model file records the sets too");
    assertTrue(sets.get(0).path("scale").asDouble() > 1.2 && sets.get(1).path("scale").asDouble() < 0.9,
        "small photographs enlarged, large ones shrunk: " + sets);
    // the run's photographs, brought to the one diameter the way the run brings them
    for (Sample s : TrainingData.atOneScale(TrainingSets.training(SETS.split(stored.data(), 5)), 120)) {
      int d = Resize.fovDiameter(s.fov(), s.width(), s.height());
      assertEquals(120, d, 120 * Predictor.RESCALE_TOLERANCE, s.id() + " has FOV diameter " + d);
    }

    Path b = dir.resolve("b");
    TrainListener crashAfterEpoch1 = new TrainListener() {
      @Override
      public void onEpoch(Epoch e, TrainState state) {
        throw new IllegalStateException("simulated crash after epoch 1");
      }
    };
    assertThrows(IllegalStateException.class, () -> TrainingRun.execute(config(b, 2, false, weights, 120), SETS,
        TrainingRunTest.quiet(), List.of(crashAfterEpoch1), () -> false));
    // resumed with other weights and scale asked for: the stored ones win
    TrainSummary resumed = TrainingRun.execute(config(b, 9, true, List.of(1.0, 1.0), 0), SETS,
        TrainingRunTest.quiet(), List.of(), () -> false);
    assertEquals(2, resumed.epochs());
    var wa = SafeTensors.read(a.resolve("last.safetensors")).tensors();
    var wb = SafeTensors.read(b.resolve("last.safetensors")).tensors();
    for (String k : wa.keySet()) {
      if (!k.startsWith("optimizer.")) {
        assertArrayEquals(wa.get(k).data(), wb.get(k).data(), "tensor " + k + " after resume");
      }
    }
  }
}
