package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vesselseg bench serve} in its quickest form, our server only: a real child {@code serve} on a tiny
 * random-init model (so that a 64² photograph takes milliseconds on 2 cores), 1 and 4 clients for 2 s each, and
 * the run with 10 % malformed uploads at 4 clients. The figures must be there and add up, and every malformed
 * upload must have been refused with a 4xx. About 20–30 s.
 */
class ServeBenchmarkTest {

  @Test
  void quickestRunAgainstOurServerHasFiguresThatAddUp(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("tiny.safetensors");
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        new Normalization(new float[] {0.5f, 0.3f, 0.2f}, new float[] {0.3f, 0.2f, 0.1f}), 7)) {
      Checkpoint.save(model, net, 0.5f, Map.of("note", "tiny model of ServeBenchmarkTest"), null);
    }
    Path json = dir.resolve("serve.json");
    // 4 clients never have more than 4 requests in flight, within --max-queue 4 + 1 computing: no 503, so every
    // malformed upload reaches the check that refuses it (a full queue would answer 503 before looking)
    CliTest.Outcome o = CliTest.run("bench", "serve", "--model", model.toString(), "--no-peer", "--clients",
        "1,4", "--duration", "2", "--warmup", "0.5", "--size", "64", "--mixed-clients", "4", "--threads", "2",
        "--max-queue", "4", "--heap", "1g", "--json", json.toString());
    assertEquals(Main.OK, o.code(), o.out() + o.err());
    assertTrue(o.out().contains("vesselseg      4 "), o.out());
    assertTrue(o.out().contains("torch     skipped: not asked for (--no-peer)"), o.out());

    JsonNode r = new ObjectMapper().readTree(json.toFile());
    assertEquals("64x64", r.at("/settings/photo_size").asText());
    assertEquals(2, r.at("/settings/threads").asInt());
    assertTrue(r.at("/cpu/model_name").isTextual() && r.at("/cpu/avx512_bf16").isBoolean(), r.toString());
    JsonNode ours = r.at("/sides/vesselseg");
    assertTrue(ours.path("rss_ready_mib").asDouble() > 50, ours.toString());
    JsonNode levels = ours.path("levels");
    assertEquals(2, levels.size(), ours.toString());
    assertEquals(List.of(1, 4), List.of(levels.get(0).path("clients").asInt(), levels.get(1).path("clients").asInt()));
    for (JsonNode level : levels) {
      checkLevel(level);
      assertEquals(0, level.at("/status/other_4xx").asLong(), "photographs only: " + level);
    }

    JsonNode mixed = ours.path("mixed");
    checkLevel(mixed);
    JsonNode m = mixed.path("malformed");
    assertTrue(m.path("malformed_sent").asLong() >= 3, m.toString());
    assertEquals(m.path("malformed_sent").asLong(), m.path("malformed_4xx").asLong(), m.toString());
    assertTrue(m.path("every_malformed_got_4xx").asBoolean(), m.toString());
    assertTrue(m.path("every_good_got_200_or_503").asBoolean(), m.toString());
    assertEquals(m.path("good_sent").asLong(), m.path("good_200_or_503").asLong(), m.toString());
    assertEquals(m.at("/malformed_statuses_by_kind/bomb/413").asLong(),
        sum(m.at("/malformed_statuses_by_kind/bomb")), "the bomb gets 413 from its header: " + m);
    assertTrue(m.at("/malformed_statuses_by_kind/bomb/413").asLong() >= 1, m.toString());

    double tail = r.at("/ratios/p99_over_p50_ours_4_clients").asDouble();
    assertTrue(tail >= 1, r.path("ratios").toString());
    assertTrue(r.at("/ratios/throughput_ours_over_peer_16_clients").isNull(), "no peer, no 16-client level");
  }

  @Test
  void aBadSizeIsOneUsageError() {
    // 4 clients never have more than 4 requests in flight, within --max-queue 4 + 1 computing: no 503, so every
    // malformed upload reaches the check that refuses it (a full queue would answer 503 before looking)
    CliTest.Outcome o = CliTest.run("bench", "serve", "--size", "565by584", "--no-peer");
    assertEquals(Main.USAGE, o.code(), o.out() + o.err());
    assertTrue(o.err().contains("--size '565by584': expected WIDTHxHEIGHT"), o.err());
  }

  /** Counts add up, throughput is good answers over the window, percentiles are ordered, memory was read. */
  private static void checkLevel(JsonNode level) {
    JsonNode st = level.path("status");
    assertEquals(level.path("requests").asLong(), sum(st), "statuses must add up to the requests: " + level);
    assertTrue(level.path("good_answers").asLong() >= 1, "no good answer in the window: " + level);
    assertTrue(level.path("good_answers").asLong() <= st.path("ok_200").asLong(), level.toString());
    assertEquals(level.path("good_answers").asDouble() / level.path("duration_s").asDouble(),
        level.path("good_per_s").asDouble(), 1e-9, level.toString());
    assertEquals(0, st.path("server_5xx").asLong() + st.path("connection_errors").asLong(), level.toString());
    JsonNode lat = level.path("latency_ms");
    double p50 = lat.path("p50").asDouble();
    assertNotNull(lat.get("p50"), level.toString());
    assertTrue(p50 > 0 && p50 <= lat.path("p95").asDouble() && lat.path("p95").asDouble() <= lat.path("p99")
        .asDouble() && lat.path("p99").asDouble() <= lat.path("max").asDouble(), lat.toString());
    double rss = level.path("rss_max_sampled_mib").asDouble();
    assertTrue(rss > 50, "resident memory of the server not read: " + level);
    assertTrue(level.path("vmhwm_mib").asDouble() >= level.path("rss_end_mib").asDouble(), level.toString());
  }

  private static long sum(JsonNode counts) {
    long s = 0;
    for (Iterator<JsonNode> it = counts.elements(); it.hasNext(); ) {
      s += it.next().asLong();
    }
    return s;
  }
}
