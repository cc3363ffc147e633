package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Precision;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainConfigTest {

  private static TrainConfig with(int batch, int patch, double lr) {
    return new TrainConfig("synthetic", Path.of("r"), 2, 10, 0, batch, patch, lr, 1e-4, 10, "cpu",
        Precision.FP32, 1, 3, 1, Architecture.defaults(), 0, "basic", "bce+dice", "rgb", 0, 0,
        "", false);
  }

  @Test
  void messagesNameTheFieldTheValueAndTheRule() {
    var e = assertThrows(VesselsegException.Usage.class, () -> with(0, 128, 1e-3));
    assertEquals("--batch-size 0 must be in 1..1024", e.getMessage());
    var p = assertThrows(VesselsegException.Usage.class, () -> with(8, 100, 1e-3));
    assertEquals("--patch-size 100 must be a multiple of 16 (2^depth)", p.getMessage());
    var l = assertThrows(VesselsegException.Usage.class, () -> with(8, 128, 2.0));
    assertTrue(l.getMessage().startsWith("--lr 2.0"), l.getMessage());
  }

  /** A valid 8x64² config but for the recipe choices. */
  private static TrainConfig recipe(String augment, String loss, String input, double ema) {
    return new TrainConfig("synthetic", Path.of("r"), 2, 10, 0, 8, 64, 1e-3, 1e-4, 10, "cpu", Precision.FP32, 1,
        3, 1, Architecture.defaults(), 0, augment, loss, input, ema, 0, "", false);
  }

  @Test
  void unknownLossAndAugmentationAreRefusedWithTheChoices() {
    var l = assertThrows(VesselsegException.Usage.class, () -> recipe("basic", "focal", "rgb", 0));
    assertEquals("--loss focal must be one of: bce+dice, bce, bce+dice+cldice", l.getMessage());
    var a = assertThrows(VesselsegException.Usage.class, () -> recipe("heavy", "bce", "rgb", 0));
    assertEquals("--augment heavy must be one of: basic, strong, elastic, none", a.getMessage());
    var i = assertThrows(VesselsegException.Usage.class, () -> recipe("basic", "bce", "lab", 0));
    assertEquals("--input lab must be one of: [rgb, rg-clahe]", i.getMessage());
    var e = assertThrows(VesselsegException.Usage.class, () -> recipe("basic", "bce", "rgb", 1.0));
    assertEquals("--ema 1.0 must be 0 (off) or in [0.5, 1)", e.getMessage());
  }

  private static TrainConfig held(int validationImages, String thresholdsFrom) {
    return new TrainConfig("synthetic", Path.of("r"), 2, 10, 0, 8, 64, 1e-3, 1e-4, 10, "cpu", Precision.FP32, 1,
        validationImages, 1, Architecture.defaults(), 0, "basic", "bce+dice", "rgb", 0, 0, thresholdsFrom, false);
  }

  @Test
  void trainingOnEveryImageNeedsThresholdsFromAReferenceAndOnlyThen() {
    var none = assertThrows(VesselsegException.Usage.class, () -> held(0, ""));
    assertTrue(none.getMessage().startsWith("--validation-images 0 trains on every image")
        && none.getMessage().contains("--thresholds-from"), none.getMessage());
    var both = assertThrows(VesselsegException.Usage.class, () -> held(3, "runs/c"));
    assertTrue(both.getMessage().startsWith("--thresholds-from runs/c is only for --validation-images 0"),
        both.getMessage());
    assertEquals("runs/c", held(0, "runs/c").thresholdsFrom());
    assertEquals("", held(3, null).thresholdsFrom());
    TrainConfig back = TrainConfig.fromMap(new java.util.LinkedHashMap<>(held(0, "runs/c").toMap()), Path.of("r"),
        "cpu", false);
    assertEquals("runs/c", back.thresholdsFrom());
  }

  @Test
  void aReferenceOfAnotherRecipeIsNamedKeyByKey() {
    var ref = held(3, "").toMap();
    var run = new java.util.LinkedHashMap<>(held(0, "runs/c").toMap());
    assertEquals(List.of(), BorrowedThresholds.differences(ref, run), "split and source are not the recipe");
    run.put("loss", "bce");
    run.put("batch_size", 8L); // a Long read back from JSON equals the Integer it was
    assertEquals(List.of("loss bce+dice vs bce"), BorrowedThresholds.differences(ref, run));
  }

  @Test
  void epochsZeroNeedsATimeBudget() {
    assertThrows(VesselsegException.Usage.class, () -> with(8, 128, 1e-3).withEpochs(0));
  }

  @Test
  void mapRoundTrip() {
    TrainConfig c = with(8, 64, 3e-3);
    TrainConfig back = TrainConfig.fromMap(new java.util.LinkedHashMap<>(c.toMap()), c.out(), "cpu", true);
    assertEquals(c.withEpochs(2).toMap().get("lr"), back.toMap().get("lr"));
    assertEquals(c.batchSize(), back.batchSize());
    assertEquals(c.architecture(), back.architecture());
    assertTrue(back.resume());
  }

  @Test
  void scheduleWarmsUpThenDecaysToZeroByStepsOrTime() {
    LrSchedule s = new LrSchedule(1e-3, 10, 100, 0);
    assertEquals(1e-4, s.at(0, 0), 1e-12);
    assertEquals(1e-3, s.at(9, 0), 1e-6);
    assertEquals(5e-4, s.at(55, 0), 1e-9);
    assertEquals(0, s.at(100, 0), 1e-12);
    LrSchedule timed = new LrSchedule(1e-3, 0, 0, 60);
    assertEquals(5e-4, timed.at(3, 30), 1e-9);
    assertEquals(0, timed.at(4, 61), 1e-12);
  }

  @Test
  void warmUpIsCappedAtATenthOfAShortRun() {
    LrSchedule s = new LrSchedule(2e-3, 200, 200, 0);
    assertEquals(20, s.warmupSteps());
    assertEquals(2e-3, s.at(19, 0), 1e-9);
    assertTrue(s.at(199, 0) < 1e-6, "a 200-step run anneals to ~0 by its last step: " + s.at(199, 0));
    assertEquals(200, new LrSchedule(2e-3, 200, 5000, 0).warmupSteps(), "long runs keep their warm-up");
  }

  @Test
  void foldsAreNumberedFromOneAndNeedHeldOutImages() {
    var zero = assertThrows(VesselsegException.Usage.class, () -> new TrainConfig("synthetic", Path.of("r"), 2,
        10, 0, 8, 64, 1e-3, 1e-4, 10, "cpu", Precision.FP32, 1, 3, 0, Architecture.defaults(), 0, "basic",
        "bce+dice", "rgb", 0, 0, "", false));
    assertEquals("--fold 0 must be >= 1 (folds are numbered from 1)", zero.getMessage());
    var none = assertThrows(VesselsegException.Usage.class, () -> new TrainConfig("synthetic", Path.of("r"), 2,
        10, 0, 8, 64, 1e-3, 1e-4, 10, "cpu", Precision.FP32, 1, 0, 2, Architecture.defaults(), 0, "basic",
        "bce+dice", "rgb", 0, 0, "runs/c", false));
    assertEquals("--fold 2 needs images held out: with --validation-images 0 there is nothing to fold",
        none.getMessage());
    TrainConfig third = held(3, "");
    assertEquals(1, TrainConfig.fromMap(withoutFold(third.toMap()), Path.of("r"), "cpu", false).fold(),
        "configs stored before --fold existed read as fold 1");
  }

  @Test
  void dropBlockIsARateRecordedInTheRecipeAndOffInOlderConfigs() {
    var high = assertThrows(VesselsegException.Usage.class, () -> new TrainConfig("synthetic", Path.of("r"), 2,
        10, 0, 8, 64, 1e-3, 1e-4, 10, "cpu", Precision.FP32, 1, 3, 1, Architecture.defaults(), 0, "basic",
        "bce+dice", "rgb", 0, 0.6, "", false));
    assertEquals("--dropblock 0.6 must be in [0, 0.5] (0: off)", high.getMessage());
    TrainConfig c = new TrainConfig("synthetic", Path.of("r"), 2, 10, 0, 8, 64, 1e-3, 1e-4, 10, "cpu",
        Precision.FP32, 1, 3, 1, Architecture.defaults(), 0, "basic", "bce+dice", "rgb", 0, 0.15, "", false);
    assertEquals(0.15, TrainConfig.fromMap(c.toMap(), Path.of("r"), "cpu", false).dropBlock());
    var old = new java.util.LinkedHashMap<>(held(3, "").toMap());
    old.remove("dropblock");
    assertEquals(0.0, TrainConfig.fromMap(old, Path.of("r"), "cpu", false).dropBlock(),
        "configs stored before --dropblock existed read as off");
    assertEquals(List.of("dropblock 0.0 vs 0.15"), BorrowedThresholds.differences(
        BorrowedThresholds.recipe(json(old)), c.toMap()), "a reference without DropBlock is another recipe");
  }

  @Test
  void theSplitSeedDefaultsToTheSeedAndRoundTrips() {
    TrainConfig same = held(3, "");
    assertEquals(same.seed(), same.splitSeed());
    TrainConfig c = new TrainConfig("synthetic", Path.of("r"), 2, 10, 0, 8, 64, 1e-3, 1e-4, 10, "cpu",
        Precision.FP32, 7, 42, 3, 1, Architecture.defaults(), 0, "basic", "bce+dice", "rgb", 0, 0, "", false);
    TrainConfig back = TrainConfig.fromMap(c.toMap(), Path.of("r"), "cpu", false);
    assertEquals(7, back.seed());
    assertEquals(42, back.splitSeed());
    var old = new java.util.LinkedHashMap<>(c.toMap());
    old.remove("split_seed");
    assertEquals(7, TrainConfig.fromMap(old, Path.of("r"), "cpu", false).splitSeed(),
        "configs stored before --split-seed existed split by their seed");
  }

  private static String json(java.util.Map<String, Object> m) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static java.util.Map<String, Object> withoutFold(java.util.Map<String, Object> m) {
    java.util.Map<String, Object> copy = new java.util.LinkedHashMap<>(m);
    copy.remove("fold");
    return copy;
  }
}
