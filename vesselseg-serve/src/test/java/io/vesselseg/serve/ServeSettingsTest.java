package io.vesselseg.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import org.junit.jupiter.api.Test;

/** The settings' defaults and the messages of bad values (plain JVM, no server). */
class ServeSettingsTest {

  @Test
  void defaults() {
    ServeSettings s = ServeSettings.defaults();
    assertEquals(8080, s.port());
    assertEquals("builtin", s.model());
    assertEquals("vessels", s.modelName());
    assertEquals(64L << 20, s.maxUploadBytes());
    assertEquals(0, s.options().members());
    assertEquals(1, s.maxBatch());
  }

  @Test
  void badValuesNameTheSettingTheValueAndTheRule() {
    assertMessage(() -> ServeSettings.defaults().withPort(70000), "port 70000 must be in 0..65535");
    assertMessage(() -> ServeSettings.defaults().withWorkers(0), "workers 0 must be in 1..64");
    assertMessage(() -> ServeSettings.defaults().withMaxBatch(0), "max batch 0 must be in 1..64");
    assertMessage(() -> ServeSettings.defaults().withMaxDelayMillis(-1), "max delay -1 ms must be in 0..1000");
    assertMessage(() -> ServeSettings.defaults().withMaxQueue(-1), "max queue -1 must be in 0..10000");
    assertMessage(() -> ServeSettings.defaults().withMaxUploadMb(0), "max upload 0 MiB must be in 1..2048");
    assertMessage(() -> ServeSettings.defaults().withMaxPixels(0), "max pixels 0 must be in 1..400000000");
    assertMessage(() -> ServeSettings.defaults().withTimeoutSeconds(0), "timeout 0.0 s must be in (0, 3600]");
    assertMessage(() -> ServeSettings.defaults().withModelName("my model"), "model name 'my model' must be");
    assertMessage(() -> ServeSettings.defaults().withModel(" "), "must be 'builtin', 'compact' or a .safetensors file");
  }

  private static void assertMessage(Runnable r, String expected) {
    String m = assertThrows(VesselsegException.Usage.class, r::run).getMessage();
    assertTrue(m.contains(expected), m);
  }
}
