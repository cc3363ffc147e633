package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.DatasetVerifier.Kind;
import io.vesselseg.data.DatasetVerifier.Problem;
import io.vesselseg.data.DatasetVerifier.Severity;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests of {@link DatasetVerifier} on a generated DRIVE-layout folder seeded with one of every problem. */
class DatasetVerifierTest {

  @TempDir Path root;

  static final int W = DriveDataset.WIDTH;
  static final int H = DriveDataset.HEIGHT;

  /** A 1-bit disc mask like DRIVE's FOV masks. */
  static BufferedImage disc(int w, int h) {
    BufferedImage m = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY);
    double r = 0.45 * Math.min(w, h);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double dx = x - w / 2.0;
        double dy = y - h / 2.0;
        m.getRaster().setSample(x, y, 0, dx * dx + dy * dy <= r * r ? 1 : 0);
      }
    }
    return m;
  }

  /** Writes image NN_split.tif, NN_manual1.gif and NN_split_mask.gif (and NN_manual2.gif for test). */
  private void sample(String split, int n, int w, int h) throws IOException {
    String num = String.format("%02d", n);
    Path dir = root.resolve(split);
    TestImages.write(TestImages.fundus(w, h, n), dir.resolve("images").resolve(num + "_" + split + ".tif"));
    TestImages.write(TestImages.vessel(w, h), dir.resolve("1st_manual").resolve(num + "_manual1.gif"));
    TestImages.write(disc(w, h), dir.resolve("mask").resolve(num + "_" + split + "_mask.gif"));
    if (split.equals("test")) {
      TestImages.write(TestImages.vessel(w, h), dir.resolve("2nd_manual").resolve(num + "_manual2.gif"));
    }
  }

  private Path t(String name) {
    return root.resolve("training").resolve(name);
  }

  private static List<Problem> about(List<Problem> problems, Path file) {
    return problems.stream().filter(p -> file.equals(p.file())).toList();
  }

  private static void assertOne(List<Problem> problems, Path file, Kind kind, Severity severity, String text) {
    List<Problem> found = about(problems, file);
    assertEquals(1, found.size(), file + ": " + found);
    Problem p = found.get(0);
    assertEquals(kind, p.kind(), p.toString());
    assertEquals(severity, p.severity(), p.toString());
    assertTrue(p.message().contains(text), p + " should mention " + text);
  }

  @Test
  void reportsEverySeededProblemAndNothingAboutGoodFiles() throws IOException {
    sample("training", 21, W, H); // good
    sample("training", 22, W, H); // good
    sample("test", 1, W, H); // good, with a second observer

    sample("training", 23, W, H); // truncated image
    byte[] tif = Files.readAllBytes(t("images/23_training.tif"));
    Files.write(t("images/23_training.tif"), Arrays.copyOf(tif, tif.length / 2));

    sample("training", 24, W, H); // image without 1st_manual
    Files.delete(t("1st_manual/24_manual1.gif"));

    TestImages.write(TestImages.vessel(W, H), t("1st_manual/25_manual1.gif")); // label without image

    sample("training", 26, W, H); // label one row short
    TestImages.write(TestImages.vessel(W, H - 1), t("1st_manual/26_manual1.gif"));

    sample("training", 27, W, H); // non-binary label, as PNG (the reader accepts any image type)
    Files.delete(t("1st_manual/27_manual1.gif"));
    BufferedImage grey = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setSample(1, 1, 0, 3);
    grey.getRaster().setSample(2, 1, 0, 128);
    grey.getRaster().setSample(3, 1, 0, 255);
    TestImages.write(grey, t("1st_manual/27_manual1.png"));

    sample("training", 28, W, H); // all-zero FOV
    TestImages.write(new BufferedImage(W, H, BufferedImage.TYPE_BYTE_BINARY), t("mask/28_training_mask.gif"));

    sample("training", 29, W, H); // same pixels as 21_training, stored as PNG
    Files.delete(t("images/29_training.tif"));
    TestImages.write(TestImages.fundus(W, H, 21), t("images/29_training.png"));

    sample("training", 30, 20, 20); // tiny image

    sample("training", 31, W, H); // missing FOV
    Files.delete(t("mask/31_training_mask.gif"));

    sample("test", 2, W, H); // same photograph as 22_training, in the other split
    TestImages.write(TestImages.fundus(W, H, 22), root.resolve("test/images/02_test.tif"));

    List<Problem> problems = DatasetVerifier.verify(root, null);
    String all = problems.stream().map(Problem::toString).collect(Collectors.joining("\n"));

    assertOne(problems, t("images/23_training.tif"), Kind.UNREADABLE, Severity.ERROR, "23_training.tif");
    assertOne(problems, t("images/24_training.tif"), Kind.MISSING_LABEL, Severity.ERROR, "24_manual1.gif");
    assertOne(problems, t("1st_manual/25_manual1.gif"), Kind.UNPAIRED_LABEL, Severity.ERROR, "no matching");
    assertOne(problems, t("1st_manual/26_manual1.gif"), Kind.SIZE_MISMATCH, Severity.ERROR,
        "is 565x583, expected 565x584 like image 26_training.tif");
    assertOne(problems, t("1st_manual/27_manual1.png"), Kind.NOT_BINARY, Severity.ERROR,
        "values {0, 3, 128, 255}: expected two values (0 and 255 or 0 and 1)");
    assertOne(problems, t("mask/28_training_mask.gif"), Kind.EMPTY_FOV, Severity.ERROR, "empty");
    assertOne(problems, t("images/29_training.png"), Kind.DUPLICATE, Severity.WARNING,
        t("images/21_training.tif").toString());
    assertOne(problems, t("images/30_training.tif"), Kind.UNUSUAL_SIZE, Severity.WARNING, "is 20x20");
    assertOne(problems, t("images/31_training.tif"), Kind.MISSING_FOV, Severity.ERROR, "31_training_mask.gif");
    assertOne(problems, root.resolve("test/images/02_test.tif"), Kind.DUPLICATE, Severity.ERROR,
        t("images/22_training.tif").toString());
    assertEquals(10, problems.size(), all);

    for (String good : new String[] {"training/images/21_training.tif", "training/1st_manual/21_manual1.gif",
        "training/mask/21_training_mask.gif", "training/images/22_training.tif", "test/images/01_test.tif",
        "test/1st_manual/01_manual1.gif", "test/2nd_manual/01_manual2.gif", "test/mask/01_test_mask.gif",
        "training/1st_manual/30_manual1.gif", "training/mask/30_training_mask.gif"}) {
      assertEquals(List.of(), about(problems, root.resolve(good)), good);
    }
    assertTrue(DatasetVerifier.hasErrors(problems));
    // the strict loader stops at the first of these problems
    assertThrows(VesselsegException.Data.class, () -> DriveDataset.load(root, "training"));
  }

  @Test
  void setsWithoutFovGetOneWarningAndCleanSetsNone() throws IOException {
    ChaseDb1DatasetTest.writeChase(root, 2, true);
    List<Problem> chase = DatasetVerifier.verify(root, "chase_db1");
    // 40x32 test images are below the usual size; apart from that only the FOV warning
    List<Problem> other = chase.stream().filter(p -> p.kind() != Kind.UNUSUAL_SIZE).toList();
    assertEquals(1, other.size(), other.toString());
    assertEquals(Kind.MISSING_FOV, other.get(0).kind());
    assertEquals(Severity.WARNING, other.get(0).severity());
    assertTrue(other.get(0).message().contains("will be estimated"), other.get(0).message());
    assertFalse(DatasetVerifier.hasErrors(chase));
  }

  @Test
  void stareLabelsWithoutImagesAndBrokenGzipAreFound() throws IOException {
    StareDatasetTest.writeStare(root, 3);
    Files.delete(root.resolve("stare-images/im0002.ppm"));
    Files.write(root.resolve("labels-ah/im0003.ah.ppm.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0});
    List<Problem> problems = DatasetVerifier.verify(root, null);
    assertOne(problems, root.resolve("labels-ah/im0002.ah.ppm"), Kind.UNPAIRED_LABEL, Severity.ERROR, "no matching");
    assertOne(problems, root.resolve("labels-vk/im0002.vk.ppm"), Kind.UNPAIRED_LABEL, Severity.ERROR,
        "no matching");
    assertOne(problems, root.resolve("labels-ah/im0003.ah.ppm.gz"), Kind.UNREADABLE, Severity.ERROR,
        "im0003.ah.ppm.gz");
  }

  @Test
  void unknownFolderAndFormat() throws IOException {
    Files.createDirectories(root.resolve("photos"));
    List<Problem> problems = DatasetVerifier.verify(root, "auto");
    assertEquals(1, problems.size());
    assertEquals(Kind.LAYOUT, problems.get(0).kind());
    assertTrue(problems.get(0).message().contains("found photos/"), problems.get(0).message());
    assertEquals(Kind.LAYOUT, DatasetVerifier.verify(root.resolve("absent"), null).get(0).kind());
    assertThrows(VesselsegException.Usage.class, () -> DatasetVerifier.verify(root, "kaggle"));
  }
}
