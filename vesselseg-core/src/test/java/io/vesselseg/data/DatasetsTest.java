package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests of {@link Datasets}. */
class DatasetsTest {

  @TempDir Path dir;

  @Test
  void syntheticSplits() {
    List<Sample> training = Datasets.load("Synthetic", "training");
    assertEquals(16, training.size());
    assertEquals(192, training.get(0).width());
    assertEquals("synthetic_015", training.get(15).id());
    assertEquals(6, Datasets.load("synthetic", "test").size());
  }

  @Test
  void unknownSplitIsUsageError() {
    VesselsegException.Usage e = assertThrows(VesselsegException.Usage.class,
        () -> Datasets.load("synthetic", "x"));
    assertEquals("unknown split 'x': expected training, test or all", e.getMessage());
    assertEquals(2, e.exitCode());
  }

  @Test
  void foldersAreCheckedAndDriveIsRecognised() throws IOException {
    VesselsegException.Data missing = assertThrows(VesselsegException.Data.class,
        () -> Datasets.load(dir.resolve("nothing").toString(), "training"));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

    Files.createDirectories(dir.resolve("other/stuff"));
    VesselsegException.Data other = assertThrows(VesselsegException.Data.class,
        () -> Datasets.load(dir.resolve("other").toString(), "training"));
    assertTrue(other.getMessage().contains("recognised"), other.getMessage());
    assertTrue(other.getMessage().contains("DRIVE"), other.getMessage());
    for (String layout : new String[] {"HRF", "CHASE_DB1", "STARE", "folder"}) {
      assertTrue(other.getMessage().contains(layout), other.getMessage());
    }
    assertTrue(other.getMessage().contains("found stuff/"), other.getMessage());

    DriveDatasetTest.writeSample(dir.resolve("drive"), "test", 1, 8, 6, false);
    List<Sample> test = Datasets.load(dir.resolve("drive").toString(), "test");
    assertEquals("01_test", test.get(0).id());
  }

  @Test
  void openDecodesEachPhotographOnlyWhenAskedAndKeepsNone() throws IOException {
    Path drive = dir.resolve("drive");
    for (int k = 1; k <= 3; k++) {
      DriveDatasetTest.writeSample(drive, "test", k, 8, 6, false);
    }
    SampleSource source = Datasets.open(drive.toString(), "test", null);
    assertEquals(List.of("01_test", "02_test", "03_test"), source.ids());
    // decoded on request, not at opening: a photograph broken after opening fails only when reached
    Files.write(drive.resolve("test/images/03_test.tif"), new byte[] {1, 2, 3});
    java.util.Iterator<Sample> it = source.iterator();
    Sample first = it.next();
    assertEquals("01_test", first.id());
    assertEquals("02_test", it.next().id());
    assertThrows(VesselsegException.Data.class, it::next);
    // nothing is cached: each request decodes anew
    assertTrue(first != source.get(0));
    assertEquals(first.id(), source.get("01_test").id());
    assertEquals(null, source.get("nope"));
    // files missing at opening are reported then, before any decoding
    Files.delete(drive.resolve("test/mask/02_test_mask.gif"));
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class,
        () -> Datasets.open(drive.toString(), "test", null));
    assertTrue(e.getMessage().contains("02_test_mask.gif"), e.getMessage());
  }

  @Test
  void allSplitAndFormats() throws IOException {
    assertEquals(22, Datasets.load("synthetic", "all").size());
    Path drive = dir.resolve("drive");
    DriveDatasetTest.writeSample(drive, "training", 21, 8, 6, false);
    DriveDatasetTest.writeSample(drive, "test", 1, 8, 6, false);
    DriveDatasetTest.writeSample(drive, "test", 2, 8, 6, false);
    assertEquals(List.of("21_training", "01_test", "02_test"),
        Datasets.load(drive.toString(), "all", "DRIVE").stream().map(Sample::id).toList());
    assertEquals(2, Datasets.load(drive.toString(), "test", "auto").size());
    assertEquals("DRIVE at " + drive + ": 1 training, 2 test images", Datasets.describe(drive.toString(), null));
    assertEquals("drive", Datasets.detect(drive));

    VesselsegException.Usage bad = assertThrows(VesselsegException.Usage.class,
        () -> Datasets.load(drive.toString(), "test", "messidor"));
    assertEquals("unknown dataset format 'messidor': expected auto, drive, hrf, folder, chase_db1, stare",
        bad.getMessage());
    assertEquals("chase_db1", Datasets.normaliseFormat("CHASE-DB1"));
    // a format that does not fit the folder gives that reader's explanation
    VesselsegException.Data wrong = assertThrows(VesselsegException.Data.class,
        () -> Datasets.load(drive.toString(), "all", "hrf"));
    assertTrue(wrong.getMessage().contains("HRF") && wrong.getMessage().contains("manual1"), wrong.getMessage());
  }
}
