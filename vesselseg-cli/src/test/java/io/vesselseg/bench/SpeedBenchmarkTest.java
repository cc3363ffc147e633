package io.vesselseg.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The headline ratios from raw figures (no natives, no peer). */
class SpeedBenchmarkTest {

  private static Map<String, Object> r(String side, String config, String key, double v, double rss) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("side", side);
    m.put("config", config);
    m.put("mode", config.substring(0, config.indexOf('_')));
    m.put(key, v);
    m.put("peak_rss_mib", rss);
    return m;
  }

  @Test
  void ratiosAreHigherIsBetterForUs() {
    List<Map<String, Object>> res = new ArrayList<>();
    res.add(r("vesselseg", "train_fp32", "patches_per_s", 27, 500));
    res.add(r("vesselseg", "infer_fp32", "seconds_per_image", 0.40, 400));
    res.add(r("vesselseg", "infer_fp32_fused", "seconds_per_image", 0.32, 400));
    res.add(r("torch", "train_fp32", "patches_per_s", 30, 750));
    res.add(r("torch", "train_fp32_cl", "patches_per_s", 36, 760));
    res.add(r("torch", "train_bf16", "patches_per_s", 3, 800));
    res.add(r("torch", "infer_fp32", "seconds_per_image", 0.36, 600));
    res.add(r("torch", "infer_bf16_cl", "seconds_per_image", 3.0, 600));
    Map<String, Object> out = SpeedBenchmark.ratios(res);
    assertEquals(0.9, (double) out.get("train_ratio_vs_torch_fp32"), 1e-9);
    assertEquals(0.36 / 0.32, (double) out.get("infer_ratio_vs_torch_fp32"), 1e-9,
        "our inference figure is the default (BatchNorm-folded) path");
    assertEquals(0.75, (double) out.get("train_ratio_vs_torch_best"), 1e-9);
    assertEquals(0.36 / 0.32, (double) out.get("infer_ratio_vs_torch_best"), 1e-9);
    assertEquals(1.5, (double) out.get("rss_ratio_torch_over_ours"), 1e-9);
    assertEquals(1.25, (double) out.get("infer_fused_speedup"), 1e-9);
    @SuppressWarnings("unchecked")
    Map<String, Object> best = (Map<String, Object>) out.get("best_configs");
    assertEquals("train_fp32_cl", best.get("torch_train"));
    assertEquals("infer_fp32_fused", best.get("vesselseg_infer"));
    assertTrue(SpeedBenchmark.table(withResults(out, res)).size() > res.size());
  }

  @Test
  void bf16ConfigurationsOnlyWhereTheCpuHasIt() {
    assertTrue(SpeedBenchmark.configs(false).stream()
        .noneMatch(c -> c.side().equals("vesselseg") && c.precision().equals("bf16")));
    assertTrue(SpeedBenchmark.configs(true).stream()
        .anyMatch(c -> c.side().equals("vesselseg") && c.precision().equals("bf16")));
    assertTrue(SpeedBenchmark.configs(false).stream()
        .anyMatch(c -> c.side().equals("torch") && c.name().equals("train_bf16_cl")));
  }

  private static Map<String, Object> withResults(Map<String, Object> out, List<Map<String, Object>> res) {
    Map<String, Object> m = new LinkedHashMap<>(out);
    m.put("results", res);
    m.put("threads", 2);
    m.put("cpu", "test");
    return m;
  }
}
