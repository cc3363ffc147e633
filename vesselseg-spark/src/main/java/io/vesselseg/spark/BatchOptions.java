package io.vesselseg.spark;

import io.vesselseg.VesselsegException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a batch job segments and where its results go.
 *
 * @param master        Spark master ({@code local[2]}, {@code yarn}, {@code k8s://...}); null: the one
 *                      {@code spark-submit} or the session in this JVM already set
 * @param input         a folder or glob of photographs (Spark's {@code binaryFile} source, any Hadoop file
 *                      system), or a table of paths with a column {@code path}: a {@code .csv} file (with a
 *                      header) or a {@code .parquet} file or folder
 * @param output        the output folder, on a file system every executor mounts at the same path (local disk
 *                      for {@code local[N]}, NFS or a shared volume on a cluster)
 * @param model         a built-in model's name ({@code builtin}, {@code compact}), or a {@code .safetensors}
 *                      file or run directory at a path every executor can read
 * @param rescale       resample each photograph so its FOV diameter matches the training photographs' (as
 *                      {@code segment} does by default); off: segment at the photograph's own scale
 * @param probabilities also write each photograph's probability map (8-bit grey PNG)
 * @param partitions    how many tasks the photographs are split into; 0: 4 per core of the cluster
 * @param retryErrors   segment again the photographs whose earlier result was an error (default: keep them)
 */
public record BatchOptions(String master, String input, Path output, String model, boolean rescale,
    boolean probabilities, int partitions, boolean retryErrors) implements Serializable {

  public BatchOptions {
    if (input == null || input.isBlank()) {
      throw new VesselsegException.Usage("input is missing: give a folder or glob of photographs, or a .csv or "
          + ".parquet table with a column 'path'");
    }
    Objects.requireNonNull(output, "output");
    if (model == null || model.isBlank()) {
      throw new VesselsegException.Usage("model is missing: give builtin, compact, or a model file");
    }
    if (partitions < 0 || partitions > 1_000_000) {
      throw new VesselsegException.Usage("partitions " + partitions + " must be in 0..1000000 (0: 4 per core)");
    }
  }

  /** The built-in ensemble, rescaled, no probability maps, 4 partitions per core, errors kept. */
  public static BatchOptions of(String master, String input, Path output) {
    return new BatchOptions(master, input, output, "builtin", true, false, 0, false);
  }

  public BatchOptions withModel(String m) {
    return new BatchOptions(master, input, output, m, rescale, probabilities, partitions, retryErrors);
  }

  public BatchOptions withRescale(boolean r) {
    return new BatchOptions(master, input, output, model, r, probabilities, partitions, retryErrors);
  }

  public BatchOptions withProbabilities(boolean p) {
    return new BatchOptions(master, input, output, model, rescale, p, partitions, retryErrors);
  }

  public BatchOptions withPartitions(int n) {
    return new BatchOptions(master, input, output, model, rescale, probabilities, n, retryErrors);
  }

  public BatchOptions withRetryErrors(boolean r) {
    return new BatchOptions(master, input, output, model, rescale, probabilities, partitions, r);
  }

  public BatchOptions withOutput(Path o) {
    return new BatchOptions(master, input, o, model, rescale, probabilities, partitions, retryErrors);
  }

  public BatchOptions withMaster(String m) {
    return new BatchOptions(m, input, output, model, rescale, probabilities, partitions, retryErrors);
  }
}
