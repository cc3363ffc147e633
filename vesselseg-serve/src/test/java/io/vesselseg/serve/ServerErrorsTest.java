package io.vesselseg.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests a server refuses with a 4xx and a one-line {@code {"error": ...}}: what is not an image, broken
 * images, unknown models and paths, Open Inference Protocol tensors of the wrong shape or datatype.
 */
class ServerErrorsTest {

  private static SegmentationServer server;
  private static Http http;

  @BeforeAll
  static void start() {
    server = SegmentationServer.start(ServeSettings.defaults().withHost("127.0.0.1").withPort(0));
    http = new Http(server.port());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  /** The status, and the body being one JSON object with one line of error text. */
  private static String error(HttpResponse<byte[]> r, int status) throws Exception {
    assertEquals(status, r.statusCode(), Http.text(r));
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    String msg = new ObjectMapper().readTree(r.body()).get("error").asText();
    assertTrue(!msg.isBlank() && !msg.contains("\n"), msg);
    return msg;
  }

  @Test
  void textIsNotAnImage() throws Exception {
    String m = error(http.post("/v1/segment", "text/plain", "hello".getBytes()), 415);
    assertTrue(m.contains("Content-Type 'text/plain'"), m);
    m = error(http.post("/v1/segment", "image/png", "hello, not a picture".getBytes()), 415);
    assertTrue(m.contains("expected PNG, JPEG"), m);
    error(http.post("/v1/segment", "image/png", new byte[0]), 400);
    m = error(http.multipart("/v1/segment", "photo", Http.png(1, 32, 32)), 400);
    assertTrue(m.contains("'image'"), m);
  }

  @Test
  void truncatedImageIs400() throws Exception {
    byte[] png = Http.png(1, 96, 96);
    String m = error(http.post("/v1/segment", "image/png", Arrays.copyOf(png, png.length / 2)), 400);
    assertTrue(m.contains("cannot decode the PNG image (96x96)"), m);
  }

  @Test
  void badQueryParametersAre400() throws Exception {
    assertTrue(error(http.post("/v1/segment?output=svg", "image/png", Http.png(1, 32, 32)), 400)
        .contains("mask, prob, overlay, uncertainty, json"));
    assertTrue(error(http.post("/v1/segment?tta=d16", "image/png", Http.png(1, 32, 32)), 400)
        .contains("none, flips"));
  }

  @Test
  void unknownModelAndPathAre404() throws Exception {
    assertTrue(error(http.get("/v2/models/arteries"), 404).contains("serves 'vessels'"));
    error(http.get("/v2/models/arteries/ready"), 404);
    error(http.post("/v2/models/arteries/infer", "application/json", "{}".getBytes()), 404);
    error(http.get("/v2/models/vessels/versions/7"), 404);
    error(http.get("/nowhere"), 404);
  }

  @Test
  void badOipTensorsAre400() throws Exception {
    String ok = "{\"inputs\":[{\"name\":\"image\",\"shape\":[1,2,2,3],\"datatype\":\"UINT8\","
        + "\"data\":[1,2,3,4,5,6,7,8,9,10,11,12]}]}";
    assertTrue(infer(ok.replace("[1,2,2,3]", "[2,2,3]")).contains("expected [1, H, W, 3]"));
    assertTrue(infer(ok.replace("[1,2,2,3]", "[1,2,2,4]")).contains("expected [1, H, W, 3]"));
    assertTrue(infer(ok.replace("UINT8", "FP32")).contains("expected UINT8"));
    assertTrue(infer(ok.replace("11,12", "11")).contains("needs 12"));
    assertTrue(infer(ok.replace("11,12", "11,300")).contains("outside 0..255"));
    assertTrue(infer(ok.replace("11,12", "11,0.5")).contains("expected UINT8 integers"));
    assertTrue(infer(ok.replace("\"image\"", "\"photo\"")).contains("expected the input 'image'"));
    assertTrue(infer(ok.replace("]}]}", "]}],\"outputs\":[{\"name\":\"veins\"}]}")).contains("unknown"));
    assertTrue(infer("{\"inputs\":[").contains("not valid JSON"));
    assertTrue(infer("[]").contains("not a JSON object"));
    assertTrue(infer(ok.replace("\"datatype\"", "\"parameters\":{\"binary_data_size\":12},\"datatype\""))
        .contains("binary"));
  }

  private static String infer(String body) throws Exception {
    return error(http.post("/v2/models/vessels/infer", "application/json", body.getBytes()), 400);
  }
}
