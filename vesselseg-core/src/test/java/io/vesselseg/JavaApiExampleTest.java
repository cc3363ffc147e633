package io.vesselseg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.viz.Overlay;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example of docs/java-api.md ({@code docs/examples/SegmentPhotograph.java}) compiles against the library
 * alone and runs: it segments a photograph and writes the mask.
 */
class JavaApiExampleTest {

  @Test
  void theDocumentedExampleCompilesAndSegmentsAPhotograph(@TempDir Path dir) throws Exception {
    Path source = Path.of(System.getProperty("vesselseg.checkout", ".."), "docs", "examples",
        "SegmentPhotograph.java");
    Path classes = dir.resolve("classes");
    java.nio.file.Files.createDirectories(classes);
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors, "-d", classes.toString(),
        "-cp", System.getProperty("java.class.path"), source.toString());
    assertEquals(0, rc, "javac " + source + ": " + errors.toString(StandardCharsets.UTF_8));

    var sample = SyntheticFundus.generate(5, 240, 220);
    Path photo = dir.resolve("photo.png");
    ImageIO.write(Overlay.photo(sample.rgb(), sample.width(), sample.height()), "png", photo.toFile());
    Path mask = dir.resolve("mask.png");
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
        getClass().getClassLoader())) {
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      loader.loadClass("SegmentPhotograph").getMethod("main", String[].class)
          .invoke(null, (Object) new String[] {photo.toString(), mask.toString()});
    } finally {
      System.setOut(stdout);
    }
    String line = printed.toString(StandardCharsets.UTF_8);
    assertTrue(line.matches("(?s)240x220, threshold 0\\.\\d{3}, vessels \\d+\\.\\d% of the FOV\\s*"), line);
    BufferedImage written = ImageIO.read(mask.toFile());
    assertEquals(240, written.getWidth());
    assertEquals(220, written.getHeight());
    assertTrue(List.of(0, 255).contains(written.getRaster().getSample(120, 110, 0)));
  }
}
