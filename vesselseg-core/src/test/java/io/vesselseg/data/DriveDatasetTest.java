package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests of {@link DriveDataset} on tiny generated folders in the official DRIVE layout. */
class DriveDatasetTest {

  @TempDir Path root;

  static final int W = 12;
  static final int H = 10;

  /**
   * Writes a non-interlaced GIF like DRIVE's. (The JDK's GIF writer interlaces by default, and its interlaced
   * output of some tiny images, e.g. 4x4, reads back with rows scrambled.)
   */
  static void writeGif(BufferedImage img, Path file) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    ImageWriteParam param = writer.getDefaultWriteParam();
    param.setProgressiveMode(ImageWriteParam.MODE_DISABLED);
    Files.deleteIfExists(file);
    try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(img, null, null), param);
    } finally {
      writer.dispose();
    }
  }

  /** Writes one DRIVE-style image with its manual and mask files (GIF via a 1-bit palette, TIFF RGB). */
  static void writeSample(Path root, String split, int number, int w, int h, boolean second) throws IOException {
    String num = String.format("%02d", number);
    Path dir = root.resolve(split);
    for (String sub : new String[] {"images", "1st_manual", "mask"}) {
      Files.createDirectories(dir.resolve(sub));
    }
    BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    BufferedImage vessel = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY);
    BufferedImage mask = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        boolean inside = x > 0 && y > 0 && x < w - 1 && y < h - 1;
        rgb.setRGB(x, y, inside ? 0xc06030 + number : 0x020202);
        vessel.getRaster().setSample(x, y, 0, inside && x == w / 2 ? 1 : 0);
        mask.getRaster().setSample(x, y, 0, inside ? 1 : 0);
      }
    }
    String stem = num + "_" + split;
    assertTrue(ImageIO.write(rgb, "tif", dir.resolve("images").resolve(stem + ".tif").toFile()));
    writeGif(vessel, dir.resolve("1st_manual").resolve(num + "_manual1.gif"));
    writeGif(mask, dir.resolve("mask").resolve(stem + "_mask.gif"));
    if (second) {
      Files.createDirectories(dir.resolve("2nd_manual"));
      writeGif(vessel, dir.resolve("2nd_manual").resolve(num + "_manual2.gif"));
    }
  }

  @Test
  void loadsAGoodLayoutSortedByNumber() throws IOException {
    for (int number : new int[] {23, 21, 22}) {
      writeSample(root, "training", number, W, H, false);
    }
    writeSample(root, "test", 2, W, H, true);
    writeSample(root, "test", 1, W, H, true);
    assertTrue(DriveDataset.looksLikeDrive(root));

    List<Sample> training = DriveDataset.load(root, "training");
    assertEquals(List.of("21_training", "22_training", "23_training"), training.stream().map(Sample::id).toList());
    Sample s = training.get(0);
    assertEquals(W, s.width());
    assertEquals(H, s.height());
    assertNull(s.vessel2());
    assertFalse(s.fovEstimated());
    assertEquals(0xc0 / 255f, s.rgb()[H / 2 * W + 3], 1e-6);
    assertEquals((0x30 + 21) / 255f, s.rgb()[2 * W * H + H / 2 * W + 3], 1e-6);
    int fov = 0;
    int vessel = 0;
    for (int i = 0; i < s.pixels(); i++) {
      fov += s.fov()[i];
      vessel += s.vessel()[i];
    }
    assertEquals((W - 2) * (H - 2), fov);
    assertEquals(H - 2, vessel);

    List<Sample> test = DriveDataset.load(root, "test");
    assertEquals(List.of("01_test", "02_test"), test.stream().map(Sample::id).toList());
    assertNotNull(test.get(1).vessel2());
  }

  @Test
  void missingFoldersAreExplained() throws IOException {
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class,
        () -> DriveDataset.load(root, "training"));
    assertTrue(e.getMessage().contains("has no training/images"), e.getMessage());
    assertTrue(e.getMessage().contains("--data"), e.getMessage());
    assertFalse(DriveDataset.looksLikeDrive(root));

    Files.createDirectories(root.resolve("training/images"));
    Files.createDirectories(root.resolve("training/1st_manual"));
    VesselsegException.Data e2 = assertThrows(VesselsegException.Data.class,
        () -> DriveDataset.load(root, "training"));
    assertTrue(e2.getMessage().contains("has no training/mask"), e2.getMessage());

    VesselsegException.Data e3 = assertThrows(VesselsegException.Data.class,
        () -> DriveDataset.load(root.resolve("absent"), "test"));
    assertTrue(e3.getMessage().contains("absent"), e3.getMessage());

    assertThrows(VesselsegException.Usage.class, () -> DriveDataset.load(root, "validation"));
  }

  @Test
  void missingMaskFileIsNamed() throws IOException {
    writeSample(root, "training", 21, W, H, false);
    writeSample(root, "training", 22, W, H, false);
    Files.delete(root.resolve("training/mask/22_training_mask.gif"));
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class,
        () -> DriveDataset.load(root, "training"));
    assertTrue(e.getMessage().contains("22_training_mask.gif"), e.getMessage());
    assertTrue(e.getMessage().contains("22_training.tif"), e.getMessage());
  }

  @Test
  void missingManualFileIsNamed() throws IOException {
    writeSample(root, "test", 3, W, H, true);
    Files.delete(root.resolve("test/2nd_manual/03_manual2.gif"));
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class, () -> DriveDataset.load(root, "test"));
    assertTrue(e.getMessage().contains("03_manual2.gif"), e.getMessage());
    Files.delete(root.resolve("test/1st_manual/03_manual1.gif"));
    VesselsegException.Data e2 = assertThrows(VesselsegException.Data.class, () -> DriveDataset.load(root, "test"));
    assertTrue(e2.getMessage().contains("03_manual1.gif"), e2.getMessage());
  }

  @Test
  void sizeMismatchUsesTheMaskMessage() throws IOException {
    writeSample(root, "test", 1, W, H, false);
    Path manual = root.resolve("test/1st_manual/01_manual1.gif");
    writeGif(new BufferedImage(W, H - 1, BufferedImage.TYPE_BYTE_BINARY), manual);
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class, () -> DriveDataset.load(root, "test"));
    assertTrue(e.getMessage().startsWith(
        "mask 01_manual1.gif is " + W + "x" + (H - 1) + ", expected " + W + "x" + H + " like image 01_test.tif"),
        e.getMessage());
  }

  @Test
  void truncatedImageIsNamed() throws IOException {
    writeSample(root, "test", 1, W, H, false);
    Path image = root.resolve("test/images/01_test.tif");
    Files.write(image, new byte[] {'I', 'I', 42, 0, 0x7f, 0x13});
    VesselsegException.Data e = assertThrows(VesselsegException.Data.class, () -> DriveDataset.load(root, "test"));
    assertTrue(e.getMessage().contains(image.toString()), e.getMessage());
  }
}
