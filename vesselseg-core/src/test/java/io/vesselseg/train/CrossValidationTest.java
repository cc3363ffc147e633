package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SampleSource;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.Tta;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrossValidationTest {

  private static final List<Sample> IMAGES = SyntheticFundus.dataset(6, 31, 64, 64);
  private static final SampleSource TRAINING = SampleSource.of(IMAGES);

  @TempDir
  static Path dir;

  private static TrainConfig fold(String name, int fold, double lr, int validationImages, String from) {
    return new TrainConfig(new TrainConfig.Data("synthetic", validationImages, fold, null, from),
        new TrainConfig.Schedule(1, 20, 0, 8, lr, 1e-4, 5), new TrainConfig.Sampling(32, "basic", "rgb"),
        TrainConfig.Objective.defaults(), new Architecture(2, 4),
        new TrainConfig.Runtime(dir.resolve(name), "cpu", Precision.FP32, 2, 9, false));
  }

  private static void train(TrainConfig cfg) {
    TrainingRun.execute(cfg, IMAGES, new ConsoleProgress(new PrintStream(new ByteArrayOutputStream()), false),
        List.of());
  }

  @BeforeAll
  static void trainThreeFoldsOfTwo() {
    for (int f = 1; f <= 3; f++) {
      train(fold("f" + f, f, 3e-3, 2, ""));
    }
  }

  private static String run(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void eachFoldScoresTheImagesItHeldOutAndThePoolAddsThemUp() {
    var r = CrossValidation.run(List.of(run("f1"), run("f2"), run("f3")), TRAINING, Tta.NONE, "cpu", id -> { });
    Set<String> held = new HashSet<>();
    long tp = 0;
    for (var f : r.folds()) {
      assertEquals(2, f.validation().size());
      held.addAll(f.validation());
      tp += f.confusion().tp();
      // the fold's threshold is the one that maximised F1 on these very images when it was trained
      var meta = SafeTensors.read(dir.resolve("f" + f.fold()).resolve("best.safetensors")).metadata();
      assertEquals(Double.parseDouble(meta.get("val_f1")), f.f1(), 1e-6, "fold " + f.fold());
    }
    assertEquals(6, held.size(), "three folds of two cover all six images");
    assertEquals(List.of(1, 2, 3), r.folds().stream().map(CrossValidation.Fold::fold).toList());
    assertEquals(tp, r.pooled().tp());
    assertTrue(r.bestThreshold() > 0 && r.bestThreshold() < 1 && r.bestF1() > 0, r.toTable());
    assertTrue(r.pooledAuc() > 0.5 && r.pooledAuc() <= 1, "AUC " + r.pooledAuc());
    assertTrue(r.toTable().contains("3 folds, 6 of 6 training images held out once"), r.toTable());
  }

  @Test
  void aRefitBorrowsThePooledOutOfFoldThresholdsOfTheFoldsLastEpochs() throws Exception {
    List<String> folds = List.of(run("f1"), run("f2"), run("f3"));
    var last = CrossValidation.run(folds, TRAINING, Tta.NONE, CrossValidation.Weights.LAST, true, "cpu", id -> { });
    assertTrue(last.folds().get(0).model().endsWith("last.safetensors"), last.folds().get(0).model());
    assertEquals(Set.of(Tta.NONE, Tta.FLIPS, Tta.D8), last.pooledBest().keySet());
    // one epoch each: the last epoch is the best one, so both weights score the same
    var best = CrossValidation.run(folds, TRAINING, Tta.NONE, "cpu", id -> { });
    assertEquals(best.bestThreshold(), last.bestThreshold(), 0f);
    assertEquals(best.pooled().tp(), last.pooled().tp());
    assertEquals(Set.of(Tta.NONE), best.pooledBest().keySet());
    assertTrue(last.toTable().contains("(last epochs; test-time augmentation: none)")
        && last.toTable().contains("with test-time augmentation d8: threshold"), last.toTable());

    Path json = dir.resolve("cv.json");
    new ObjectMapper().writeValue(json.toFile(), last.toJson());
    train(fold("refit-cv", 1, 3e-3, 0, json.toString()));
    var meta = SafeTensors.read(dir.resolve("refit-cv").resolve("best.safetensors")).metadata();
    assertEquals(last.bestThreshold(), Float.parseFloat(meta.get("threshold")), 0f);
    assertEquals(last.pooledBest().get(Tta.D8).threshold(), Float.parseFloat(meta.get("threshold_d8")), 0f);
    var source = new ObjectMapper().readTree(meta.get("thresholds_from"));
    assertEquals("last", source.get("crossval_weights").asText());
    assertEquals(6, source.get("validation_images").size(), "every image the folds held out");
    assertEquals(last.bestF1(), source.get("val_f1").asDouble(), 1e-12);
  }

  @Test
  void thresholdsPickedUnderACalibrationCarryItToTheRefitAndFoldsMustAgreeOnIt() throws Exception {
    String cal = new io.vesselseg.model.Calibration(-5).toJson();
    List<String> folds = new java.util.ArrayList<>();
    for (int f = 1; f <= 3; f++) {
      Path out = dir.resolve("cal-f" + f + ".safetensors");
      io.vesselseg.infer.Models.export(run("f" + f), out, java.util.Map.of("calibration", cal));
      folds.add(out.toString());
    }
    var r = CrossValidation.run(folds, TRAINING, Tta.NONE, "cpu", id -> { });
    assertEquals(-5.0, r.calibration().offset());
    Path json = dir.resolve("cv-cal.json");
    new ObjectMapper().writeValue(json.toFile(), r.toJson());
    train(fold("refit-cal", 1, 3e-3, 0, json.toString()));
    var meta = SafeTensors.read(dir.resolve("refit-cal").resolve("best.safetensors")).metadata();
    assertEquals(cal, meta.get("calibration"), "the refit predicts under the calibration its thresholds need");
    assertEquals(r.bestThreshold(), Float.parseFloat(meta.get("threshold")), 0f);

    var mixed = assertThrows(VesselsegException.Usage.class, () -> CrossValidation.run(
        List.of(folds.get(0), run("f2")), TRAINING, Tta.NONE, "cpu", id -> { }));
    assertTrue(mixed.getMessage().contains("calibrates its maps otherwise"), mixed.getMessage());
  }

  @Test
  void aCrossvalFileWithoutAPlainThresholdOrOfAnotherKindIsRefused() throws Exception {
    var flips = CrossValidation.run(List.of(run("f1"), run("f2")), TRAINING, Tta.FLIPS, "cpu", id -> { });
    Path json = dir.resolve("cv-flips.json");
    new ObjectMapper().writeValue(json.toFile(), flips.toJson());
    var e = assertThrows(VesselsegException.Usage.class,
        () -> train(fold("refit-flips", 1, 3e-3, 0, json.toString())));
    assertTrue(e.getMessage().contains("expected the pooled plain threshold") && e.getMessage().contains(
        "--tta-thresholds"), e.getMessage());
    Path other = dir.resolve("other.json");
    java.nio.file.Files.writeString(other, "{\"f1\": 0.8}");
    var o = assertThrows(VesselsegException.Usage.class, () -> train(fold("refit-other", 1, 3e-3, 0,
        other.toString())));
    assertTrue(o.getMessage().contains("expected the JSON written by crossval --json"), o.getMessage());
    assertTrue(!java.nio.file.Files.exists(dir.resolve("refit-flips")) && !java.nio.file.Files.exists(
        dir.resolve("refit-other")), "nothing is written before the reference is checked");
  }

  @Test
  void runsThatAreNotFoldsOfOneRecipeAreRefusedBeforeAnyPrediction() {
    var one = assertThrows(VesselsegException.Usage.class,
        () -> CrossValidation.run(List.of(run("f1")), TRAINING, Tta.NONE, "cpu", id -> { }));
    assertTrue(one.getMessage().startsWith("cross-validation needs the runs of at least 2 folds, found 1"),
        one.getMessage());
    var twice = assertThrows(VesselsegException.Usage.class,
        () -> CrossValidation.run(List.of(run("f1"), run("f1")), TRAINING, Tta.NONE, "cpu", id -> { }));
    assertTrue(twice.getMessage().contains("is held out by both") && twice.getMessage().contains("disjoint"),
        twice.getMessage());
    train(fold("other", 2, 1e-3, 2, ""));
    var recipe = assertThrows(VesselsegException.Usage.class,
        () -> CrossValidation.run(List.of(run("f1"), run("other")), TRAINING, Tta.NONE, "cpu", id -> { }));
    assertTrue(recipe.getMessage().contains("another recipe") && recipe.getMessage().contains("lr 0.003 vs 0.001"),
        recipe.getMessage());
    train(fold("refit", 1, 3e-3, 0, run("f1")));
    var refit = assertThrows(VesselsegException.Usage.class,
        () -> CrossValidation.run(List.of(run("f1"), run("refit")), TRAINING, Tta.NONE, "cpu", id -> { }));
    assertTrue(refit.getMessage().contains("held no training images out"), refit.getMessage());
    var elsewhere = assertThrows(VesselsegException.Usage.class, () -> CrossValidation.run(
        List.of(run("f1"), run("f2")), SampleSource.of(IMAGES.subList(2, 6)), Tta.NONE, "cpu", id -> { }));
    assertTrue(elsewhere.getMessage().contains("training split lacks"), elsewhere.getMessage());
  }
}
