package io.vesselseg.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The container image, built and run as users do: deploy/build-image.sh (deploy/Containerfile, podman, FROM
 * scratch) from this build's runtime class path (the test phase runs before the jar exists), then the container
 * with a read-only root file system and a tmpfs /tmp: ready within 120 s, a synthetic photograph in, a PNG mask of
 * its size out, the process non-root (10001), libtorch mapped from the natives unpacked in the image rather than
 * from /tmp, the image's HEALTHCHECK healthy, and `podman stop` (SIGTERM) ending it with exit code 0. The container
 * and the image are removed afterwards. Skips when podman is absent ({@code bash scripts/podman-install.sh}).
 */
class ContainerImageTest {

  private static final Path CHECKOUT = Path.of(System.getProperty("vesselseg.checkout",
      System.getProperty("user.dir") + "/..")).toAbsolutePath().normalize();
  private static final Path MODULE = Path.of(System.getProperty("user.dir")).toAbsolutePath();
  private static final String CONTAINERS_CONF = System.getenv().getOrDefault("CONTAINERS_CONF",
      CHECKOUT.resolve("deploy/containers.conf").toString());

  record Run(int code, String out) {
  }

  static Run run(int timeoutSeconds, List<String> command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("CONTAINERS_CONF", CONTAINERS_CONF);
    Path log = Files.createTempFile("vesselseg-image-test", ".log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String out = Files.readString(log).strip();
    Files.deleteIfExists(log);
    if (!done) {
      throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s: " + out);
    }
    return new Run(p.exitValue(), out);
  }

  static Run podman(int timeoutSeconds, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("podman"));
    cmd.addAll(List.of(args));
    return run(timeoutSeconds, cmd);
  }

  static boolean podmanPresent() {
    try {
      return podman(30, "--version").code() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  /** A synthetic fundus photograph, PNG. */
  static byte[] photo(int w, int h) {
    Sample s = SyntheticFundus.generate(5, w, h);
    int n = w * h;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < n; i++) {
      int r = Math.round(s.rgb()[i] * 255);
      int g = Math.round(s.rgb()[n + i] * 255);
      int b = Math.round(s.rgb()[2 * n + i] * 255);
      img.setRGB(i % w, i / w, r << 16 | g << 8 | b);
    }
    return ImageFiles.encodePng(img);
  }

  @Test
  void theImageServesReadOnlyAsNonRootAndStopsCleanly() throws Exception {
    Assumptions.assumeTrue(podmanPresent(), "skipped: podman is not installed; run `bash scripts/podman-install.sh`"
        + " (root or sudo) to install Debian's podman and runc, which this test builds and runs the image with");
    Path cpFile = MODULE.resolve("target/runtime-classpath.txt");
    assertTrue(Files.isRegularFile(cpFile), cpFile + " is missing: Maven's generate-test-resources phase writes it");
    String classpath = MODULE.resolve("target/classes") + ":" + Files.readString(cpFile).strip();
    String suffix = ProcessHandle.current().pid() + "-" + System.currentTimeMillis();
    String image = "localhost/vesselseg-test:" + suffix;
    String name = "vesselseg-test-" + suffix;
    long t0 = System.nanoTime();
    try {
      Run build = run(900, List.of("bash", CHECKOUT.resolve("deploy/build-image.sh").toString(), "--classpath",
          classpath, "--tag", image));
      assertEquals(0, build.code(), "deploy/build-image.sh failed: " + build.out());
      long t1 = System.nanoTime();
      assertEquals("10001:10001", podman(60, "image", "inspect", "--format", "{{.Config.User}}", image).out());
      Run health = podman(60, "image", "inspect", "--format", "{{.Config.Healthcheck.Test}}", image);
      assertTrue(health.out().contains("/v2/health/ready"), "the image has no HEALTHCHECK: " + health.out());

      Run started = podman(120, "run", "-d", "--name", name, "--read-only", "--tmpfs", "/tmp:rw,size=256m",
          "-p", "127.0.0.1::8080", image);
      assertEquals(0, started.code(), "podman run: " + started.out());
      String hostPort = podman(60, "port", name, "8080").out().lines().reduce((a, b) -> b).orElse("");
      assertTrue(hostPort.matches(".*:\\d+"), "podman port " + name + " 8080 said: " + hostPort);
      String base = "http://" + hostPort.replace("0.0.0.0", "127.0.0.1");
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      int ready = -1;
      while (ready != 200 && System.nanoTime() < deadline) {
        try {
          ready = client.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/ready"))
              .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
          ready = -1;
        }
        if (ready != 200) {
          assertEquals("running", podman(60, "inspect", "--format", "{{.State.Status}}", name).out(),
              "the container ended before it was ready: " + podman(60, "logs", name).out());
          Thread.sleep(500);
        }
      }
      long t2 = System.nanoTime();
      assertEquals(200, ready, "not ready within 120 s: " + podman(60, "logs", name).out());

      int w = 200;
      int h = 180;
      HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/segment"))
          .timeout(Duration.ofSeconds(120)).header("Content-Type", "image/png")
          .POST(HttpRequest.BodyPublishers.ofByteArray(photo(w, h))).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
      assertEquals("image/png", r.headers().firstValue("Content-Type").orElse(""));
      BufferedImage mask = ImageIO.read(new ByteArrayInputStream(r.body()));
      assertEquals(w, mask.getWidth(), "mask width");
      assertEquals(h, mask.getHeight(), "mask height");

      // the process, seen from the host: its user, and where libtorch was mapped from
      String pid = podman(60, "inspect", "--format", "{{.State.Pid}}", name).out();
      String status = Files.readString(Path.of("/proc", pid, "status"));
      assertTrue(status.matches("(?s).*\\nUid:\\s+10001\\s+10001\\s+10001\\s+10001\\n.*"), "not uid 10001: "
          + status.lines().filter(l -> l.startsWith("Uid")).findFirst().orElse(status));
      assertEquals("true", podman(60, "inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", name).out());
      String maps = Files.readString(Path.of("/proc", pid, "maps"));
      assertTrue(maps.contains("/opt/vesselseg/javacpp-cache/") && maps.contains("libtorch_cpu.so"),
          "libtorch_cpu.so is not mapped from the natives unpacked in the image");
      assertTrue(maps.lines().filter(l -> l.contains("libtorch_cpu.so")).noneMatch(l -> l.contains("/tmp/")),
          "libtorch_cpu.so was unpacked into /tmp at start");
      Run hc = podman(60, "healthcheck", "run", name);
      assertEquals(0, hc.code(), "the image's HEALTHCHECK: " + hc.out());

      Run stop = podman(90, "stop", "-t", "40", name);
      assertEquals(0, stop.code(), "podman stop: " + stop.out());
      assertEquals("0", podman(60, "inspect", "--format", "{{.State.ExitCode}}", name).out(),
          "exit code after SIGTERM; logs: " + podman(60, "logs", name).out());
      assertTrue(podman(60, "logs", name).out().contains("vesselseg serve: stopped"), "no graceful stop in the logs");
      long t3 = System.nanoTime();
      Run size = podman(60, "image", "inspect", "--format", "{{.Size}}", image);
      System.out.printf("ContainerImageTest: image %d MB built in %.0f s, ready %.1f s after podman run, "
          + "segment + checks + stop %.1f s%n", Long.parseLong(size.out()) / 1_000_000, (t1 - t0) / 1e9,
          (t2 - t1) / 1e9, (t3 - t2) / 1e9);
    } finally {
      podman(120, "rm", "-f", "-t", "0", name);
      podman(120, "rmi", "-f", image);
    }
  }
}
