package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests of {@link StareDataset} on tiny generated files in the STARE distribution layout. */
class StareDatasetTest {

  @TempDir Path root;

  static final int W = 35;
  static final int H = 30;

  /** An RGB copy of a grey image (STARE labels are colour PPMs with equal channels). */
  static BufferedImage rgbOf(BufferedImage grey) {
    BufferedImage out = new BufferedImage(grey.getWidth(), grey.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    out.getGraphics().drawImage(grey, 0, 0, null);
    return out;
  }

  /** Writes images im0001..im{count} (odd ones gzipped) in stare-images/, labels in labels-ah/ and labels-vk/. */
  static void writeStare(Path root, int count) {
    for (int i = 1; i <= count; i++) {
      String id = String.format("im%04d", i);
      String gz = i % 2 == 1 ? ".gz" : "";
      Pnm.write(root.resolve("stare-images").resolve(id + ".ppm" + gz), TestImages.toPnm(TestImages.fundus(W, H, i)),
          false);
      Pnm.Image label = TestImages.toPnm(rgbOf(TestImages.vessel(W, H)));
      Pnm.write(root.resolve("labels-ah").resolve(id + ".ah.ppm" + gz), label, false);
      Pnm.write(root.resolve("labels-vk").resolve(id + ".vk.ppm"), label, i == 2);
    }
  }

  @Test
  void seededHalfSplitOfLabelledImages() throws IOException {
    writeStare(root, 20);
    // an unlabelled photograph, as in the full STARE image archive, is ignored
    Pnm.write(root.resolve("stare-images/im0300.ppm.gz"), TestImages.toPnm(TestImages.fundus(W, H, 99)), false);
    assertTrue(StareDataset.looksLikeStare(root));
    assertEquals("stare", Datasets.detect(root));

    List<Sample> training = StareDataset.load(root, "training");
    List<Sample> test = StareDataset.load(root, "test");
    assertEquals(10, training.size());
    assertEquals(10, test.size());
    List<String> trainingIds = training.stream().map(Sample::id).toList();
    List<String> sorted = new ArrayList<>(trainingIds);
    sorted.sort(null);
    assertEquals(sorted, trainingIds);
    Set<String> all = new HashSet<>(trainingIds);
    test.forEach(s -> all.add(s.id()));
    assertEquals(20, all.size());
    assertEquals(20, StareDataset.load(root, "all").size());
    // the split is the documented seeded shuffle, independent of anything but the ids
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      ids.add(String.format("im%04d", i));
    }
    assertEquals(new HashSet<>(trainingIds), StareDataset.trainingIds(ids));

    Sample s = training.get(0);
    assertEquals(W, s.width());
    assertEquals(H, s.height());
    assertTrue(s.fovEstimated());
    assertNotNull(s.vessel2());
    assertEquals(H, TestImages.sum(s.vessel()));
    assertEquals(H, TestImages.sum(s.vessel2()));
  }

  @Test
  void flatFolderWorksAndMissingHooverLabelIsNamed() throws IOException {
    for (int i = 1; i <= 3; i++) {
      String id = String.format("im%04d", i);
      Pnm.write(root.resolve(id + ".ppm"), TestImages.toPnm(TestImages.fundus(W, H, i)), false);
      Pnm.write(root.resolve(id + ".ah.ppm"), TestImages.toPnm(TestImages.vessel(W, H)), false);
      Pnm.write(root.resolve(id + ".vk.ppm"), TestImages.toPnm(TestImages.vessel(W, H)), true);
    }
    assertEquals(3, Datasets.load(root.toString(), "all", "stare").size());
    Pnm.write(root.resolve("im0004.ppm"), TestImages.toPnm(TestImages.fundus(W, H, 4)), false);
    Pnm.write(root.resolve("im0004.vk.ppm"), TestImages.toPnm(TestImages.vessel(W, H)), false);
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class, () -> StareDataset.load(root, "all"));
    assertTrue(e.getMessage().contains("im0004.ah.ppm"), e.getMessage());
  }

  @Test
  void folderWithoutLabelsIsExplained() throws IOException {
    Files.createDirectories(root.resolve("stare-images"));
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class, () -> StareDataset.load(root, "all"));
    assertTrue(e.getMessage().contains("no labelled images") && e.getMessage().contains("stare-images/"),
        e.getMessage());
  }
}
