package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.Resize;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Short real trainings on synthetic fundus images (about a minute in all on 2 cores). */
class TrainingRunTest {

  static final List<Sample> IMAGES = SyntheticFundus.dataset(10, 77, 96, 96);

  private static TrainConfig config(Path out, int epochs, boolean resume) {
    return config(out, epochs, resume, "rgb", 0);
  }

  private static TrainConfig config(Path out, int epochs, boolean resume, String input, double ema) {
    return config(out, epochs, resume, input, ema, 3, "");
  }

  private static TrainConfig config(Path out, int epochs, boolean resume, String input, double ema,
      int validationImages, String thresholdsFrom) {
    return config(out, epochs, resume, input, ema, validationImages, 1, thresholdsFrom);
  }

  private static TrainConfig config(Path out, int epochs, boolean resume, String input, double ema,
      int validationImages, int fold, String thresholdsFrom) {
    return config(out, epochs, resume, input, ema, validationImages, fold, thresholdsFrom, 0);
  }

  private static TrainConfig config(Path out, int epochs, boolean resume, String input, double ema,
      int validationImages, int fold, String thresholdsFrom, double dropBlock) {
    return new TrainConfig(new TrainConfig.Data("synthetic", validationImages, fold, null, thresholdsFrom),
        new TrainConfig.Schedule(epochs, 25, 0, 8, 3e-3, 1e-4, 10), new TrainConfig.Sampling(48, "basic", input),
        new TrainConfig.Objective("bce+dice", ema, dropBlock, "", 0.5), new Architecture(3, 8),
        new TrainConfig.Runtime(out, "cpu", Precision.FP32, 2, 5, resume));
  }

  static ConsoleProgress quiet() {
    return new ConsoleProgress(new PrintStream(new ByteArrayOutputStream()), false);
  }

  /** Records every epoch's validation F1. */
  private static final class Recorder implements TrainListener {
    final List<Double> f1 = new ArrayList<>();

    @Override
    public void onEpoch(Epoch e, TrainState state) {
      f1.add(e.valF1());
    }
  }

  @Test
  void validationF1RisesAndTheRunDirectoryIsComplete(@TempDir Path dir) throws Exception {
    Recorder rec = new Recorder();
    Path out = dir.resolve("run");
    TrainSummary s = TrainingRun.execute(config(out, 4, false), IMAGES, quiet(), List.of(rec));
    assertEquals(4, s.epochs());
    assertEquals(100, s.steps());
    double first = rec.f1.get(0);
    double best = rec.f1.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    assertTrue(best > first + 0.1 && best > 0.45, "validation F1 per epoch: " + rec.f1);
    assertEquals(best, s.bestValF1(), 1e-12);
    for (String f : List.of("run.json", "metrics.csv", "best.safetensors", "last.safetensors")) {
      assertTrue(Files.isRegularFile(out.resolve(f)), f);
    }
    List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
    assertEquals(5, csv.size(), "header + one row per epoch: " + csv);
    var meta = io.vesselseg.model.Checkpoint.load(out.resolve("best.safetensors"),
        io.vesselseg.model.ComputeDevice.CPU, Precision.FP32);
    try (var net = meta.network()) {
      for (var tta : List.of(io.vesselseg.model.Tta.FLIPS, io.vesselseg.model.Tta.D8)) {
        String key = io.vesselseg.model.Thresholds.key(tta);
        assertTrue(meta.meta().metadata().containsKey(key), key + " picked on validation at the end");
        double f1 = Double.parseDouble(meta.meta().metadata().get("val_f1_" + tta.label()));
        assertTrue(f1 > 0 && f1 <= 1, "validation F1 with " + tta + " = " + f1);
        float t = meta.meta().thresholds().forTta(tta);
        assertTrue(t > 0 && t < 1, key + " = " + t);
      }
    }
    String runJson = Files.readString(out.resolve("run.json"));
    for (String key : List.of("\"config\"", "\"provenance\"", "\"git_commit\"", "\"summary\"", "\"seed\"")) {
      assertTrue(runJson.contains(key), key + " in run.json");
    }
    var ex = assertThrows(VesselsegException.Usage.class,
        () -> TrainingRun.execute(config(out, 4, false), IMAGES, quiet(), List.of()));
    assertTrue(ex.getMessage().contains("--resume"), ex.getMessage());
  }

