package io.vesselseg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where a result came from: software versions, git commit of the source tree, machine, device and seed.
 * Written into run.json, MLflow tags and every model file.
 */
public record Provenance(String vesselseg, String libtorch, String gitCommit, String java, String os,
    String cpu, int cores, String device, long seed, String createdAt) {

  /** Collects the provenance of the current process; {@code device} is what training actually runs on. */
  public static Provenance capture(String device, long seed) {
    return new Provenance(Version.VESSELSEG, Version.LIBTORCH, currentCommit(),
        System.getProperty("java.vendor") + " " + System.getProperty("java.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch"),
        cpuModel(), Runtime.getRuntime().availableProcessors(), device, seed, Instant.now().toString());
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("vesselseg", vesselseg);
    m.put("libtorch", libtorch);
    m.put("git_commit", gitCommit);
    m.put("java", java);
    m.put("os", os);
    m.put("cpu", cpu);
    m.put("cores", cores);
    m.put("device", device);
    m.put("seed", seed);
    m.put("created_at", createdAt);
    return m;
  }

  /** HEAD of the source checkout ({@code vesselseg.home}, set by the launcher, else the working dir). */
  static String currentCommit() {
    Path home = Path.of(System.getProperty("vesselseg.home", "."));
    try {
      Process p = new ProcessBuilder("git", "-C", home.toString(), "rev-parse", "HEAD")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("[0-9a-f]{40}")) {
        Process d = new ProcessBuilder("git", "-C", home.toString(), "status", "--porcelain",
            "--untracked-files=no").redirectErrorStream(true).start();
        String dirty = new String(d.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        d.waitFor(5, TimeUnit.SECONDS);
        return dirty.isEmpty() ? out : out + "-dirty";
      }
    } catch (IOException e) {
      return "unknown (git not available)";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "unknown (not a git checkout)";
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall through
    }
    return System.getProperty("os.arch");
  }
}
