package io.vesselseg.spark;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.AtomicFiles;
import io.vesselseg.Segmentation;
import io.vesselseg.VesselSegmenter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

/**
 * The executor side of a batch job: segments the photographs of one partition, or takes the result an earlier
 * run left for them. Serialised with the job: it carries the model's name and SHA-256, the output folder and the
 * Hadoop settings as plain values; the model itself comes from the executor's {@link SegmenterPool}.
 *
 * <p>A photograph's result is complete when its record {@code records/<name>.json} exists: the record is written
 * last and atomically, after the mask (and probability map), so a killed task leaves either no record or a
 * whole one with its files. A record is reused when it names the same path, input size and modification time
 * and the same model SHA-256 and rescaling (and its files are there); otherwise the photograph is segmented again.
 */
final class PhotoTask implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String output;
  private final String model;
  private final String modelSha256;
  private final boolean rescale;
  private final boolean probabilities;
  private final boolean retryErrors;
  private final Map<String, String> hadoop;
  private final LongAccumulator segmented;
  private final LongAccumulator reused;

  PhotoTask(BatchOptions o, String modelSha256, Map<String, String> hadoop, LongAccumulator segmented,
      LongAccumulator reused) {
    this.output = o.output().toAbsolutePath().toString();
    this.model = o.model();
    this.modelSha256 = modelSha256;
    this.rescale = o.rescale();
    this.probabilities = o.probabilities();
    this.retryErrors = o.retryErrors();
    this.hadoop = hadoop;
    this.segmented = segmented;
    this.reused = reused;
  }

  /** The rows of one partition of paths (column 0), in their order. */
  Iterator<Row> partition(Iterator<Row> paths) {
    Configuration conf = new Configuration(false);
    hadoop.forEach(conf::set);
    VesselSegmenter segmenter = null;
    List<Row> rows = new ArrayList<>();
    try {
      while (paths.hasNext()) {
        String path = paths.next().getString(0);
        Map<String, Object> previous = previous(path, conf);
        if (previous != null) {
          rows.add(ResultColumns.toRow(previous));
          reused.add(1);
          continue;
        }
        if (segmenter == null) {
          TaskContext task = TaskContext.get();
          VesselSegmenter.threads(task == null ? 0 : task.cpus());   // libtorch threads = this task's cores
          segmenter = SegmenterPool.borrow(model, rescale);
          if (!segmenter.modelSha256().equals(modelSha256)) {
            throw new IllegalStateException("model " + model + " on this executor has SHA-256 "
                + segmenter.modelSha256() + ", the driver's had " + modelSha256 + ": the model file changed "
                + "during the job, or differs between machines; give every executor the same file");
          }
        }
        rows.add(ResultColumns.toRow(segment(path, conf, segmenter)));
        segmented.add(1);
      }
    } finally {
      if (segmenter != null) {
        SegmenterPool.release(model, rescale, segmenter);
      }
    }
    return rows.iterator();
  }

  /** The record an earlier run left for {@code path}, when it is complete and still applies; else null. */
  private Map<String, Object> previous(String path, Configuration conf) {
    Path record = record(path);
    if (!Files.isRegularFile(record)) {
      return null;
    }
    Map<String, Object> r;
    try {
      r = JSON.readValue(record.toFile(), new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      return null;   // unreadable: segment again (the new record replaces it)
    }
    FileStatus st = status(path, conf);
    boolean same = path.equals(r.get("path")) && modelSha256.equals(r.get("model_sha256"))
        && Boolean.valueOf(rescale).equals(r.get("rescale")) && st != null
        && r.get("input_bytes") instanceof Number b && b.longValue() == st.getLen()
        && r.get("input_modified_ms") instanceof Number m && m.longValue() == st.getModificationTime();
    if (!same) {
      return null;
    }
    if (r.get("error") != null) {
      return retryErrors ? null : r;
    }
    boolean files = r.get("mask") instanceof String mask && Files.isRegularFile(Path.of(output, mask))
        && (!probabilities || r.get("probabilities") instanceof String p && Files.isRegularFile(Path.of(output, p)));
    return files ? r : null;
  }

  /** Segments one photograph and writes its files, then its record; a failure becomes the record's error. */
  private Map<String, Object> segment(String path, Configuration conf, VesselSegmenter segmenter) {
    long t0 = System.nanoTime();
    String name = name(path);
    FileStatus st = status(path, conf);
    Map<String, Object> r = ResultColumns.start(path, name, st == null ? -1 : st.getLen(),
        st == null ? -1 : st.getModificationTime());
    r.put("model", segmenter.modelName());
    r.put("model_sha256", segmenter.modelSha256());
    r.put("rescale", rescale);
    Path copy = null;
    try {
      if (st == null) {
        throw new IOException("file not found");
      }
      Path local = localFile(path);
      if (local == null) {
        copy = copyToLocal(path, conf);
        local = copy;
      }
      r.put("read_seconds", (System.nanoTime() - t0) / 1e9);
      Segmentation s = segmenter.segment(local);
      ResultColumns.fill(r, s);
      String mask = "masks/" + name + ".png";
      writePng(mask, s.maskImage(), "mask PNG");
      r.put("mask", mask);
      if (probabilities) {
        String p = "probabilities/" + name + ".png";
        writePng(p, s.probabilityImage(), "probability PNG");
        r.put("probabilities", p);
      }
    } catch (IOException | RuntimeException e) {
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      Map<String, Object> failed = ResultColumns.start(path, name, (Long) r.get("input_bytes"),
          (Long) r.get("input_modified_ms"));
      failed.put("model", r.get("model"));
      failed.put("model_sha256", r.get("model_sha256"));
      failed.put("rescale", rescale);
      failed.put("error", message);
      r = failed;
    } finally {
      deleteQuietly(copy);
    }
    r.put("total_seconds", (System.nanoTime() - t0) / 1e9);
    byte[] json = writeJson(r);
    AtomicFiles.write(record(path), "result record", out -> out.write(json));
    return r;
  }

  private void writePng(String relative, BufferedImage img, String what) {
    AtomicFiles.write(Path.of(output, relative), what, out -> ImageIO.write(img, "png", out));
  }

  private Path record(String path) {
    return Path.of(output, "records", name(path) + ".json");
  }

  /**
   * The name of a photograph's outputs: its file name without extension, then a hash of its whole path, so
   * that photographs of the same name in different folders never share outputs ({@code 01_test-3fa4c2d1e0}).
   */
  static String name(String path) {
    String file = path.substring(path.lastIndexOf('/') + 1);
    int dot = file.lastIndexOf('.');
    String stem = (dot > 0 ? file.substring(0, dot) : file).replaceAll("[^A-Za-z0-9._-]", "_");
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
      return stem + "-" + HexFormat.of().formatHex(h).substring(0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  private static FileStatus status(String path, Configuration conf) {
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
      return p.getFileSystem(conf).getFileStatus(p);
    } catch (IOException e) {
      return null;
    }
  }

  /** The local file of a {@code file:} path (read in place); null for other file systems. */
  private static Path localFile(String path) {
    URI uri = new org.apache.hadoop.fs.Path(path).toUri();
    return "file".equals(uri.getScheme()) ? Path.of(uri.getPath()) : null;
  }

  /** A local copy of a photograph on another file system (HDFS, S3, ...), keeping its extension. */
  private static Path copyToLocal(String path, Configuration conf) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    String file = p.getName();
    int dot = file.lastIndexOf('.');
    Path tmp = Files.createTempFile("vesselseg-", dot > 0 ? file.substring(dot) : "");
    try (FileSystem fs = FileSystem.newInstance(p.toUri(), conf); InputStream in = fs.open(p)) {
      Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw e;
    }
    return tmp;
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // a temporary copy: the OS cleans its temp folder
      }
    }
  }

  private static byte[] writeJson(Map<String, Object> r) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(r);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a result record as JSON", e);
    }
  }
}
