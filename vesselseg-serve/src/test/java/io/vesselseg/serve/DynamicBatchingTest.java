package io.vesselseg.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.Segmentation;
import io.vesselseg.VesselSegmenter;
import java.awt.image.BufferedImage;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Dynamic batching: concurrent requests that wait together are computed together, each answer equal to the
 * photograph segmented alone, and the batch sizes show in {@code /metrics}.
 */
class DynamicBatchingTest {

  @Test
  void concurrentRequestsShareABatchAndGetTheirOwnMasks() {
    SegmentationServer server = SegmentationServer.start(ServeSettings.defaults().withHost("127.0.0.1").withPort(0)
        .withOptions(VesselSegmenter.Options.defaults().withMembers(1)).withMaxBatch(4).withMaxDelayMillis(400));
    try (VesselSegmenter alone = VesselSegmenter.builtIn(VesselSegmenter.Options.defaults().withMembers(1))) {
      Http http = new Http(server.port());
      List<byte[]> photos = new ArrayList<>();
      List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        byte[] png = Http.png(20 + i, 128, 112);
        photos.add(png);
        String tta = i == 5 ? "flips" : "none"; // another augmentation in the same batch goes in its own pass
        calls.add(CompletableFuture.supplyAsync(() -> http.post("/v1/segment?tta=" + tta, "image/png", png)));
      }
      for (int i = 0; i < calls.size(); i++) {
        HttpResponse<byte[]> r = calls.get(i).join();
        assertEquals(200, r.statusCode(), Http.text(r));
        BufferedImage mask = Http.decode(r.body());
        Segmentation expected = alone.segment(Http.decode(photos.get(i)),
            i == 5 ? VesselSegmenter.Tta.FLIPS : VesselSegmenter.Tta.NONE);
        int differ = 0;
        for (int k = 0; k < expected.mask().length; k++) {
          int got = mask.getRaster().getSample(k % 128, k / 128, 0) / 255;
          differ += got != expected.mask()[k] ? 1 : 0;
        }
        // float rounding of a batched pass may flip a pixel sitting exactly at the threshold, no more
        assertTrue(differ <= 3, "photograph " + i + ": " + differ + " mask pixels differ from segmenting it alone");
      }
      String metrics = Http.text(http.get("/metrics"));
      double count = metric(metrics, "vesselseg_batch_size_count");
      double sum = metric(metrics, "vesselseg_batch_size_sum");
      assertTrue(sum >= 6 && count < sum, "6 photographs (and the warm-up) in fewer batches: " + count
          + " batches held " + sum + "\n" + metrics);
    } finally {
      server.stop();
    }
  }

  private static double metric(String text, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(text);
    assertTrue(m.find(), name + " in\n" + text);
    return Double.parseDouble(m.group(1));
  }
}
