package io.vesselseg.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server under load in a child process (our {@code vesselseg serve} or the Python peer): started with its
 * stdout and stderr in a temporary log file, ready once a GET of its readiness path answers 200, measured
 * through {@code /proc/PID/status} (VmRSS, VmHWM), and stopped with SIGTERM (then SIGKILL after 40 s). A
 * shutdown hook kills it if the benchmark itself is stopped.
 */
final class ServerProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;
  private final int port;
  private final Thread killer;

  private ServerProcess(String name, Process process, Path log, int port) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.port = port;
    this.killer = new Thread(process::destroyForcibly, "kill-" + name);
    Runtime.getRuntime().addShutdownHook(killer);
  }

  /**
   * Starts {@code cmd} (which must listen on {@code port} of 127.0.0.1) with {@code env} added, and waits up to
   * {@code startSeconds} until GET {@code readyPath} answers 200.
   */
  static ServerProcess start(String name, List<String> cmd, Map<String, String> env, int port, String readyPath,
      double startSeconds) {
    Path log;
    try {
      log = Files.createTempFile("vesselseg-bench-" + name, ".log");
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a log file for " + name + ": " + e.getMessage(), e);
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
      p.getOutputStream().close();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + " (" + String.join(" ", cmd) + "): "
          + e.getMessage(), e);
    }
    ServerProcess s = new ServerProcess(name, p, log, port);
    try {
      s.awaitReady(readyPath, startSeconds, cmd);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  private void awaitReady(String readyPath, double seconds, List<String> cmd) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest get = HttpRequest.newBuilder(uri(readyPath)).timeout(Duration.ofSeconds(5)).GET().build();
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with code " + process.exitValue() + " before it was "
            + "ready: " + logTail() + " (command: " + String.join(" ", cmd) + ")");
      }
      try {
        if (http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + name, e);
      }
      sleep(250);
    }
    throw new IllegalStateException(name + " was not ready (GET " + readyPath + " = 200) within " + seconds
        + " s: " + logTail());
  }

  /** A free TCP port on loopback (free when asked; the server binds it a moment later). */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free TCP port on loopback: " + e.getMessage(), e);
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  long pid() {
    return process.pid();
  }

  /** {VmRSS, VmHWM} of the server process in MiB (NaN when /proc cannot be read, e.g. not Linux). */
  double[] memoryMiB() {
    double rss = Double.NaN;
    double hwm = Double.NaN;
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        } else if (line.startsWith("VmHWM:")) {
          hwm = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process is gone or this is not Linux: NaN
    }
    return new double[] {rss, hwm};
  }

  /** The lines of the server's log that contain {@code needle} (e.g. its startup line), joined. */
  String logLines(String needle) {
    try {
      return String.join(" | ", Files.readAllLines(log, StandardCharsets.UTF_8).stream()
          .filter(l -> l.contains(needle)).toList());
    } catch (IOException e) {
      return "";
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      List<String> last = lines.subList(Math.max(0, lines.size() - 10), lines.size());
      return last.isEmpty() ? "(no output)" : String.join(" | ", last);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  boolean alive() {
    return process.isAlive();
  }

  /** SIGTERM, up to 40 s for a graceful stop, then SIGKILL; deletes the log. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(40, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs anyway
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a leftover log in the temporary directory is harmless
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
