package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains for a few minutes on the real DRIVE training set and scores the test set. Tagged {@code drive}:
 * run it with {@code mvn test -Dgroups=drive -DexcludedGroups=none}. Skips (with the reason) when DRIVE is
 * not at {@code $VESSELSEG_DRIVE} or {@code ../shared/datasets/DRIVE}.
 */
@Tag("drive")
class DriveTrainingTest {

  static Path drive() {
    String env = System.getenv("VESSELSEG_DRIVE");
    Path p = env != null ? Path.of(env)
        : Path.of(System.getProperty("vesselseg.checkout", "."), "..", "shared", "datasets", "DRIVE");
    Assumptions.assumeTrue(Files.isDirectory(p.resolve("training").resolve("images")),
        "DRIVE not found at " + p.toAbsolutePath() + "; set VESSELSEG_DRIVE or place it at "
            + "../shared/datasets/DRIVE");
    return p;
  }

  @Test
  void threeMinutesOfTrainingScoresAboveF1Of06OnDriveTest(@TempDir Path dir) throws Exception {
    Path data = drive();
    Path run = dir.resolve("run");
    var t = CliTest.run("train", "--data", data.toString(), "--out", run.toString(), "--max-minutes", "3",
        "--steps-per-epoch", "50");
    assertEquals(Main.OK, t.code(), t.err());
    Path json = dir.resolve("e.json");
    var e = CliTest.run("evaluate", "--model", run.toString(), "--data", data.toString(), "--split", "test",
        "--json", json.toString(), "--human");
    assertEquals(Main.OK, e.code(), e.err());
    var doc = new ObjectMapper().readTree(json.toFile());
    double f1 = doc.get("f1").asDouble();
    System.out.println(e.out());
    assertEquals(20, doc.get("per_image").size());
    assertTrue(f1 > 0.6, "DRIVE test F1 " + f1);
    double human = doc.get("human").get("f1").asDouble();
    assertTrue(human > 0.75 && human < 0.82, "2nd observer F1 " + human + " (literature: about 0.788)");
  }

  @Test
  void evaluateWithoutModelReproducesTheShippedFigures(@TempDir Path dir) throws Exception {
    Path data = drive();
    Path json = dir.resolve("builtin.json");
    var e = CliTest.run("evaluate", "--data", data.toString(), "--split", "test", "--json", json.toString());
    assertEquals(Main.OK, e.code(), e.err());
    var doc = new ObjectMapper().readTree(json.toFile());
    var loaded = io.vesselseg.infer.Models.load(null, "cpu", io.vesselseg.model.Precision.FP32);
    loaded.network().close();
    var shipped = new ObjectMapper().readTree(loaded.meta().metadata().get("drive_test"));
    for (String k : new String[] {"f1", "auc_roc", "accuracy", "sensitivity", "specificity"}) {
      assertEquals(shipped.get(k).asDouble(), doc.get(k).asDouble(), 1e-4, k);
    }
  }

  @Test
  void twoFoldsOfTenCrossValidateOnEveryDriveTrainingImage(@TempDir Path dir) throws Exception {
    Path data = drive();
    for (int fold = 1; fold <= 2; fold++) {
      var t = CliTest.run("train", "--data", data.toString(), "--out", dir.resolve("f" + fold).toString(),
          "--validation-images", "10", "--fold", Integer.toString(fold), "--epochs", "1", "--steps-per-epoch",
          "80", "--patch-size", "64", "--batch-size", "8", "--depth", "3", "--base-channels", "8", "--lr", "1e-2");
      assertEquals(Main.OK, t.code(), t.err());
    }
    Path json = dir.resolve("cv.json");
    var cv = CliTest.run("crossval", "--data", data.toString(), dir.resolve("f1").toString(),
        dir.resolve("f2").toString(), "--json", json.toString());
    assertEquals(Main.OK, cv.code(), cv.err());
    System.out.println(cv.out());
    var doc = new ObjectMapper().readTree(json.toFile());
    java.util.Set<String> held = new java.util.TreeSet<>();
    doc.get("folds").forEach(f -> f.get("validation_images").forEach(id -> held.add(id.asText())));
    assertEquals(20, held.size(), "two folds of ten hold out all 20 DRIVE training images: " + held);
    assertTrue(doc.get("pooled_auc_roc").asDouble() > 0.7, "pooled AUC " + doc.get("pooled_auc_roc"));
    var twice = CliTest.run("crossval", "--data", data.toString(), dir.resolve("f1").toString(),
        dir.resolve("f1").toString());
    assertEquals(Main.USAGE, twice.code());
    assertTrue(twice.err().contains("held out by both"), twice.err());
  }
}
