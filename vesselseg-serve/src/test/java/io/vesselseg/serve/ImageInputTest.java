package io.vesselseg.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The header check before decoding (plain JVM, no server). */
class ImageInputTest {

  @Test
  void sizeComesFromTheHeader() throws Exception {
    ImageInput png = ImageInput.probe(Http.png(1, 40, 30), 10_000);
    assertEquals(40, png.width());
    assertEquals(30, png.height());
    assertEquals("PNG", png.format());
    assertEquals(40, png.decode().getWidth());
    ImageInput ppm = ImageInput.probe("P6\n# a comment\n3 2\n255\n".concat("x".repeat(18))
        .getBytes(StandardCharsets.ISO_8859_1), 100);
    assertEquals(3, ppm.width());
    assertEquals(2, ppm.height());
    assertEquals(3, ppm.decode().getWidth());
  }

  @Test
  void aBombIsRefusedBeforeDecoding() throws Exception {
    HttpError e = assertThrows(HttpError.class, () -> ImageInput.probe(ServerLimitsTest.pngClaiming(100_000,
        100_000), 50_000_000));
    assertEquals(413, e.status());
    assertTrue(e.getMessage().contains("100000x100000 = 10000000000 pixels"), e.getMessage());
    HttpError p = assertThrows(HttpError.class, () -> ImageInput.probe("P6 90000 90000 255\n"
        .getBytes(StandardCharsets.US_ASCII), 50_000_000));
    assertEquals(413, p.status());
  }

  @Test
  void whatIsNotAnImageIs415() {
    HttpError e = assertThrows(HttpError.class, () -> ImageInput.probe("{\"json\": 1}".getBytes(), 100));
    assertEquals(415, e.status());
    assertTrue(e.getMessage().contains("starting with \"{\"json\":\""), e.getMessage());
  }
}
