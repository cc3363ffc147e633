package io.vesselseg.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a benchmark child process (a JVM or the Python peer) that prints one JSON object as its last stdout
 * line. One process per configuration keeps each configuration's peak memory its own. stderr goes to a
 * temporary file whose tail is quoted when the child fails.
 */
final class ChildProcess {

  private ChildProcess() {}

  /**
   * Runs {@code cmd}, with OMP_NUM_THREADS/MKL_NUM_THREADS set to {@code threads} when positive, and returns
   * its last JSON line.
   */
  static JsonNode runJson(List<String> cmd, int threads, String what) {
    Path err = null;
    try {
      err = Files.createTempFile("vesselseg-bench", ".err");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
      if (threads > 0) {
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        pb.environment().put("MKL_NUM_THREADS", Integer.toString(threads));
      }
      Process p = pb.start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int rc = p.waitFor();
      if (rc != 0 || out.isBlank()) {
        throw new IllegalStateException(what + " exited with code " + rc + ": " + tail(err) + " (command: "
            + String.join(" ", cmd) + ")");
      }
      return TorchPeer.parse(out, what);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + what + " (" + String.join(" ", cmd) + "): "
          + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + " was interrupted", e);
    } finally {
      if (err != null) {
        try {
          Files.deleteIfExists(err);
        } catch (IOException ignored) {
          // a leftover temporary file is harmless
        }
      }
    }
  }

  /**
   * A child JVM running {@code mainClass} on this process's class path; {@code clWeights} stores the conv
   * weights channels-last there ({@code -Dvesselseg.channelsLastWeights=true}).
   */
  static List<String> java(Class<?> mainClass, boolean clWeights, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx2g");
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-Djavacpp.platform=" + System.getProperty("javacpp.platform", "linux-x86_64"));
    for (String prop : List.of("vesselseg.channelsLast", "vesselseg.foldedChannelsLast")) {
      String v = System.getProperty(prop);
      if (v != null) {
        cmd.add("-D" + prop + "=" + v);
      }
    }
    cmd.add("-Dvesselseg.channelsLastWeights=" + clWeights);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass.getName());
    cmd.addAll(args);
    return cmd;
  }

  private static String tail(Path err) throws IOException {
    List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
    List<String> last = lines.subList(Math.max(0, lines.size() - 8), lines.size());
    return last.isEmpty() ? "(no output on stderr)" : String.join(" | ", last);
  }
}
