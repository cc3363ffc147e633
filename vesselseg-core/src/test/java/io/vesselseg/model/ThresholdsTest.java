package io.vesselseg.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.io.InputStream;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one reader and writer of a model file's thresholds (plain JVM: no natives). */
class ThresholdsTest {

  private static Map<String, String> shippedMetadata() throws Exception {
    try (InputStream in = ThresholdsTest.class.getResourceAsStream("/io/vesselseg/model/drive-unet.safetensors")) {
      assertNotNull(in, "the shipped model");
      return SafeTensors.parse(in.readAllBytes(), "shipped model").metadata();
    }
  }

  @Test
  void theShippedModelReadsAsItsRawMetadataAndWritesItBackUnchanged() throws Exception {
    Map<String, String> raw = shippedMetadata();
    Thresholds t = Thresholds.fromMetadata(raw, "shipped model");
    assertEquals(Float.parseFloat(raw.get("threshold")), t.plain());
    assertEquals(Float.parseFloat(raw.get("threshold_flips")), t.forTta(Tta.FLIPS));
    assertEquals(Float.parseFloat(raw.get("threshold_d8")), t.forTta(Tta.D8));
    assertEquals(t.plain(), t.forTta(Tta.NONE));
    assertEquals(Calibration.parse(raw.get("calibration"), "shipped model"), t.calibration());
    assertEquals(-7.0, t.calibration().offset());

    var origin = assertInstanceOf(ThresholdOrigin.Borrowed.class, t.origin());
    assertTrue(origin.crossValidated(), "pooled out-of-fold thresholds of a crossval JSON");
    assertEquals("docs/crossval-m.json", origin.file());
    assertEquals("last", origin.crossvalWeights());
    assertEquals(64, origin.sha256().length());
    assertEquals(12, origin.images().size());
    assertEquals(t.forTta(Tta.D8), origin.thresholds().get(Tta.D8));
    assertEquals(0.8072197094052628, origin.f1().get(Tta.NONE));

    Map<String, String> written = t.toMetadata();
    assertEquals(List.of("threshold", "threshold_flips", "threshold_d8", "calibration", "thresholds_from"),
        List.copyOf(written.keySet()));
    written.forEach((k, v) -> assertEquals(raw.get(k), v, k + " written back as the file holds it"));
    Map<String, String> rewritten = new LinkedHashMap<>(raw);
    t.writeTo(rewritten);
    assertEquals(raw, rewritten, "replacing the shipped thresholds by themselves changes nothing");
  }

  @Test
  void everyOriginRoundTrips() {
    Calibration cal = new Calibration(-5.5);
    Thresholds validated = new Thresholds(0.42f, 0.4f, Float.NaN, cal, new ThresholdOrigin.Validation(
        List.of("23_training", "21_training"), Map.of(Tta.NONE, 0.81, Tta.FLIPS, 0.815), 0.97));
    Thresholds borrowed = new Thresholds(0.44f, Float.NaN, 0.43f, Calibration.NONE, new ThresholdOrigin.Borrowed(
        "runs/j/best.safetensors", "ab".repeat(32), null, List.of("21_training"),
        Map.of(Tta.NONE, 0.44f, Tta.D8, 0.43f), Map.of(Tta.NONE, 0.8)));
    Thresholds crossvalidated = borrowed.withOrigin(new ThresholdOrigin.Borrowed("cv.json", "cd".repeat(32),
        "last", List.of("21_training", "22_training"), Map.of(Tta.NONE, 0.44f), Map.of()));
    Thresholds plainOnly = Thresholds.of(0.5f);
    for (Thresholds t : List.of(validated, borrowed, crossvalidated, plainOnly)) {
      assertEquals(t, Thresholds.fromMetadata(t.toMetadata()), t.toString());
    }
    Map<String, String> m = validated.toMetadata();
    assertEquals("0.42", m.get("threshold"));
    assertEquals("0.815", m.get("val_f1_flips"));
    assertEquals("0.97", m.get("val_auc"));
    assertEquals("[\"23_training\",\"21_training\"]", m.get("validation_images"));
    assertEquals(Map.of("threshold_flips", "0.4", "val_f1_flips", "0.815"),
        validated.toMetadata(EnumSet.of(Tta.FLIPS, Tta.D8)), "the entries of the modes asked for");
    assertEquals(Map.of("threshold", "0.5"), plainOnly.toMetadata());
  }

