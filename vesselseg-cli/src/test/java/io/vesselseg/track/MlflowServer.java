package io.vesselseg.track;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code mlflow server} from {@code .venv-mlflow/} (made by {@code scripts/mlflow-venv.sh}) on a free
 * loopback port, with a SQLite backend and the artifact proxy in a temporary folder. {@link #close()} stops
 * the whole process tree (gunicorn and its workers).
 */
final class MlflowServer implements AutoCloseable {

  /** The launcher the tests use; absent until {@code bash scripts/mlflow-venv.sh} ran. */
  static final Path EXECUTABLE = Path.of(System.getProperty("vesselseg.checkout", System.getProperty("user.dir")),
      ".venv-mlflow", "bin", "mlflow");

  private final Process process;
  private final String uri;
  private final Path log;

  private MlflowServer(Process process, String uri, Path log) {
    this.process = process;
    this.uri = uri;
    this.log = log;
  }

  /** Starts a server with its state under {@code dir} and waits (up to {@code timeout}) until /health says OK. */
  static MlflowServer start(Path dir, Duration timeout) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path log = dir.resolve("server.log");
    Process p = new ProcessBuilder(List.of(EXECUTABLE.toString(), "server", "--host", "127.0.0.1",
        "--port", Integer.toString(port), "--workers", "1",
        "--backend-store-uri", "sqlite:///" + dir.resolve("mlflow.db").toAbsolutePath(),
        "--artifacts-destination", dir.resolve("artifacts").toAbsolutePath().toString(), "--serve-artifacts"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    MlflowServer server = new MlflowServer(p, "http://127.0.0.1:" + port, log);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        String out = Files.readString(log);
        throw new IllegalStateException("mlflow server exited with " + p.exitValue() + ":\n"
            + out.substring(Math.max(0, out.length() - 2000)));
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.uri + "/health"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return server;
        }
      } catch (IOException notYet) {
        // still booting
      }
      Thread.sleep(500);
    }
    server.close();
    throw new IllegalStateException("mlflow server not healthy after " + timeout + "; log: " + log);
  }

  /** {@code http://127.0.0.1:<port>}. */
  String uri() {
    return uri;
  }

  /** The server's combined stdout/stderr. */
  Path log() {
    return log;
  }

  @Override
  public void close() {
    List<ProcessHandle> tree = process.descendants().toList();
    tree.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }
}