  @Test
  void photographsOfAnotherSizeAreTrainedAndValidatedAtTheScalePredictionUses(@TempDir Path dir) {
    // the first held-out photograph and three of the seven training ones shown at 1.5× their size
    List<List<Sample>> parts = TrainingData.split(IMAGES, 3, 1, 5);
    List<String> larger = new ArrayList<>(List.of(parts.get(1).get(0).id()));
    parts.get(0).subList(0, 3).forEach(s -> larger.add(s.id()));
    List<Sample> mixed = IMAGES.stream().map(s -> larger.contains(s.id()) ? Resize.scaled(s, 1.5) : s).toList();
    int median = TrainingData.medianFovDiameter(TrainingData.split(mixed, 3, 1, 5).get(0));
    assertEquals(TrainingData.medianFovDiameter(parts.get(0)), median, "four of seven are at their own size");
    for (Sample s : TrainingData.atOneScale(mixed, median)) {
      int d = Resize.fovDiameter(s.fov(), s.width(), s.height());
      assertTrue(Math.abs(d - median) <= 0.1 * median, s.id() + ": FOV " + d + " px against " + median);
      if (!larger.contains(s.id())) {
        assertTrue(mixed.contains(s), s.id() + " is kept as it is");
      }
    }
    Path out = dir.resolve("mixed");
    TrainSummary summary = TrainingRun.execute(config(out, 1, false), mixed, quiet(), List.of());
    var loaded = io.vesselseg.model.Checkpoint.load(out.resolve("best.safetensors"),
        io.vesselseg.model.ComputeDevice.CPU, Precision.FP32);
    assertEquals(Integer.toString(median), loaded.meta().metadata().get("fov_diameter"));
    var scores = new io.vesselseg.eval.ScoreCollector();
    try (var net = loaded.network()) {
      var predictor = new io.vesselseg.infer.Predictor(net, false);
      for (Sample s : TrainingData.split(mixed, 3, 1, 5).get(1)) {
        scores.add(predictor.probabilities(s, median), s.vessel(), s.fov());
      }
    }
    assertEquals(scores.bestF1Threshold().f1(), summary.bestValF1(), 1e-6,
        "validation scored the held-out photographs as evaluate and predict will (resampled to the model's size)");
  }

  @Test
  void withoutValidationImagesItTrainsOnAllAndKeepsTheReferenceThresholds(@TempDir Path dir) throws Exception {
    Path ref = dir.resolve("ref");
    TrainingRun.execute(config(ref, 1, false), IMAGES, quiet(), List.of());
    var refMeta = SafeTensors.read(ref.resolve("best.safetensors")).metadata();

    Path all = dir.resolve("all");
    TrainSummary s = TrainingRun.execute(config(all, 2, false, "rgb", 0, 0, ref.toString()), IMAGES, quiet(),
        List.of());
    assertEquals(2, s.bestEpoch(), "with nothing to validate on, the last epoch is the model");
    var meta = SafeTensors.read(all.resolve("best.safetensors")).metadata();
    for (String k : List.of("threshold", "threshold_flips", "threshold_d8")) {
      assertEquals(Float.parseFloat(refMeta.get(k)), Float.parseFloat(meta.get(k)), k + " taken from ref");
    }
    assertEquals("2", meta.get("epoch"));
    assertEquals("[]", meta.get("validation_images"));
    assertTrue(!meta.containsKey("val_f1") && !meta.containsKey("val_f1_d8"), "no validation figures: " + meta);
    var source = new com.fasterxml.jackson.databind.ObjectMapper().readTree(meta.get("thresholds_from"));
    assertEquals(ref.resolve("best.safetensors").toString(), source.get("file").asText());
    assertEquals(64, source.get("sha256").asText().length());
    assertEquals(3, source.get("validation_images").size());
    assertEquals(Double.parseDouble(refMeta.get("val_f1_d8")), source.get("val_f1_d8").asDouble(), 1e-12);
    var runJson = new com.fasterxml.jackson.databind.ObjectMapper().readTree(all.resolve("run.json").toFile());
    assertEquals(IMAGES.size(), runJson.at("/split/training").size(), "every image trained on");
    assertEquals(3, Files.readAllLines(all.resolve("metrics.csv")).size(), "header + 2 epochs");

    var missing = assertThrows(VesselsegException.Usage.class, () -> TrainingRun.execute(
        config(dir.resolve("x"), 1, false, "rgb", 0, 0, dir.resolve("nowhere").toString()), IMAGES, quiet(),
        List.of()));
    assertTrue(missing.getMessage().startsWith("--thresholds-from"), missing.getMessage());
    assertTrue(!Files.exists(dir.resolve("x")), "no run directory left behind");
    var chained = assertThrows(VesselsegException.Usage.class, () -> TrainingRun.execute(
        config(dir.resolve("y"), 1, false, "rgb", 0, 0, all.toString()), IMAGES, quiet(), List.of()));
    assertTrue(chained.getMessage().contains("borrowed its thresholds too"), chained.getMessage());
  }