  @Test
  void aModeWithoutItsOwnThresholdUsesThePlainOne() {
    Thresholds old = Thresholds.fromMetadata(Map.of("threshold", "0.43", "validation_images", "[\"21_training\"]"));
    for (Tta tta : Tta.values()) {
      assertEquals(0.43f, old.forTta(tta), tta.label());
    }
    assertFalse(old.has(Tta.FLIPS) || old.has(Tta.D8));
    assertEquals(ThresholdOrigin.Validation.on(List.of("21_training")), old.origin());
    assertEquals(Calibration.NONE, old.calibration());
    Thresholds flips = old.with(Tta.FLIPS, 0.39f);
    assertEquals(0.39f, flips.forTta(Tta.FLIPS));
    assertEquals(0.43f, flips.forTta(Tta.D8));
    assertEquals(0.43f, flips.with(Tta.FLIPS, Float.NaN).forTta(Tta.FLIPS), "NaN removes a mode's threshold");
    assertEquals(ThresholdOrigin.UNRECORDED, Thresholds.fromMetadata(Map.of("threshold", "0.5")).origin());
  }

  @Test
  void anUnreadableValueNamesKeyValueAndTheRemedy() {
    var flips = assertThrows(VesselsegException.Model.class, () -> Thresholds.fromMetadata(
        Map.of("threshold", "0.4", "threshold_flips", "0,41"), "model file m.safetensors"));
    assertTrue(flips.getMessage().startsWith("model file m.safetensors: metadata threshold_flips = '0,41' is not "
        + "a threshold: expected a number in [0, 1]"), flips.getMessage());
    assertTrue(flips.getMessage().contains("export --meta threshold_flips=<number>")
        && flips.getMessage().contains("export --calibrate-on"), flips.getMessage());
    var range = assertThrows(VesselsegException.Model.class,
        () -> Thresholds.fromMetadata(Map.of("threshold", "1.5"), "model file m"));
    assertTrue(range.getMessage().contains("threshold = '1.5'"), range.getMessage());
    var missing = assertThrows(VesselsegException.Model.class,
        () -> Thresholds.fromMetadata(Map.of("threshold_d8", "0.4"), "model file m"));
    assertTrue(missing.getMessage().contains("has no metadata threshold")
        && missing.getMessage().contains("export --meta threshold="), missing.getMessage());
    var from = assertThrows(VesselsegException.Model.class,
        () -> Thresholds.fromMetadata(Map.of("threshold", "0.4", "thresholds_from", "runs/j"), "model file m"));
    assertTrue(from.getMessage().contains("thresholds_from = 'runs/j'")
        && from.getMessage().contains("--thresholds-from <reference>"), from.getMessage());
    var figure = assertThrows(VesselsegException.Model.class, () -> Thresholds.fromMetadata(
        Map.of("threshold", "0.4", "validation_images", "[\"21_training\"]", "val_f1", "high"), "model file m"));
    assertTrue(figure.getMessage().contains("val_f1 = 'high' is not a number"), figure.getMessage());
    var cal = assertThrows(VesselsegException.Model.class,
        () -> Thresholds.check("calibration", "{\"type\":\"fov-median-logit\"}", "--meta calibration"));
    assertTrue(cal.getMessage().startsWith("--meta calibration: calibration"), cal.getMessage());
    Thresholds.check("drive_test", "{\"f1\":0.83}", "--meta drive_test"); // not a threshold entry: passes
    assertThrows(IllegalArgumentException.class, () -> Thresholds.of(Float.NaN));
  }

  @Test
  void writingReplacesEveryThresholdEntryAndKeepsTheRest() throws Exception {
    Map<String, String> meta = new LinkedHashMap<>(shippedMetadata());
    Thresholds.of(0.3f).writeTo(meta);
    assertEquals("0.3", meta.get("threshold"));
    for (String gone : List.of("threshold_flips", "threshold_d8", "calibration", "thresholds_from")) {
      assertFalse(meta.containsKey(gone), gone + " belonged to the old thresholds");
      assertTrue(Thresholds.owns(gone), gone);
    }
    assertEquals("[]", meta.get("validation_images"), "the run's split is not the thresholds'");
    assertFalse(Thresholds.owns("validation_images"));
    for (String kept : List.of("format", "architecture", "normalization", "config", "ensemble", "drive_test")) {
      assertTrue(meta.containsKey(kept), kept);
    }
  }
}
