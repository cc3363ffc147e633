package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vesselseg.VesselsegException;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.train.TrainConfig.Data;
import io.vesselseg.train.TrainConfig.Objective;
import io.vesselseg.train.TrainConfig.Runtime;
import io.vesselseg.train.TrainConfig.Sampling;
import io.vesselseg.train.TrainConfig.Schedule;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configs stored by this version and by the versions before the settings were grouped. */
class StoredConfigTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the version before the grouping stored in run.json and every checkpoint: one flat map. */
  private static final String FLAT = "{\"data\":\"synthetic\",\"out\":\"%s\",\"epochs\":2,\"steps_per_epoch\":5,"
      + "\"max_minutes\":0.0,\"batch_size\":4,\"patch_size\":32,\"lr\":0.003,\"weight_decay\":1.0E-4,"
      + "\"warmup_steps\":1,\"device\":\"cpu\",\"precision\":\"fp32\",\"seed\":5,\"split_seed\":5,"
      + "\"validation_images\":3,\"fold\":1,\"depth\":2,\"base_channels\":4,\"refine_depth\":0,\"refine_channels\":0,"
      + "\"threads\":2,\"augment\":\"basic\",\"loss\":\"bce+dice\",\"input\":\"rgb\",\"ema\":0.0,\"dropblock\":0.0,"
      + "\"thresholds_from\":\"\",\"resume\":false}";

  /** What the first versions stored: no split seed, fold, second stage, augmentation, loss, input, average... */
  private static final String FIRST = "{\"data\":\"synthetic\",\"out\":\"%s\",\"epochs\":2,\"steps_per_epoch\":5,"
      + "\"max_minutes\":0.0,\"batch_size\":4,\"patch_size\":32,\"lr\":0.003,\"weight_decay\":1.0E-4,"
      + "\"warmup_steps\":1,\"device\":\"cpu\",\"precision\":\"fp32\",\"seed\":5,\"validation_images\":3,"
      + "\"depth\":2,\"base_channels\":4,\"threads\":2,\"resume\":false}";

  /** The run both literals describe: epochs of 5 steps of 4 patches of 32² through a 2-level 4-channel U-Net. */
  private static TrainConfig tiny(Path out, int epochs, boolean resume) {
    return new TrainConfig(Data.defaults("synthetic"), new Schedule(epochs, 5, 0, 4, 3e-3, 1e-4, 1),
        Sampling.defaults().withPatchSize(32), Objective.defaults(), new Architecture(2, 4),
        new Runtime(out, "cpu", Precision.FP32, 2, 5, resume));
  }

  @Test
  void theShippedModelsConfigReadsAsItsFlatKeysSayAndIsTheDefaultRecipe() throws Exception {
    byte[] bytes;
    try (InputStream in = getClass().getResourceAsStream("/io/vesselseg/model/drive-unet.safetensors")) {
      bytes = in.readAllBytes();
    }
    String stored = SafeTensors.parse(bytes, "drive-unet.safetensors").metadata().get("config");
    Map<String, Object> flat = JSON.readValue(stored, new TypeReference<Map<String, Object>>() {});
    assertTrue(!flat.containsKey("schedule") && flat.containsKey("batch_size"), "stored flat: " + stored);

    TrainConfig c = TrainConfig.fromJson(stored);
    assertEquals(new TrainConfig(new Data("../shared/datasets/DRIVE", 0, 1, 42L, "docs/crossval-j.json"),
        new Schedule(32, 100, 0, 28, 2e-3, 1e-4, 200), new Sampling(96, "basic", "rgb"),
        new Objective("bce+dice", 0, 0, "", 0.5), new Architecture(4, 16),
        new Runtime(Path.of("runs/k3"), "auto", Precision.FP32, 0, 42, false)), c);
    Map<String, Object> read = c.flat();
    flat.forEach((key, value) -> assertEquals(value instanceof Number n ? (Object) n.doubleValue() : value,
        read.get(key) instanceof Number n ? (Object) n.doubleValue() : read.get(key), key));
    assertEquals(42, ((Number) read.get("split_seed")).longValue(), "stored before --split-seed: split by the seed");

    TrainConfig defaults = TrainConfig.defaults(c.data().dataset(), Path.of("runs/k3"));
    assertEquals(c.recipe(), defaults.recipe(), "the defaults are the shipped members' recipe");
    assertEquals(List.of(), defaults.recipe().differencesFrom(c.recipe()));
    assertEquals(c.runtime(), defaults.runtime(), "seed 42, any device, every core, fp32");
    assertEquals(c.recipe(), BorrowedThresholds.recipe(stored).orElseThrow());
  }

  @Test
  void aCheckpointOfTheVersionBeforeTheGroupingResumes(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("old");
    TrainingRun.execute(tiny(out, 1, false), TrainingRunTest.IMAGES, TrainingRunTest.quiet(),
        List.of());
    // make its checkpoint one that version wrote: the same run, stored flat (asking for 2 epochs)
    Path last = out.resolve("last.safetensors");
    SafeTensors.Contents c = SafeTensors.read(last);
    Map<String, String> meta = new LinkedHashMap<>(c.metadata());
    meta.put("config", FLAT.formatted(out));
    SafeTensors.write(last, c.tensors(), meta);

    TrainSummary s = TrainingRun.execute(tiny(out, 99, true), TrainingRunTest.IMAGES,
        TrainingRunTest.quiet(), List.of());
    assertEquals(2, s.epochs(), "the stored config (2 epochs) wins over the command line");
    assertEquals(10, s.steps());
    TrainConfig resumed = tiny(out, 2, true);
    assertEquals(resumed, TrainConfig.fromJson(SafeTensors.read(last).metadata().get("config")),
        "the resumed run stores the same settings, grouped");
    var runJson = JSON.readTree(out.resolve("run.json").toFile());
    assertEquals(resumed, TrainConfig.fromJson(runJson.get("config").toString()));
    assertEquals(4, runJson.at("/config/schedule/batch_size").asInt());
  }

  @Test
  void flatConfigsOfEveryEarlierVersionRead() {
    TrainConfig expected = tiny(Path.of("runs/a"), 2, false);
    assertEquals(expected, TrainConfig.fromJson(FLAT.formatted("runs/a")));
    assertEquals(expected, TrainConfig.fromJson(FIRST.formatted("runs/a")),
        "settings not stored yet read as those versions behaved (split by the seed, fold 1, no second stage, "
            + "basic augmentation, BCE + Dice, RGB, no average, no DropBlock)");
    var missing = assertThrows(VesselsegException.Model.class,
        () -> TrainConfig.fromJson(FIRST.formatted("runs/a").replace("\"batch_size\":4,", "")));
    assertTrue(missing.getMessage().contains("batch_size") && missing.getMessage().contains("damaged"),
        missing.getMessage());
    var broken = assertThrows(VesselsegException.Model.class, () -> TrainConfig.fromJson("{\"epochs\": 2"));
    assertTrue(broken.getMessage().contains("does not parse"), broken.getMessage());
    var none = assertThrows(VesselsegException.Model.class, () -> TrainConfig.fromJson(null));
    assertTrue(none.getMessage().contains("no training config"), none.getMessage());
  }

  @Test
  void theGroupedFormRoundTrips() throws Exception {
    TrainConfig c = new TrainConfig(new Data("../DRIVE", 4, 2, 9L, ""),
        new Schedule(0, 50, 12.5, 6, 5e-4, 0.05, 30), new Sampling(64, "elastic", "rg-clahe"),
        new Objective("bce+dice+cldice", 0.998, 0.1, "", 0.5),
        new Architecture(3, 12, 4, 8), new Runtime(Path.of("runs/x y"), "cuda", Precision.BF16, 3, 11, true));
    assertEquals(c, TrainConfig.fromJson(c.toJson().toString()));
    // as run.json holds it: a section of a larger document
    String runJson = JSON.writeValueAsString(Map.of("config", c.toJson(), "summary", Map.of("epochs", 3)));
    assertEquals(c, TrainConfig.fromJson(JSON.readTree(runJson).get("config").toString()));
    assertEquals("bf16", c.toJson().at("/runtime/precision").asText());
    assertEquals("runs/x y", c.toJson().at("/runtime/out").asText());

    ObjectNode damaged = (ObjectNode) c.toJson().deepCopy();
    ((ObjectNode) damaged.get("schedule")).remove("lr");
    var e = assertThrows(VesselsegException.Model.class, () -> TrainConfig.fromJson(damaged.toString()));
    assertTrue(e.getMessage().contains("'lr'"), e.getMessage());
  }
}