  @ParameterizedTest(name = "input {0}, weight average {1}, validation images {2}, DropBlock {3}, {4}")
  @CsvSource({"rgb, 0, 3, 0, crash", "rg-clahe, 0.9, 3, 0, crash", "rgb, 0, 0, 0, crash",
      "rgb, 0, 3, 0.15, crash", "rgb, 0, 3, 0, stop request"})
  void resumedRunEndsWithTheSameWeightsAsAnUninterruptedOne(String input, double ema, int validationImages,
      double dropBlock, String interruption, @TempDir Path dir) throws Exception {
    String ref = validationImages == 0 ? dir.resolve("ref").toString() : "";
    if (validationImages == 0) { // a run on every image takes its thresholds from a reference run
      TrainingRun.execute(config(Path.of(ref), 1, false), IMAGES, quiet(), List.of());
    }
    Path a = dir.resolve("a");
    TrainingRun.execute(config(a, 3, false, input, ema, validationImages, 1, ref, dropBlock), IMAGES, quiet(),
        List.of());

    Path b = dir.resolve("b");
    TrainListener crashAfterEpoch2 = new TrainListener() {
      @Override
      public void onEpoch(Epoch e, TrainState state) {
        if (e.epoch() == 2) {
          throw new IllegalStateException("simulated crash after epoch 2");
        }
      }
    };
    TrainConfig cfg = config(b, 3, false, input, ema, validationImages, 1, ref, dropBlock);
    if (interruption.equals("crash")) {
      assertThrows(IllegalStateException.class,
          () -> TrainingRun.execute(cfg, IMAGES, quiet(), List.of(crashAfterEpoch2)));
    } else { // polled before every step: true before step 11 of epoch 3 (25 steps an epoch)
      int[] polls = {0};
      TrainSummary stopped = TrainingRun.execute(cfg, IMAGES, quiet(), List.of(), () -> ++polls[0] > 60);
      assertTrue(stopped.interrupted(), stopped.stopReason());
      assertEquals(2, stopped.epochs(), "the unfinished epoch is dropped");
      assertEquals(3, Files.readAllLines(b.resolve("metrics.csv")).size(), "header + 2 epochs");
      assertFalse(SafeTensors.read(b.resolve("best.safetensors")).metadata().containsKey("threshold_flips"),
          "an interrupted run is not over: no test-time augmentation thresholds yet");
    }
    TrainSummary resumed = TrainingRun.execute(config(b, 99, true), IMAGES, quiet(), List.of());
    assertEquals(3, resumed.epochs(), "the stored config (3 epochs) wins over the command line");

    var wa = SafeTensors.read(a.resolve("last.safetensors")).tensors();
    var wb = SafeTensors.read(b.resolve("last.safetensors")).tensors();
    assertEquals(wa.keySet(), wb.keySet());
    assertEquals(ema > 0, wa.keySet().stream().anyMatch(k -> k.startsWith("average.")), "average kept");
    for (String k : wa.keySet()) {
      if (!k.startsWith("optimizer.")) {
        assertArrayEquals(wa.get(k).data(), wb.get(k).data(), "tensor " + k + " after resume");
      }
    }
    var best = io.vesselseg.model.Checkpoint.load(b.resolve("best.safetensors"),
        io.vesselseg.model.ComputeDevice.CPU, Precision.FP32);
    try (var net = best.network()) {
      assertEquals(input, net.normalization().channels(), "the model records its input channels");
    }
    assertEquals(validationImages == 0, best.meta().metadata().containsKey("thresholds_from"),
        "borrowed thresholds survive the resume");
  }

