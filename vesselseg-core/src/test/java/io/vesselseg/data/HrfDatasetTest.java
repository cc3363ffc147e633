package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests of {@link HrfDataset} on tiny generated files in the HRF layout. */
class HrfDatasetTest {

  @TempDir Path root;

  static final int W = 36;
  static final int H = 24;

  /** An RGB TIFF FOV mask (HRF style) whose first band is 255 inside x in [2, W-2), 0 elsewhere. */
  static BufferedImage rgbMask() {
    BufferedImage m = new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < H; y++) {
      for (int x = 2; x < W - 2; x++) {
        m.setRGB(x, y, 0xffffff);
      }
    }
    return m;
  }

  /** Writes numbers 1..count of each category; odd numbers get an upper-case .JPG like the archive. */
  static void writeHrf(Path root, int count) throws IOException {
    for (int n = 1; n <= count; n++) {
      for (String cat : new String[] {"h", "g", "dr"}) {
        String stem = String.format("%02d_%s", n, cat);
        TestImages.write(TestImages.fundus(W, H, n), root.resolve("images").resolve(stem + (n % 2 == 1 ? ".JPG"
            : ".jpg")));
        TestImages.write(TestImages.vessel(W, H), root.resolve("manual1").resolve(stem + ".tif"));
        TestImages.write(rgbMask(), root.resolve("mask").resolve(stem + "_mask.tif"));
      }
    }
  }

  @Test
  void firstFiveOfEachCategoryTrain() throws IOException {
    writeHrf(root, 7);
    assertTrue(HrfDataset.looksLikeHrf(root));
    assertFalse(FolderDataset.looksLikeFolder(root));
    assertEquals("hrf", Datasets.detect(root));
    List<Sample> training = HrfDataset.load(root, "training");
    assertEquals(15, training.size());
    assertEquals(List.of("01_h", "01_g", "01_dr"), training.subList(0, 3).stream().map(Sample::id).toList());
    assertEquals("05_dr", training.get(14).id());
    List<Sample> test = HrfDataset.load(root, "test");
    assertEquals(List.of("06_h", "06_g", "06_dr", "07_h", "07_g", "07_dr"), test.stream().map(Sample::id).toList());
    assertEquals(21, Datasets.load(root.toString(), "all", "HRF").size());

    Sample s = test.get(0);
    assertFalse(s.fovEstimated());
    assertNull(s.vessel2());
    assertEquals((W - 4) * H, TestImages.sum(s.fov()));
    assertEquals(H, TestImages.sum(s.vessel()));
  }

  @Test
  void missingMaskIsNamed() throws IOException {
    writeHrf(root, 1);
    Files.delete(root.resolve("mask/01_g_mask.tif"));
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class, () -> HrfDataset.load(root, "all"));
    assertTrue(e.getMessage().contains("01_g_mask.tif") && e.getMessage().contains("01_g.JPG"),
        e.getMessage());
    Files.walk(root.resolve("mask")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    VesselsegException.Data e2 = assertThrows(VesselsegException.Data.class, () -> HrfDataset.load(root, "all"));
    assertTrue(e2.getMessage().contains("has no mask/ folder"), e2.getMessage());
  }
}
