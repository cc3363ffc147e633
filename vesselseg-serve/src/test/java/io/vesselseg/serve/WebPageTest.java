package io.vesselseg.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page at {@code /}, served by a real server (built-in model), driven in Debian's headless Chromium
 * through Selenium: a synthetic fundus photograph uploaded through the file input, the overlay, the density
 * (equal to the server's for the same photograph), the opacity and threshold sliders moved with the keyboard,
 * the mask behind the download link (equal to the server's {@code output=mask}), an uploaded text file's error,
 * and a screenshot in {@code target/web-page.png}. The browser part skips unless {@code /usr/bin/chromium} and
 * {@code /usr/bin/chromedriver} exist ({@code bash scripts/browser-install.sh} installs them).
 */
class WebPageTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path MODULE = Path.of(System.getProperty("user.dir")).toAbsolutePath();
  private static final Duration SEGMENTING = Duration.ofSeconds(180);
  /** Quiet: Selenium warns that it has no DevTools classes for this Chromium, which the test does not use. */
  private static final java.util.logging.Logger CDP_LOG =
      java.util.logging.Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");
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

  @Test
  void levelsCutAtTheThresholdLevelAreTheMask() {
    Random rnd = new Random(3);
    for (float t : new float[] {0.44357142f, 0.5f, 0.001f, 0.9999f, 0.3f}) {
      int cut = V1Routes.thresholdLevel(t);
      float[] p = new float[20_000];
      for (int i = 0; i < p.length; i++) {
        // half of them within two grey levels of the threshold, where rounding alone would misplace some
        p[i] = i % 2 == 0 ? rnd.nextFloat() : Math.min(1, Math.max(0, t + (rnd.nextFloat() - 0.5f) * 4 / 255f));
      }
      p[0] = t;
      p[1] = Math.nextDown(t);
      byte[] levels = V1Routes.levels(p, t);
      for (int i = 0; i < p.length; i++) {
        int v = levels[i] & 0xff;
        assertEquals(p[i] >= t, v >= cut, "p " + p[i] + " level " + v + " threshold " + t + " cut " + cut);
        assertTrue(Math.abs(v - Math.round(p[i] * 255)) <= 1, "p " + p[i] + " level " + v);
      }
    }
  }

  @Test
  void pageAndItsFilesAreServedWithTypesAndRevalidation() {
    String[][] files = {{"/", "text/html"}, {"/web/vesselseg.js", "text/javascript"},
        {"/web/vesselseg.css", "text/css"}};
    for (String[] f : files) {
      HttpResponse<byte[]> r = http.get(f[0]);
      assertEquals(200, r.statusCode(), f[0]);
      String type = r.headers().firstValue("Content-Type").orElse("");
      assertTrue(type.replace(" ", "").equalsIgnoreCase(f[1] + ";charset=utf-8"), f[0] + ": " + type);
      assertEquals("no-cache", r.headers().firstValue("Cache-Control").orElse(""), f[0]);
      String etag = r.headers().firstValue("ETag").orElseThrow();
      HttpResponse<byte[]> again = http.getWithHeader(f[0], "If-None-Match", etag);
      assertEquals(304, again.statusCode(), f[0]);
      assertEquals(0, again.body().length, f[0]);
    }
    String html = Http.text(http.get("/"));
    assertTrue(html.contains("<label for=\"file\"") && html.contains("id=\"file\""), "a labelled file input");
    assertFalse(html.contains("http://") || html.contains("https://"), "nothing loaded from elsewhere");
  }

  @Test
  void uncertaintyComesAsAHeatMapAndItsParameterIsChecked() throws Exception {
    byte[] png = Http.png(21, 200, 180);
    var r = http.post("/v1/segment?output=uncertainty", "image/png", png);
    assertEquals(200, r.statusCode(), Http.text(r));
    java.awt.image.BufferedImage map = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(r.body()));
    assertEquals(200, map.getWidth());
    r = http.post("/v1/segment?output=uncertainty&uncertainty=false", "image/png", png);
    assertEquals(400, r.statusCode(), Http.text(r));
    r = http.post("/v1/segment?output=json&uncertainty=maybe", "image/png", png);
    assertEquals(400, r.statusCode(), Http.text(r));
    assertTrue(JSON.readTree(r.body()).get("error").asText().contains("uncertainty 'maybe' is not one of true"));
    JsonNode plain = JSON.readTree(http.post("/v1/segment?output=json", "image/png", png).body());
    assertTrue(plain.get("quality").get("disagreement").isNull(), "no disagreement unless asked for");
  }

  @Test
  void imagesOptionIsCheckedAndOnlyForJson() throws Exception {
    HttpResponse<byte[]> r = http.post("/v1/segment?output=mask&images=true", "image/png", Http.png(1, 32, 32));
    assertEquals(400, r.statusCode(), Http.text(r));
    assertTrue(JSON.readTree(r.body()).get("error").asText().contains("images=true needs output=json"));
    r = http.post("/v1/segment?output=json&images=yes", "image/png", Http.png(1, 32, 32));
    assertEquals(400, r.statusCode(), Http.text(r));
    assertTrue(JSON.readTree(r.body()).get("error").asText().contains("images 'yes' is not one of true, false"));
  }

  @Test
  void pageSegmentsAPhotographInHeadlessChromium(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "skipped: "
        + CHROMIUM + " or " + CHROMEDRIVER + " does not exist; run `bash scripts/browser-install.sh` to install "
        + "Debian's chromium and chromium-driver, the headless browser this test drives");
    int w = 400;
    int h = 360;
    byte[] png = Http.png(21, w, h);
    Path photo = Files.write(dir.resolve("fundus.png"), png);
    Path text = Files.writeString(dir.resolve("notes.txt"), "a text file, not a photograph\n");

    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString()); // Selenium Manager stays idle
    CDP_LOG.setLevel(java.util.logging.Level.SEVERE);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toString());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1400,1200");
    WebDriver driver = new ChromeDriver(options);
    try {
      long t0 = System.nanoTime();
      JavascriptExecutor js = (JavascriptExecutor) driver;
      WebDriverWait wait = new WebDriverWait(driver, SEGMENTING);
      driver.get("http://127.0.0.1:" + server.port() + "/");
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("model"), "Model: vessels"));

      driver.findElement(By.id("file")).sendKeys(photo.toString());
      wait.until(d -> d.findElement(By.id("result")).isDisplayed() || d.findElement(By.id("error")).isDisplayed());
      assertFalse(driver.findElement(By.id("error")).isDisplayed(), driver.findElement(By.id("error")).getText());
      System.out.printf(Locale.ROOT, "WebPageTest: page answered after %.1f s%n", (System.nanoTime() - t0) / 1e9);

      // the same photograph straight to the API: the figures and the mask the page must reproduce
      JsonNode server = JSON.readTree(http.post("/v1/segment?output=json", "image/png", png).body());
      double density = server.get("vessel_density").asDouble();
      long fovArea = server.get("fov_area").asLong();
      long vessels = Math.round(density * fovArea);
      WebElement shown = driver.findElement(By.id("density"));
      assertEquals(density, Double.parseDouble(shown.getDomAttribute("data-value")), 1e-12, "the page's density");
      assertEquals(String.format(Locale.ROOT, "%.2f %%", 100 * density), shown.getText());
      assertEquals(String.format(Locale.ENGLISH, "%,d / %,d", vessels, fovArea),
          driver.findElement(By.id("counts")).getText());
      assertTrue(driver.findElement(By.id("threshold-value")).getText().contains("model"));
      assertTrue(driver.findElement(By.id("timings")).getText().contains("inference"));

      // the uncertainty: the server's disagreement and flags shown, its heat map drawn (not all black)
      JsonNode q = JSON.readTree(http.post("/v1/segment?output=json&uncertainty=true", "image/png", png).body())
          .get("quality");
      assertEquals(String.format(Locale.ROOT, "%.4f", q.get("disagreement").asDouble()),
          driver.findElement(By.id("disagreement")).getText());
      assertEquals(q.get("flags").isEmpty() ? "none" : q.get("flags").get(0).asText(),
          driver.findElement(By.id("flags")).getText().split(",")[0]);
      long lit = (Long) js.executeScript("const c = document.getElementById('uncertainty');"
          + " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
          + " for (let i = 0; i < d.length; i += 4) { if (d[i] + d[i + 1] + d[i + 2] > 0) n++; } return n;");
      assertTrue(lit > fovArea / 2, "uncertainty drawn over the FOV: " + lit + " of " + fovArea);

      // the overlay: every vessel pixel, and only those, tinted cyan; none at opacity 0, all exactly cyan at 100
      assertEquals(List.of((long) w, (long) h), js.executeScript("const c = document.getElementById('overlay');"
          + " return [c.width, c.height];"));
      assertEquals(vessels, cyanPixels(js, 100), "tinted pixels at the initial 80 % opacity");
      WebElement opacity = driver.findElement(By.id("opacity"));
      opacity.sendKeys(Keys.HOME);
      assertEquals("0 %", driver.findElement(By.id("opacity-value")).getText());
      assertEquals(0, cyanPixels(js, 100), "opacity 0 leaves the photograph as it is");
      opacity.sendKeys(Keys.END);
      assertEquals(vessels, cyanPixels(js, 200), "opacity 100 paints the vessels the server's colour");
      for (int i = 0; i < 4; i++) {
        opacity.sendKeys(Keys.ARROW_LEFT); // back to 80 % for the screenshot
      }

      // the threshold: up lowers the density, down raises it, the button brings back the server's figure
      WebElement threshold = driver.findElement(By.id("threshold"));
      int cut = Integer.parseInt(threshold.getDomProperty("value"));
      for (int i = 0; i < 20; i++) {
        threshold.sendKeys(Keys.ARROW_RIGHT);
      }
      assertEquals(cut + 20, Integer.parseInt(threshold.getDomProperty("value")));
      double higher = Double.parseDouble(shown.getDomAttribute("data-value"));
      assertTrue(higher < density, "a higher threshold: " + higher + " < " + density);
      assertEquals(String.format(Locale.ROOT, "%.3f", (cut + 19.5) / 255),
          driver.findElement(By.id("threshold-value")).getText());
      threshold.sendKeys(Keys.HOME);
      double lowest = Double.parseDouble(shown.getDomAttribute("data-value"));
      assertTrue(lowest > density, "the lowest threshold: " + lowest + " > " + density);
      driver.findElement(By.id("threshold-reset")).click();
      assertEquals(density, Double.parseDouble(shown.getDomAttribute("data-value")), 1e-12);

      // the download link: the PNG of the mask at the model's threshold, the server's own mask
      wait.until(d -> String.valueOf(cut).equals(d.findElement(By.id("download")).getDomAttribute("data-level")));
      assertEquals("fundus-mask.png", driver.findElement(By.id("download")).getDomAttribute("download"));
      String b64 = (String) js.executeAsyncScript("const done = arguments[arguments.length - 1];"
          + "fetch(document.getElementById('download').href).then(r => r.arrayBuffer()).then(b => {"
          + "  let s = ''; for (const x of new Uint8Array(b)) s += String.fromCharCode(x); done(btoa(s)); });");
      BufferedImage downloaded = Http.decode(Base64.getDecoder().decode(b64));
      assertEquals(w, downloaded.getWidth());
      assertEquals(h, downloaded.getHeight());
      BufferedImage mask = Http.decode(http.post("/v1/segment?output=mask", "image/png", png).body());
      assertArrayEquals(grey(mask), grey(downloaded), "the downloaded mask is the server's output=mask");

      Path shot = MODULE.resolve("target/web-page.png");
      Files.createDirectories(shot.getParent());
      Files.copy(((ChromeDriver) driver).getScreenshotAs(OutputType.FILE).toPath(), shot,
          StandardCopyOption.REPLACE_EXISTING);

      // a text file: the server's 415 message on the page, the old result gone
      driver.findElement(By.id("file")).sendKeys(text.toString());
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
      String error = driver.findElement(By.id("error")).getText();
      assertTrue(error.contains("notes.txt") && error.contains("415") && error.contains("is not an image"), error);
      assertFalse(driver.findElement(By.id("result")).isDisplayed());

      // a file dropped on the box (a synthetic drop event: WebDriver cannot drag from the desktop)
      js.executeScript("const t = new DataTransfer();"
          + "t.items.add(new File(['not a photograph'], 'dropped.txt', {type: 'text/plain'}));"
          + "document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: t, bubbles: true,"
          + " cancelable: true}));");
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("error"), "dropped.txt"));
      error = driver.findElement(By.id("error")).getText();
      assertTrue(error.contains("415") && error.contains("Content-Type 'text/plain' is not an image"), error);
      System.out.printf(Locale.ROOT, "WebPageTest: browser part took %.1f s%n", (System.nanoTime() - t0) / 1e9);
    } finally {
      driver.quit();
    }
  }

  /** Overlay pixels whose blue exceeds their red by more than {@code margin} (the fundus is red, vessels cyan). */
  private static long cyanPixels(JavascriptExecutor js, int margin) {
    return (Long) js.executeScript("const c = document.getElementById('overlay');"
        + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
        + "for (let p = 0; p < d.length; p += 4) { if (d[p + 2] - d[p] > arguments[0]) n++; } return n;", margin);
  }

  /** The first band's values: grey for the server's mask, red for the browser's RGBA PNG. */
  private static int[] grey(BufferedImage img) {
    return img.getRaster().getSamples(0, 0, img.getWidth(), img.getHeight(), 0, (int[]) null);
  }
}