  @Test
  void aNanLossStopsTrainingAndLeavesTheLastCheckpointIntact(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("nan");
    TrainListener crashAfterEpoch1 = new TrainListener() {
      @Override
      public void onEpoch(Epoch e, TrainState state) {
        throw new IllegalStateException("simulated crash after epoch 1");
      }
    };
    assertThrows(IllegalStateException.class,
        () -> TrainingRun.execute(config(out, 2, false), IMAGES, quiet(), List.of(crashAfterEpoch1)));
    byte[] before = Files.readAllBytes(out.resolve("last.safetensors"));
    List<Sample> poisoned = new ArrayList<>();
    for (Sample s : IMAGES) {
      float[] rgb = s.rgb().clone();
      java.util.Arrays.fill(rgb, Float.NaN);
      poisoned.add(new Sample(s.id(), s.width(), s.height(), rgb, s.vessel(), null, s.fov(), false));
    }
    var e = assertThrows(VesselsegException.Usage.class,
        () -> TrainingRun.execute(config(out, 2, true), poisoned, quiet(), List.of()));
    assertTrue(e.getMessage().contains("diverged") && e.getMessage().contains("--lr"), e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(out.resolve("last.safetensors")));
  }

  /** Twenty 16×16 images named like DRIVE's training set, 21_training..40_training. */
  private static List<Sample> driveLike() {
    List<Sample> out = new ArrayList<>();
    List<Sample> tiny = SyntheticFundus.dataset(20, 3, 16, 16);
    for (int i = 0; i < tiny.size(); i++) {
      Sample s = tiny.get(i);
      out.add(new Sample((21 + i) + "_training", s.width(), s.height(), s.rgb(), s.vessel(), null, s.fov(),
          false));
    }
    return out;
  }

  private static List<String> ids(List<Sample> samples) {
    return samples.stream().map(Sample::id).toList();
  }

  @Test
  void foldOneHoldsOutTheImagesEveryEarlierRunHeldOut() {
    // runs a..g and the shipped run h's reference (run c) validated on 35-37 with seed 42
    assertEquals(List.of("35_training", "36_training", "37_training"),
        ids(TrainingData.split(driveLike(), 3, 1, 42).get(1)));
  }

  @Test
  void theFoldsAreDisjointCoverEveryImageAndKeepInputOrder() {
    List<Sample> all = driveLike();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int fold = 1; fold <= 5; fold++) {
      List<List<Sample>> parts = TrainingData.split(all, 4, fold, 42);
      List<String> val = ids(parts.get(1));
      assertEquals(4, val.size());
      assertEquals(val.stream().sorted().toList(), val, "validation keeps input order");
      for (String id : val) {
        assertTrue(seen.add(id), id + " held out by two folds");
      }
      List<String> train = new ArrayList<>(ids(all));
      train.removeAll(val);
      assertEquals(train, ids(parts.get(0)), "training is the rest, in input order");
    }
    assertEquals(20, seen.size(), "five folds of four cover all twenty images");
  }

  @Test
  void aFoldTheImagesCannotMakeIsRefusedBeforeTheRunDirectoryExists(@TempDir Path dir) {
    Path out = dir.resolve("run");
    var e = assertThrows(VesselsegException.Usage.class, () -> TrainingRun.execute(
        config(out, 1, false, "rgb", 0, 2, 6, ""), IMAGES, quiet(), List.of()));
    assertEquals("--fold 6 does not exist: 10 training images make 5 folds of 2 (--validation-images); "
        + "use --fold 1..5, or hold fewer images out per fold", e.getMessage());
    assertFalse(Files.exists(out), "nothing written");
  }
}
