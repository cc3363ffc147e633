package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests of {@link FolderDataset} on tiny generated images/ masks/ fov/ folders. */
class FolderDatasetTest {

  @TempDir Path root;

  static final int W = 30;
  static final int H = 26;

  @Test
  void pairsByStemOrSuffixAndSplitsEightyTwenty() throws IOException {
    List<String> stems = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String stem = "eye" + i;
      stems.add(stem);
      String[] ext = {"png", "tif", "jpg", "bmp", "gif"};
      TestImages.write(TestImages.fundus(W, H, i), root.resolve("images").resolve(stem + "." + ext[i % 5]));
      String maskName = i % 3 == 0 ? stem + ".png" : i % 3 == 1 ? stem + "_mask.png" : stem + "_manual1.tif";
      TestImages.write(TestImages.vessel(W, H), root.resolve("masks").resolve(maskName));
    }
    // image "eye1_b" must not steal or be given eye1's mask; it gets eye1_b_mask.png (longest stem wins)
    TestImages.write(TestImages.fundus(W, H, 50), root.resolve("images/eye1_b.png"));
    TestImages.write(TestImages.vessel(W, H), root.resolve("masks/eye1_b_mask.png"));
    stems.add("eye1_b");
    // a FOV file for one image only: that one is read, the others estimated
    java.awt.image.BufferedImage fov = new java.awt.image.BufferedImage(W, H,
        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    fov.getRaster().setSample(3, 4, 0, 255);
    TestImages.write(fov, root.resolve("fov/eye3.png"));
    assertTrue(FolderDataset.looksLikeFolder(root));
    assertEquals("folder", Datasets.detect(root));

    List<Sample> all = FolderDataset.load(root, "all");
    assertEquals(11, all.size());
    for (Sample s : all) {
      assertEquals(H, TestImages.sum(s.vessel()), s.id());
      assertEquals(!s.id().equals("eye3"), s.fovEstimated(), s.id());
      if (s.id().equals("eye3")) {
        assertEquals(1, TestImages.sum(s.fov()));
        assertEquals(1, s.fov()[4 * W + 3]);
      }
    }
    List<Sample> test = FolderDataset.load(root, "test");
    List<Sample> training = FolderDataset.load(root, "training");
    assertEquals(2, test.size()); // round(11 * 0.2)
    assertEquals(9, training.size());
    stems.sort(null);
    assertEquals(FolderDataset.testStems(stems), new HashSet<>(test.stream().map(Sample::id).toList()));
  }

  @Test
  void trainingAndTestSubfoldersAreTheSplits() throws IOException {
    for (String split : new String[] {"training", "test"}) {
      for (int i = 0; i < 2; i++) {
        Path dir = root.resolve(split);
        TestImages.write(TestImages.fundus(W, H, i), dir.resolve("images").resolve(split + i + ".png"));
        TestImages.write(TestImages.vessel(W, H), dir.resolve("masks").resolve(split + i + ".png"));
      }
    }
    assertFalse(DriveDataset.looksLikeDrive(root));
    assertEquals("folder", Datasets.detect(root));
    assertEquals(List.of("training0", "training1"),
        Datasets.load(root.toString(), "training").stream().map(Sample::id).toList());
    assertEquals(List.of("test0", "test1"), FolderDataset.load(root, "test").stream().map(Sample::id).toList());
    assertEquals(4, FolderDataset.load(root, "all").size());
  }

  @Test
  void missingAndAmbiguousMasksAreExplained() throws IOException {
    TestImages.write(TestImages.fundus(W, H, 1), root.resolve("images/a.png"));
    TestImages.write(TestImages.vessel(W, H), root.resolve("masks/a_x.png"));
    TestImages.write(TestImages.vessel(W, H), root.resolve("masks/a_y.png"));
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class, () -> FolderDataset.load(root, "all"));
    assertTrue(e.getMessage().contains("a_x.png") && e.getMessage().contains("a_y.png"), e.getMessage());
    Files.delete(root.resolve("masks/a_x.png"));
    assertEquals(1, FolderDataset.load(root, "all").size());
    Files.delete(root.resolve("masks/a_y.png"));
    VesselsegException.Data e2 = assertThrows(VesselsegException.Data.class, () -> FolderDataset.load(root, "all"));
    assertTrue(e2.getMessage().contains("a.png") && e2.getMessage().contains("masks"), e2.getMessage());
  }

  @Test
  void seededSplitIsStableAndSmallSetsStayInTraining() {
    Set<String> one = FolderDataset.testStems(List.of("a"));
    assertTrue(one.isEmpty());
    assertEquals(1, FolderDataset.testStems(List.of("a", "b")).size());
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      many.add(String.format("%03d", i));
    }
    assertEquals(20, FolderDataset.testStems(many).size());
    assertEquals(FolderDataset.testStems(many), FolderDataset.testStems(new ArrayList<>(many)));
  }
}
