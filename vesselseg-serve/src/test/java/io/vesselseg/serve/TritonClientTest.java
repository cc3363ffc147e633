package io.vesselseg.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client nobody here wrote: Triton's {@code tritonclient[http]} (PyPI) speaks the Open Inference Protocol to a
 * real server on loopback, through {@code src/test/python/oip_client_check.py}: liveness, readiness, server and
 * model metadata, inference on a UINT8 [1, H, W, 3] synthetic photograph (shapes, dtypes, the mask equal to the
 * probabilities at the threshold inside the FOV), output selection, tensors as JSON and through the binary tensor
 * extension (tritonclient's default; the same values both ways) and error messages. Skips when
 * {@code .venv-serve/} is absent ({@code bash scripts/serve-venv.sh} makes it).
 */
class TritonClientTest {

  private static final Path CHECKOUT = Path.of(System.getProperty("vesselseg.checkout",
      System.getProperty("user.dir") + "/..")).toAbsolutePath().normalize();
  private static final Path PYTHON = CHECKOUT.resolve(".venv-serve/bin/python");
  private static final Path SCRIPT = CHECKOUT.resolve("vesselseg-serve/src/test/python/oip_client_check.py");

  @Test
  void tritonClientSegmentsAPhotograph(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(PYTHON), "skipped: " + PYTHON + " does not exist; run `bash "
        + "scripts/serve-venv.sh` to install tritonclient[http], the Open Inference Protocol client this test drives");
    int w = 176;
    int h = 160;
    BufferedImage img = Http.photo(11, w, h);
    byte[] rgb = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = img.getRGB(x, y);
        int i = 3 * (y * w + x);
        rgb[i] = (byte) (p >> 16);
        rgb[i + 1] = (byte) (p >> 8);
        rgb[i + 2] = (byte) p;
      }
    }
    Path raw = Files.write(dir.resolve("photo.rgb"), rgb);
    try (SegmentationServer server = SegmentationServer.start(ServeSettings.defaults().withHost("127.0.0.1")
        .withPort(0).withModelName("retina"))) {
      Process p = new ProcessBuilder(PYTHON.toString(), SCRIPT.toString(), "127.0.0.1:" + server.port(), "retina",
          raw.toString(), String.valueOf(h), String.valueOf(w)).redirectErrorStream(true).start();
      boolean done = p.waitFor(300, TimeUnit.SECONDS);
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!done) {
        p.destroyForcibly();
      }
      assertTrue(done, "the tritonclient script did not finish in 300 s: " + out);
      assertEquals(0, p.exitValue(), out);
      assertTrue(out.contains("ok {"), out);
      int vessels = Integer.parseInt(out.replaceAll("(?s).*\"vessel_pixels\": (\\d+).*", "$1"));
      assertTrue(vessels > 100, "a synthetic fundus photograph of " + w + "x" + h + " has vessels: " + out);
      System.out.println("tritonclient: " + out.strip());
    }
  }
}
