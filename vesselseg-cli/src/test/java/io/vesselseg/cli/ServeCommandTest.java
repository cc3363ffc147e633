package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vesselseg serve}: bad settings are a usage error before any model is loaded; a real child process
 * serves a photograph, and SIGTERM during a request lets that request finish (200) and exits with 0.
 */
class ServeCommandTest {

  @Test
  void badSettingsAreAUsageError() {
    CliTest.Outcome o = CliTest.run("serve", "--workers", "0");
    assertEquals(Main.USAGE, o.code(), o.err());
    assertTrue(o.err().contains("workers 0 must be in 1..64"), o.err());
  }

  @Test
  void sigtermFinishesTheRequestInFlightAndExitsZero(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("serve.log");
    Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
        "--host", "127.0.0.1", "--port", "0")).redirectError(log.toFile()).start();
    try {
      int port = -1;
      Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      for (String line; port < 0 && (line = out.readLine()) != null; ) {
        Matcher m = listening.matcher(line);
        if (m.find()) {
          port = Integer.parseInt(m.group(1));
        }
      }
      assertTrue(port > 0, "the server never said where it listens: " + Files.readString(log));
      HttpClient client = HttpClient.newHttpClient();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/segment"))
          .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(photo())).build();
      CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(request,
          HttpResponse.BodyHandlers.ofString());
      Thread.sleep(700); // admitted and computing: a photograph takes seconds on 2 cores
      child.destroy(); // SIGTERM
      HttpResponse<String> r = inFlight.get(60, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the server did not stop within 60 s of SIGTERM");
      assertEquals(0, child.exitValue(), Files.readString(log));
      assertTrue(Files.readString(log).contains("vesselseg serve: stopped"), Files.readString(log));
    } finally {
      child.destroyForcibly();
    }
  }

  private static byte[] photo() {
    Sample s = SyntheticFundus.generate(5, 96, 96);
    int n = 96 * 96;
    BufferedImage img = new BufferedImage(96, 96, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < n; i++) {
      int r = Math.round(s.rgb()[i] * 255);
      int g = Math.round(s.rgb()[n + i] * 255);
      int b = Math.round(s.rgb()[2 * n + i] * 255);
      img.setRGB(i % 96, i / 96, r << 16 | g << 8 | b);
    }
    return ImageFiles.encodePng(img);
  }
}
