package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.ThresholdOrigin;
import io.vesselseg.model.Thresholds;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Thresholds borrowed from a reference, read and carried as {@link Thresholds} (plain JVM: no natives). */
class BorrowedThresholdsTest {

  @Test
  void borrowingTheCrossValidationBehindTheShippedModelGivesItsThresholds() throws Exception {
    Path cv = Path.of(System.getProperty("vesselseg.checkout", ".."), "docs", "lab", "crossval-m.json");
    BorrowedThresholds b = BorrowedThresholds.from(cv.toString(), java.util.Optional.empty());
    Thresholds shipped;
    try (InputStream in = getClass().getResourceAsStream("/io/vesselseg/model/drive-unet.safetensors")) {
      shipped = Thresholds.fromMetadata(SafeTensors.parse(in.readAllBytes(), "shipped model").metadata());
    }
    ThresholdOrigin.Borrowed was = (ThresholdOrigin.Borrowed) shipped.origin();
    ThresholdOrigin.Borrowed now = b.source();
    assertEquals(cv.toString(), now.file());
    assertEquals(new ThresholdOrigin.Borrowed(now.file(), was.sha256(), was.crossvalWeights(), was.images(),
        was.thresholds(), was.f1()), now, "the same reference, read the same way");
    assertEquals(shipped.withOrigin(now), b.thresholds(), "thresholds and calibration as shipped");
  }
}
