package io.vesselseg.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The PyTorch peer: {@code scripts/torch_peer.py} run by the Python of {@code .venv-bench/} (made by
 * {@code scripts/bench-venv.sh}). Each call is one process that prints one JSON object; the peer loads the
 * same safetensors model file as vesselseg, so both sides run identical weights.
 */
public final class TorchPeer {

  /** The one-line instruction shown when the environment is missing. */
  public static final String MISSING = "the PyTorch peer environment .venv-bench/ is missing: run "
      + "'bash scripts/bench-venv.sh' in the vesselseg checkout first (it installs torch 2.10.0, several GB)";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path home;
  private final Path python;
  private final Path script;

  private TorchPeer(Path home) {
    this.home = home;
    this.python = home.resolve(".venv-bench/bin/python");
    this.script = home.resolve("scripts/torch_peer.py");
  }

  /**
   * Finds the checkout holding {@code scripts/torch_peer.py} and a usable {@code .venv-bench/bin/python}:
   * the {@code vesselseg.home} system property (set by the launcher), else the working directory and its
   * parents. Empty when either is missing.
   */
  public static Optional<TorchPeer> locate() {
    List<Path> candidates = new ArrayList<>();
    String prop = System.getProperty("vesselseg.home");
    if (prop != null) {
      candidates.add(Path.of(prop).toAbsolutePath());
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      candidates.add(p);
    }
    for (Path c : candidates) {
      TorchPeer peer = new TorchPeer(c);
      if (Files.isRegularFile(peer.script) && Files.isExecutable(peer.python)) {
        return Optional.of(peer);
      }
    }
    return Optional.empty();
  }

  /** {@link #locate()} or a usage error (exit code 2) saying how to install the environment. */
  public static TorchPeer require() {
    return locate().orElseThrow(() -> new VesselsegException.Usage(MISSING));
  }

  /** The checkout the peer was found in. */
  public Path home() {
    return home;
  }

  /** The environment's Python interpreter ({@code .venv-bench/bin/python}). */
  public Path python() {
    return python;
  }

  /**
   * Runs {@code torch_peer.py <args>} with {@code threads} OpenMP threads (0: the peer's default) and returns
   * the JSON object it printed last.
   */
  public JsonNode run(List<String> args, int threads) {
    List<String> cmd = new ArrayList<>(List.of(python.toString(), script.toString()));
    cmd.addAll(args);
    if (threads > 0) {
      cmd.add("--threads");
      cmd.add(Integer.toString(threads));
    }
    return ChildProcess.runJson(cmd, threads, "PyTorch peer");
  }

  /**
   * Probabilities [n,1,h,w] (flat, row-major) of the model file on raw RGB {@code input} [n,3,h,w], computed
   * by PyTorch in fp32.
   */
  public float[] forward(Path model, float[] input, int n, int h, int w, Path workDir) {
    try {
      Path in = Files.createTempFile(workDir, "peer-in", ".bin");
      Path out = Files.createTempFile(workDir, "peer-out", ".bin");
      ByteBuffer buf = ByteBuffer.allocate(4 * input.length).order(ByteOrder.LITTLE_ENDIAN);
      buf.asFloatBuffer().put(input);
      Files.write(in, buf.array());
      run(List.of("forward", "--model", model.toString(), "--input", in.toString(), "--shape",
          n + ",3," + h + "," + w, "--output", out.toString()), 0);
      byte[] bytes = Files.readAllBytes(out);
      float[] p = new float[bytes.length / 4];
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(p);
      Files.deleteIfExists(in);
      Files.deleteIfExists(out);
      if (p.length != n * h * w) {
        throw new IllegalStateException("PyTorch peer wrote " + p.length + " probabilities, expected "
            + n * h * w);
      }
      return p;
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot exchange tensors with the PyTorch peer in " + workDir + ": "
          + e.getMessage(), e);
    }
  }

  /** Largest |a[i] - b[i]|. */
  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
    }
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  static JsonNode parse(String stdout, String what) {
    String[] lines = stdout.strip().split("\n");
    String last = lines[lines.length - 1].strip();
    try {
      return JSON.readTree(last.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(what + " printed no JSON result (last line: '" + last + "')", e);
    }
  }
}
