package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.viz.Overlay;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vesselseg explain} on a DRIVE-sized generated photograph with the compact model, and bad input. */
class ExplainCommandTest {

  @TempDir
  Path dir;

  private Path photo() {
    Sample s = SyntheticFundus.generate(11, 565, 584);
    Path p = dir.resolve("fundus.png");
    ImageFiles.writePng(p, Overlay.photo(s.rgb(), s.width(), s.height()));
    return p;
  }

  @Test
  void writesAPictureAMapPerMethodAndTheJson() throws Exception {
    Path out = dir.resolve("out");
    CliTest.Outcome o = CliTest.run("explain", "--input", photo().toString(), "--region", "300,200,12,10",
        "--model", "compact", "--output", out.toString(), "--method", "gradcam,ig,smoothgrad", "--steps", "4",
        "--samples", "2");
    assertEquals(0, o.code(), o.err());
    for (String m : new String[] {"gradcam-bottleneck", "ig", "smoothgrad"}) {
      BufferedImage png = ImageIO.read(out.resolve("fundus_" + m + ".png").toFile());
      assertEquals(565, png.getWidth());
      assertEquals(584, png.getHeight());
      assertEquals(0xFFFFFF, png.getRGB(300, 200) & 0xFFFFFF, m + ": the region's corner is outlined in white");
      byte[] npy = Files.readAllBytes(out.resolve("fundus_" + m + ".npy"));
      int header = ByteBuffer.wrap(npy, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
      String dict = new String(npy, 10, header, StandardCharsets.US_ASCII);
      assertTrue(dict.contains("'descr': '<f4'") && dict.contains("'shape': (584, 565)"), dict);
      assertEquals(10 + header + 4 * 565 * 584, npy.length);
      assertEquals(0, (10 + header) % 64, "npy data aligned as NumPy writes it");
      float[] map = new float[565 * 584];
      ByteBuffer.wrap(npy, 10 + header, 4 * map.length).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(map);
      assertTrue(maxAbs(map) > 0, m + ": an all-zero map");
    }
    JsonNode json = new ObjectMapper().readTree(out.resolve("fundus_explain.json").toFile());
    assertEquals("built-in compact", json.get("model").asText());
    assertEquals(12, json.get("region").get("width").asInt());
    assertEquals(3, json.get("maps").size());
    JsonNode ig = json.get("maps").get(1);
    assertEquals("ig", ig.get("method").asText());
    assertEquals(4, ig.get("steps").asInt());
    assertTrue(ig.get("seconds").asDouble() > 0);
    assertTrue(Double.isFinite(ig.get("baseline_logit_sum").asDouble()), ig.toString());
  }

  @Test
  void aPointWithARadiusIsADisc() throws Exception {
    Path out = dir.resolve("out");
    CliTest.Outcome o = CliTest.run("explain", "--input", photo().toString(), "--point", "280,300", "--radius", "3",
        "--model", "compact", "--output", out.toString(), "--method", "gradcam", "--layer", "decoder");
    assertEquals(0, o.code(), o.err());
    assertTrue(Files.isRegularFile(out.resolve("fundus_gradcam-decoder.png")));
    JsonNode json = new ObjectMapper().readTree(out.resolve("fundus_explain.json").toFile());
    assertEquals(3, json.get("region").get("radius").asInt());
    assertEquals("decoder", json.get("maps").get(0).get("layer").asText());
  }

  @Test
  void badInputIsOneClearErrorAndNothingIsWritten() throws Exception {
    Path photo = photo();
    Path out = dir.resolve("out");
    expect(Main.USAGE, "does not lie inside the 565x584 photograph", "--input", photo.toString(), "--region",
        "560,10,20,20", "--output", out.toString());
    expect(Main.USAGE, "is empty: its width and height must be at least 1", "--input", photo.toString(), "--region",
        "10,10,0,5", "--output", out.toString());
    expect(Main.USAGE, "point 600,10 lies outside the 565x584 photograph", "--input", photo.toString(), "--point",
        "600,10", "--output", out.toString());
    expect(Main.USAGE, "one of --region X,Y,W,H or --point X,Y, not both", "--input", photo.toString(), "--region",
        "1,2,3,4", "--point", "5,5", "--output", out.toString());
    expect(Main.USAGE, "expected 4 whole numbers", "--input", photo.toString(), "--region", "1,2,3", "--output",
        out.toString());
    Path text = dir.resolve("notes.png");
    Files.writeString(text, "not an image");
    CliTest.Outcome o = expect(Main.DATA, "notes.png", "--input", text.toString(), "--point", "1,1", "--output",
        out.toString());
    BufferedImage grey = new BufferedImage(200, 150, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < 200 * 150; i++) {
      grey.setRGB(i % 200, i / 200, 0x7F7F7F);
    }
    Path greyFile = dir.resolve("grey.png");
    ImageFiles.writePng(greyFile, grey);
    expect(Main.DATA, "grey.png does not look like a colour fundus photograph", "--input", greyFile.toString(),
        "--point", "100,70", "--output", out.toString());
    expect(Main.USAGE, "method 'occlusion' is not known", "--input", photo.toString(), "--point", "100,70",
        "--method", "occlusion", "--output", out.toString());
    assertFalse(Files.exists(out), "nothing written: " + o);
  }

  private static CliTest.Outcome expect(int code, String message, String... args) {
    String[] full = new String[args.length + 1];
    full[0] = "explain";
    System.arraycopy(args, 0, full, 1, args.length);
    CliTest.Outcome o = CliTest.run(full);
    assertEquals(code, o.code(), Arrays.toString(args) + ": " + o.err());
    assertEquals(1, o.err().strip().lines().count(), o.err());
    assertTrue(o.err().contains(message), o.err());
    return o;
  }

  private static float maxAbs(float[] a) {
    float m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}
