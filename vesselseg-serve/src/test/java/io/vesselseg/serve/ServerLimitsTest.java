package io.vesselseg.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The limits of a server with tight settings (one worker, one queue place, 1 MiB uploads, a 1.5 s deadline,
 * which a photograph on 2 CPU cores does not meet): 413 for bodies and pixel counts, the decompression bomb
 * refused from its header, 503 with Retry-After when the queue is full, 504 past the deadline.
 */
class ServerLimitsTest {

  private static SegmentationServer server;
  private static Http http;

  @BeforeAll
  static void start() {
    server = SegmentationServer.start(ServeSettings.defaults().withHost("127.0.0.1").withPort(0).withWorkers(1)
        .withMaxBatch(1).withMaxQueue(1).withMaxUploadMb(1).withTimeoutSeconds(1.5));
    http = new Http(server.port());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  @org.junit.jupiter.api.RepeatedTest(5) // the 413 must reach a client that is still sending (a race before)
  void bodyOverTheUploadLimitIs413() {
    byte[] big = new byte[1024 * 1024 + 1];
    new Random(1).nextBytes(big);
    HttpResponse<byte[]> raw = http.post("/v1/segment", "image/png", big);
    assertEquals(413, raw.statusCode(), Http.text(raw));
    assertTrue(Http.text(raw).contains("--max-upload-mb"), Http.text(raw));
    HttpResponse<byte[]> form = http.multipart("/v1/segment", "image", big);
    assertEquals(413, form.statusCode(), Http.text(form));
    HttpResponse<byte[]> infer = http.post("/v2/models/vessels/infer", "application/json", big);
    assertEquals(413, infer.statusCode(), Http.text(infer));
  }

  @Test
  void decompressionBombIsRefusedFromItsHeaderWithFlatMemory() throws Exception {
    byte[] bomb = pngClaiming(100_000, 100_000);
    assertTrue(bomb.length < 8 * 1024, "the bomb is " + bomb.length + " bytes");
    Runtime rt = Runtime.getRuntime();
    System.gc();
    long before = rt.totalMemory() - rt.freeMemory();
    long t0 = System.nanoTime();
    HttpResponse<byte[]> r = http.post("/v1/segment", "image/png", bomb);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long grew = rt.totalMemory() - rt.freeMemory() - before;
    assertEquals(413, r.statusCode(), Http.text(r));
    assertTrue(Http.text(r).contains("100000x100000"), Http.text(r));
    assertTrue(seconds < 2, "refused in " + seconds + " s");
    assertTrue(grew < 50L << 20, "heap grew by " + (grew >> 20) + " MiB");
  }

  @Test
  void oipTensorOverThePixelLimitIs413() {
    String body = "{\"inputs\":[{\"name\":\"image\",\"shape\":[1,10000,10000,3],\"datatype\":\"UINT8\","
        + "\"data\":[0]}]}";
    HttpResponse<byte[]> r = http.post("/v2/models/vessels/infer", "application/json", body.getBytes());
    assertEquals(413, r.statusCode(), Http.text(r));
    assertTrue(Http.text(r).contains("--max-pixels"), Http.text(r));
  }

  @Test
  void fullQueueIs503WithRetryAfterAndTheDeadlineIs504() {
    byte[] photo = Http.png(9, 96, 96);
    List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(CompletableFuture.supplyAsync(() -> http.post("/v1/segment", "image/png", photo)));
    }
    List<Integer> statuses = new ArrayList<>();
    boolean retryAfter = false;
    for (var c : calls) {
      HttpResponse<byte[]> r = c.join();
      statuses.add(r.statusCode());
      if (r.statusCode() == 503) {
        retryAfter |= r.headers().firstValue("Retry-After").isPresent();
        assertTrue(Http.text(r).contains("--max-queue"), Http.text(r));
      } else if (r.statusCode() == 504) {
        assertTrue(Http.text(r).contains("--timeout"), Http.text(r));
      }
    }
    assertTrue(statuses.contains(503) && retryAfter, "statuses " + statuses);
    assertTrue(statuses.contains(504), "statuses " + statuses);
    // the request a worker took may still finish inside the deadline on a quiet machine: 200 is no error
    assertTrue(statuses.stream().allMatch(s -> s == 200 || s == 503 || s == 504), "statuses " + statuses);
    String metrics = Http.text(http.get("/metrics"));
    assertTrue(metrics.contains("vesselseg_rejected_total{reason=\"queue_full\"}"), metrics);
    assertTrue(metrics.contains("vesselseg_rejected_total{reason=\"deadline\"}"), metrics);
  }

  /** A valid PNG whose header claims {@code w x h} RGB pixels, with a little compressed data (~1 kB). */
  static byte[] pngClaiming(int w, int h) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(ihdr);
    d.writeInt(w);
    d.writeInt(h);
    d.write(new byte[] {8, 2, 0, 0, 0});
    chunk(out, "IHDR", ihdr.toByteArray());
    Deflater z = new Deflater(9);
    z.setInput(new byte[1 << 20]);
    z.finish();
    byte[] buf = new byte[1 << 16];
    int n = z.deflate(buf);
    chunk(out, "IDAT", java.util.Arrays.copyOf(buf, n));
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.writeInt(data.length);
    byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    d.write(t);
    d.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    d.writeInt((int) crc.getValue());
  }
}
