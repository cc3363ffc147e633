package io.vesselseg.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every endpoint of a real server on a loopback port, with the built-in model and synthetic photographs. */
class SegmentationServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
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

  private static JsonNode json(HttpResponse<byte[]> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void healthAndServerMetadata() throws Exception {
    assertEquals(200, http.get("/v2/health/live").statusCode());
    assertEquals(200, http.get("/v2/health/ready").statusCode());
    JsonNode v2 = json(http.get("/v2"));
    assertEquals("vesselseg", v2.get("name").asText());
    assertTrue(v2.has("version") && v2.get("extensions").isArray(), v2.toString());
  }

  @Test
  void modelMetadataAndReadiness() throws Exception {
    HttpResponse<byte[]> r = http.get("/v2/models/vessels");
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode m = json(r);
    assertEquals("vessels", m.get("name").asText());
    assertEquals("[1,-1,-1,3]", m.at("/inputs/0/shape").toString());
    assertEquals("UINT8", m.at("/inputs/0/datatype").asText());
    assertEquals("probabilities", m.at("/outputs/0/name").asText());
    assertEquals("FP32", m.at("/outputs/0/datatype").asText());
    assertEquals(200, http.get("/v2/models/vessels/ready").statusCode());
    assertEquals(200, http.get("/v2/models/vessels/versions/1/ready").statusCode());
  }

  @Test
  void segmentReturnsAPngMaskByDefault() throws Exception {
    HttpResponse<byte[]> r = http.post("/v1/segment", "image/png", Http.png(1, 128, 112));
    assertEquals(200, r.statusCode(), Http.text(r));
    assertEquals("image/png", r.headers().firstValue("Content-Type").orElse(""));
    BufferedImage mask = Http.decode(r.body());
    assertEquals(128, mask.getWidth());
    assertEquals(112, mask.getHeight());
    int[] values = mask.getRaster().getSamples(0, 0, 128, 112, 0, (int[]) null);
    long vessels = java.util.Arrays.stream(values).filter(v -> v == 255).count();
    assertTrue(java.util.Arrays.stream(values).allMatch(v -> v == 0 || v == 255));
    assertTrue(vessels > 0, "the mask of a synthetic fundus photograph has vessels");
    assertTrue(r.headers().firstValue("X-Timing-Seconds").orElse("").contains("inference="));
  }

  @Test
  void segmentJsonFromAMultipartUploadWithFlips() throws Exception {
    HttpResponse<byte[]> r = http.multipart("/v1/segment?output=json&tta=flips", "image", Http.png(2, 96, 96));
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode j = json(r);
    assertEquals(96, j.at("/image/width").asInt());
    assertEquals("PNG", j.at("/image/format").asText());
    assertEquals("flips", j.get("tta").asText());
    assertEquals("vessels", j.at("/model/name").asText());
    assertEquals(64, j.at("/model/sha256").asText().length());
    double density = j.get("vessel_density").asDouble();
    assertTrue(density > 0 && density < 1, j.toString());
    assertTrue(j.get("fov_area").asLong() > 1000, j.toString());
    double threshold = j.get("threshold").asDouble();
    assertTrue(threshold > 0 && threshold < 1);
    double total = j.at("/timings/total_seconds").asDouble();
    assertTrue(j.at("/timings/inference_seconds").asDouble() > 0 && total >= j.at("/timings/inference_seconds")
        .asDouble(), j.toString());
    assertTrue(j.at("/timings/queued_seconds").asDouble() >= 0);
    // the measurements and quality flags of the library, as measure writes them
    assertEquals(j.get("fov_area").asLong(), j.at("/measurements/fov_pixels").asLong(), j.toString());
    assertEquals(density, j.at("/measurements/area_density").asDouble(), 1e-9, j.toString());
    assertTrue(j.at("/measurements/skeleton_length_px").asDouble() > 0, j.toString());
    assertTrue(j.at("/measurements/um_per_pixel").isNull(), "no scale given: " + j);
    assertTrue(j.at("/quality/flags").isArray(), j.toString());
    assertTrue(j.at("/quality/laplacian_variance").asDouble() > 0, j.toString());
  }

  @Test
  void probabilityMapAndOverlay() {
    byte[] photo = Http.png(3, 80, 96);
    HttpResponse<byte[]> prob = http.post("/v1/segment?output=prob", "image/png", photo);
    assertEquals(200, prob.statusCode(), Http.text(prob));
    BufferedImage p = Http.decode(prob.body());
    assertEquals(80, p.getWidth());
    assertEquals(1, p.getRaster().getNumBands());
    HttpResponse<byte[]> overlay = http.post("/v1/segment?output=overlay", "application/octet-stream", photo);
    assertEquals(200, overlay.statusCode(), Http.text(overlay));
    BufferedImage o = Http.decode(overlay.body());
    assertEquals(96, o.getHeight());
    assertTrue(o.getRaster().getNumBands() >= 3);
    HttpResponse<byte[]> curlDefault = http.post("/v1/segment?output=json", "application/x-www-form-urlencoded",
        photo);
    assertEquals(200, curlDefault.statusCode(), "curl --data-binary without -H: " + Http.text(curlDefault));
  }

  @Test
  void modelCardFromTheModelFilesMetadata() throws Exception {
    JsonNode card = json(http.get("/v1/model"));
    assertEquals("vessels", card.get("name").asText());
    assertEquals("unet", card.at("/architecture/type").asText(), card.toString());
    assertTrue(card.at("/thresholds/serving").asDouble() > 0);
    assertTrue(card.at("/thresholds/threshold").asDouble() > 0, card.get("thresholds").toString());
    assertTrue(card.has("provenance") && card.get("provenance").has("vesselseg"), card.toString());
    assertEquals("vesselseg-model-1", card.at("/metadata/format").asText());
    assertTrue(card.get("figures").isObject());
  }

  @Test
  void oipInferReturnsProbabilitiesMaskAndFov() throws Exception {
    int w = 72;
    int h = 64;
    BufferedImage img = Http.photo(4, w, h);
    StringBuilder data = new StringBuilder();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = img.getRGB(x, y);
        data.append(data.length() == 0 ? "" : ",").append((p >> 16) & 0xff).append(',').append((p >> 8) & 0xff)
            .append(',').append(p & 0xff);
      }
    }
    String body = "{\"id\":\"r1\",\"inputs\":[{\"name\":\"image\",\"shape\":[1," + h + "," + w + ",3],"
        + "\"datatype\":\"UINT8\",\"data\":[" + data + "]}]}";
    HttpResponse<byte[]> r = http.post("/v2/models/vessels/infer", "application/json", body.getBytes());
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode j = json(r);
    assertEquals("r1", j.get("id").asText());
    assertEquals("vessels", j.get("model_name").asText());
    assertEquals(3, j.get("outputs").size());
    JsonNode prob = j.at("/outputs/0");
    JsonNode mask = j.at("/outputs/1");
    JsonNode fov = j.at("/outputs/2");
    assertEquals("probabilities", prob.get("name").asText());
    assertEquals("[1," + h + "," + w + "]", prob.get("shape").toString());
    assertEquals("FP32", prob.get("datatype").asText());
    assertEquals("UINT8", mask.get("datatype").asText());
    float t = (float) j.at("/parameters/threshold").asDouble();
    byte[] expected = new byte[w * h];
    byte[] got = new byte[w * h];
    for (int i = 0; i < w * h; i++) {
      float p = (float) prob.get("data").get(i).asDouble();
      expected[i] = (byte) (fov.get("data").get(i).asInt() == 1 && p >= t ? 1 : 0);
      got[i] = (byte) mask.get("data").get(i).asInt();
    }
    assertArrayEquals(expected, got, "mask = probabilities >= threshold inside the FOV");

    String onlyMask = body.replace("]}]}", "]}],\"outputs\":[{\"name\":\"mask\"}]}");
    JsonNode m = json(http.post("/v2/models/vessels/infer", "application/json", onlyMask.getBytes()));
    assertEquals(1, m.get("outputs").size(), m.toString().substring(0, 200));
    assertEquals("mask", m.at("/outputs/0/name").asText());

    // the binary tensor extension: raw RGB after a JSON header, the probabilities back as raw little-endian floats
    byte[] rgb = new byte[w * h * 3];
    for (int i = 0; i < w * h; i++) {
      int p = img.getRGB(i % w, i / w);
      rgb[3 * i] = (byte) (p >> 16);
      rgb[3 * i + 1] = (byte) (p >> 8);
      rgb[3 * i + 2] = (byte) p;
    }
    byte[] head = ("{\"inputs\":[{\"name\":\"image\",\"shape\":[1," + h + "," + w + ",3],\"datatype\":\"UINT8\","
        + "\"parameters\":{\"binary_data_size\":" + rgb.length + "}}],\"outputs\":[{\"name\":\"probabilities\","
        + "\"parameters\":{\"binary_data\":true}}]}").getBytes();
    byte[] body2 = java.util.Arrays.copyOf(head, head.length + rgb.length);
    System.arraycopy(rgb, 0, body2, head.length, rgb.length);
    HttpResponse<byte[]> b = http.postWithHeader("/v2/models/vessels/infer", "application/octet-stream", body2,
        "Inference-Header-Content-Length", String.valueOf(head.length));
    assertEquals(200, b.statusCode(), Http.text(b));
    int json = Integer.parseInt(b.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    JsonNode bj = JSON.readTree(java.util.Arrays.copyOf(b.body(), json));
    assertEquals(4 * w * h, bj.at("/outputs/0/parameters/binary_data_size").asInt(), bj.toString());
    assertEquals(json + 4 * w * h, b.body().length);
    java.nio.FloatBuffer floats = java.nio.ByteBuffer.wrap(b.body(), json, 4 * w * h)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    for (int i = 0; i < w * h; i++) {
      assertEquals((float) prob.get("data").get(i).asDouble(), floats.get(i), "probability " + i);
    }
  }

  @Test
  void metricsCountRequestsByRouteAndStatus() {
    http.post("/v1/segment", "image/png", Http.png(5, 64, 64));
    http.post("/v1/segment", "text/plain", "hello".getBytes());
    String text = Http.text(http.get("/metrics"));
    assertTrue(text.contains("vesselseg_http_requests_seconds_count{method=\"POST\",route=\"/v1/segment\","
        + "status=\"200\"}"), text);
    assertTrue(text.contains("vesselseg_http_requests_seconds_bucket{"), "latency histogram");
    assertTrue(text.contains("vesselseg_rejected_total{reason=\"unsupported_media_type\"}"), text);
    assertTrue(text.contains("vesselseg_queue_depth"), text);
    assertTrue(text.contains("vesselseg_inference_seconds_bucket"), text);
  }
}
