package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Precision;
import io.vesselseg.train.TrainConfig.Data;
import io.vesselseg.train.TrainConfig.Objective;
import io.vesselseg.train.TrainConfig.Runtime;
import io.vesselseg.train.TrainConfig.Sampling;
import io.vesselseg.train.TrainConfig.Schedule;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrainConfigTest {

  /** A valid small config: 2 epochs of 10 steps of 8 patches of 64², 3 images held out, seed 1, fp32. */
  static TrainConfig small() {
    return new TrainConfig(Data.defaults("synthetic"), new Schedule(2, 10, 0, 8, 1e-3, 1e-4, 10),
        new Sampling(64, "basic", "rgb"), Objective.defaults(), Architecture.defaults(),
        new Runtime(Path.of("r"), "cpu", Precision.FP32, 0, 1, false));
  }

  private static Schedule schedule(int batch, double lr) {
    return new Schedule(2, 10, 0, batch, lr, 1e-4, 10);
  }

  @Test
  void messagesNameTheFlagTheValueAndTheRule() {
    var e = assertThrows(VesselsegException.Usage.class, () -> schedule(0, 1e-3));
    assertEquals("--batch-size 0 must be in 1..1024", e.getMessage());
    var p = assertThrows(VesselsegException.Usage.class,
        () -> small().withSampling(new Sampling(100, "basic", "rgb")));
    assertEquals("--patch-size 100 must be a multiple of 16 (2^depth)", p.getMessage());
    var w = assertThrows(VesselsegException.Usage.class,
        () -> small().withSampling(new Sampling(48, "basic", "rgb")).withArchitecture(new Architecture(4, 8, 5, 8)));
    assertEquals("--patch-size 48 must be a multiple of 32 (2^depth of the deeper stage)", w.getMessage());
    var l = assertThrows(VesselsegException.Usage.class, () -> schedule(8, 2.0));
    assertTrue(l.getMessage().startsWith("--lr 2.0"), l.getMessage());
    var t = assertThrows(VesselsegException.Usage.class,
        () -> new Runtime(Path.of("r"), "cpu", Precision.FP32, -1, 1, false));
    assertEquals("--threads -1 must be in 0..1024 (0: all cores)", t.getMessage());
    var d = assertThrows(VesselsegException.Usage.class, () -> Data.defaults(" "));
    assertEquals("--data   must name a dataset folder or 'synthetic'", d.getMessage());
  }

  @Test
  void unknownLossAndAugmentationAreRefusedWithTheChoices() {
    var l = assertThrows(VesselsegException.Usage.class, () -> new Objective("focal", 0, 0, "", 0.5));
    assertEquals("--loss focal must be one of: bce+dice, bce, bce+dice+cldice", l.getMessage());
    var a = assertThrows(VesselsegException.Usage.class, () -> new Sampling(64, "heavy", "rgb"));
    assertEquals("--augment heavy must be one of: basic, strong, elastic, none", a.getMessage());
    var i = assertThrows(VesselsegException.Usage.class, () -> new Sampling(64, "basic", "lab"));
    assertEquals("--input lab must be one of: [rgb, rg-clahe]", i.getMessage());
    var e = assertThrows(VesselsegException.Usage.class, () -> new Objective("bce", 1.0, 0, "", 0.5));
    assertEquals("--ema 1.0 must be 0 (off) or in [0.5, 1)", e.getMessage());
  }

  @Test
  void trainingOnEveryImageNeedsThresholdsFromAReferenceAndOnlyThen() {
    var none = assertThrows(VesselsegException.Usage.class, () -> new Data("synthetic", 0, 1, null, ""));
    assertTrue(none.getMessage().startsWith("--validation-images 0 trains on every image")
        && none.getMessage().contains("--thresholds-from"), none.getMessage());
    var both = assertThrows(VesselsegException.Usage.class, () -> new Data("synthetic", 3, 1, null, "runs/c"));
    assertTrue(both.getMessage().startsWith("--thresholds-from runs/c is only for --validation-images 0"),
        both.getMessage());
    Data all = Data.defaults("synthetic").onEveryImage("runs/c");
    assertEquals("runs/c", all.thresholdsFrom());
    assertEquals("", new Data("synthetic", 3, 1, null, null).thresholdsFrom());
    TrainConfig back = TrainConfig.fromJson(small().withData(all).toJson().toString());
    assertEquals("runs/c", back.data().thresholdsFrom());
  }

  @Test
  void aReferenceOfAnotherRecipeIsNamedSettingBySetting() {
    TrainConfig ref = small();
    TrainConfig run = small().withData(ref.data().onEveryImage("runs/c"))
        .withRuntime(new Runtime(Path.of("elsewhere"), "auto", Precision.FP32, 2, 99, true));
    assertEquals(List.of(), run.recipe().differencesFrom(ref.recipe()),
        "split, threshold source, directory, device, threads and seed are not the recipe");
    TrainConfig bce = run.withObjective(run.objective().withLoss("bce"));
    assertEquals(List.of("loss bce+dice vs bce"), bce.recipe().differencesFrom(ref.recipe()));
    TrainConfig bf16 = bce.withRuntime(new Runtime(Path.of("r"), "cpu", Precision.BF16, 0, 1, false))
        .withArchitecture(new Architecture(4, 16, 2, 8));
    assertEquals(List.of("refine_depth 0 vs 2", "refine_channels 0 vs 8", "loss bce+dice vs bce",
        "precision fp32 vs bf16").stream().sorted().toList(),
        bf16.recipe().differencesFrom(ref.recipe()).stream().sorted().toList());
    assertEquals(List.of("no readable training config in the reference"),
        BorrowedThresholds.differences(Optional.empty(), Optional.of(run.recipe())));
  }

  @Test
  void epochsZeroNeedsATimeBudget() {
    var e = assertThrows(VesselsegException.Usage.class, () -> schedule(8, 1e-3).withEpochs(0));
    assertEquals("--epochs 0 must be > 0 unless --max-minutes is given", e.getMessage());
    Schedule timed = schedule(8, 1e-3).withBudget(5);
    assertEquals(0, timed.epochs());
    assertEquals(0, timed.totalSteps(), "a budgeted run does not know its step count");
    assertEquals(300, timed.lrSchedule().budgetSeconds());
    assertEquals(20, schedule(8, 1e-3).totalSteps());
  }

  @Test
  void foldsAreNumberedFromOneAndNeedHeldOutImages() {
    var zero = assertThrows(VesselsegException.Usage.class, () -> new Data("synthetic", 3, 0, null, ""));
    assertEquals("--fold 0 must be >= 1 (folds are numbered from 1)", zero.getMessage());
    var none = assertThrows(VesselsegException.Usage.class, () -> new Data("synthetic", 0, 2, null, "runs/c"));
    assertEquals("--fold 2 needs images held out: with --validation-images 0 there is nothing to fold",
        none.getMessage());
  }

  @Test
  void dropBlockIsARateRecordedInTheRecipe() {
    var high = assertThrows(VesselsegException.Usage.class, () -> new Objective("bce+dice", 0, 0.6, "", 0.5));
    assertEquals("--dropblock 0.6 must be in [0, 0.5] (0: off)", high.getMessage());
    TrainConfig c = small().withObjective(new Objective("bce+dice", 0, 0.15, "", 0.5));
    assertEquals(0.15, TrainConfig.fromJson(c.toJson().toString()).objective().dropBlock());
    assertEquals(List.of("dropblock 0.0 vs 0.15"), c.recipe().differencesFrom(small().recipe()));
  }

  @Test
  void theSetsTheirSharesAndTheScaleAreRecordedInTheRecipe() {
    TrainConfig two = small().withData(new Data("a,b", 3, 1, null, "", 0, List.of()));
    TrainConfig weighted = small().withData(new Data("a,b", 3, 1, null, "", 0, List.of(3.0, 1.0)))
        .withSampling(small().sampling().withFovDiameter(1080));
    TrainConfig back = TrainConfig.fromJson(weighted.toJson().toString());
    assertEquals(List.of(3.0, 1.0), back.data().setWeights());
    assertEquals(1080, back.sampling().fovDiameter());
    assertEquals(List.of(0.75, 0.25), back.data().shares());
    assertEquals(List.of(0.5, 0.5), two.data().shares());
    assertEquals(List.of("set_weights  vs 3.0,1.0", "fov_diameter 0 vs 1080"),
        weighted.recipe().differencesFrom(two.recipe()));
  }

  @Test
  void theSplitSeedDefaultsToTheSeedAndRoundTrips() {
    TrainConfig same = small();
    assertEquals(same.runtime().seed(), same.data().splitSeed());
    TrainConfig c = small().withData(new Data("synthetic", 3, 1, 42L, ""))
        .withRuntime(new Runtime(Path.of("r"), "cpu", Precision.FP32, 0, 7, false));
    TrainConfig back = TrainConfig.fromJson(c.toJson().toString());
    assertEquals(7, back.runtime().seed());
    assertEquals(42, back.data().splitSeed());
    TrainConfig reseeded = same.withRuntime(new Runtime(Path.of("r"), "cpu", Precision.FP32, 0, 3, false));
    assertEquals(1, reseeded.data().splitSeed(), "a config is resolved: its split seed was fixed when it was made");
    TrainConfig member = c.member(Path.of("r/member-2"), 8, false, "bce");
    assertEquals(42, member.data().splitSeed(), "an ensemble member keeps the split");
    assertEquals(8, member.runtime().seed());
    assertEquals("bce", member.objective().loss());
  }

  @Test
  void flatKeysAreTheCliFlagsAndTheKeysEarlierVersionsStored() {
    // the keys of the flat map every version before the grouping wrote (and MLflow params, and MLproject)
    Set<String> before = Set.of("data", "out", "epochs", "steps_per_epoch", "max_minutes", "batch_size",
        "patch_size", "lr", "weight_decay", "warmup_steps", "device", "precision", "seed", "split_seed",
        "validation_images", "fold", "depth", "base_channels", "refine_depth", "refine_channels", "threads",
        "augment", "loss", "input", "ema", "dropblock", "thresholds_from", "resume");
    var flat = small().flat();
    // and those added since, which BEFORE_THEY_WERE_STORED supplies for a flat map that lacks them
    var since = new java.util.HashSet<>(before);
    since.addAll(Set.of("distill_from", "distill_weight", "init", "freeze", "train_images", "set_weights",
        "fov_diameter"));
    assertEquals(since, flat.keySet());
    assertEquals("", flat.get("set_weights"), "equal shares: no weights");
    assertEquals("3.0,1.0", small().withData(new Data("a,b", 3, 1, null, "", 0, List.of(3.0, 1.0))).flat()
        .get("set_weights"), "a list setting is one comma-separated value");
    assertEquals(8, flat.get("batch_size"));
    assertEquals("fp32", flat.get("precision"));
    assertEquals("r", flat.get("out"));
    assertEquals(1e-4, flat.get("weight_decay"));
    var json = small().toJson();
    assertEquals(Set.of("data", "schedule", "sampling", "objective", "architecture", "runtime"),
        Set.copyOf(iterate(json.fieldNames())));
    assertEquals(64, json.at("/sampling/patch_size").asInt());
    assertEquals("synthetic", json.at("/data/data").asText());
  }

  private static List<String> iterate(java.util.Iterator<String> it) {
    List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
