package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests of {@link ChaseDb1Dataset} on a tiny generated folder in the CHASE_DB1 layout. */
class ChaseDb1DatasetTest {

  @TempDir Path root;

  static final int W = 40;
  static final int H = 32;

  /** Writes Image_NNx.jpg with _1stHO.png and _2ndHO.png for children 1..children, eyes L and R. */
  static void writeChase(Path root, int children, boolean second) throws IOException {
    for (int c = 1; c <= children; c++) {
      for (String eye : new String[] {"L", "R"}) {
        String stem = String.format("Image_%02d%s", c, eye);
        TestImages.write(TestImages.fundus(W, H, 2 * c + (eye.equals("R") ? 1 : 0)),
            root.resolve(stem + ".jpg"));
        TestImages.write(TestImages.vessel(W, H), root.resolve(stem + "_1stHO.png"));
        if (second) {
          TestImages.write(TestImages.vessel(W, H), root.resolve(stem + "_2ndHO.png"));
        }
      }
    }
  }

  @Test
  void splitsByChildWithBothObserversAndEstimatedFov() throws IOException {
    writeChase(root, 12, true);
    assertTrue(ChaseDb1Dataset.looksLikeChaseDb1(root));
    assertFalse(DriveDataset.looksLikeDrive(root));
    assertEquals("chase_db1", Datasets.detect(root));

    List<Sample> training = ChaseDb1Dataset.load(root, "training");
    assertEquals(20, training.size());
    assertEquals("Image_01L", training.get(0).id());
    assertEquals("Image_01R", training.get(1).id());
    assertEquals("Image_10R", training.get(19).id());
    List<Sample> test = ChaseDb1Dataset.load(root, "test");
    assertEquals(List.of("Image_11L", "Image_11R", "Image_12L", "Image_12R"), test.stream().map(Sample::id).toList());
    assertEquals(24, ChaseDb1Dataset.load(root, "all").size());

    Sample s = test.get(0);
    assertEquals(W, s.width());
    assertEquals(H, s.height());
    assertTrue(s.fovEstimated());
    assertNotNull(s.vessel2());
    assertEquals(H, TestImages.sum(s.vessel()));
    int fov = TestImages.sum(s.fov());
    assertTrue(fov > 0.4 * W * H && fov < W * H, "estimated FOV has " + fov + " pixels");
    assertEquals(20, Datasets.load(root.toString(), "training", "chase_db1").size());
    assertEquals(4, Datasets.load(root.toString(), "test").size());
  }

  @Test
  void secondObserverIsOptionalAndMissingLabelsAreNamed() throws IOException {
    writeChase(root, 2, false);
    assertNull(ChaseDb1Dataset.load(root, "all").get(0).vessel2());
    Files.delete(root.resolve("Image_02L_1stHO.png"));
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class,
        () -> ChaseDb1Dataset.load(root, "training"));
    assertTrue(e.getMessage().contains("Image_02L.jpg") && e.getMessage().contains("Image_02L_1stHO.png"),
        e.getMessage());
  }

  @Test
  void emptyOrForeignFolderIsExplained() throws IOException {
    Files.writeString(root.resolve("readme.txt"), "x");
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class, () -> ChaseDb1Dataset.load(root, "all"));
    assertTrue(e.getMessage().contains("Image_01L.jpg") && e.getMessage().contains("readme.txt"), e.getMessage());
    assertThrows(VesselsegException.Usage.class, () -> ChaseDb1Dataset.load(root, "val"));
  }
}
