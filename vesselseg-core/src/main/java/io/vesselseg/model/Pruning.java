package io.vesselseg.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Structured channel pruning of a trained U-Net ({@code vesselseg prune}): one network of a model file (a member
 * of an ensemble) becomes the same U-Net with {@code baseChannels} instead of its own, every level keeping the
 * same share of channels, so the result is an ordinary model file of the narrower {@link Architecture} that
 * {@code train --init} fine-tunes. Which channels stay: after a convolution, those whose BatchNorm scale
 * {@code |gamma|} is largest (a channel with gamma = beta = 0 is exactly zero after the ReLU, so dropping it
 * changes nothing downstream; "network slimming"); after a transposed convolution (no BatchNorm), those whose
 * weights have the largest L1 norm. Kept channels stay in their order; the decoder's inputs follow the kept
 * channels of the skip connection and of the upsampling. Plain Java on the file's tensors: nothing is run.
 */
public final class Pruning {

  /** The metadata key of the record of how a file was pruned. */
  public static final String KEY = "pruning";

  private static final ObjectMapper JSON = new ObjectMapper();

  private Pruning() {}

  /**
   * A pruned model file.
   *
   * @param contents   its tensors and metadata, ready for {@link SafeTensors#write}
   * @param parameters its parameter count (weights and biases, BatchNorm statistics excluded)
   * @param before     the pruned network's parameter count before pruning
   */
  public record Result(SafeTensors.Contents contents, long parameters, long before) {}

  /**
   * Prunes network {@code member} (1-based; 1 for a single network) of the model file {@code source} to
   * {@code baseChannels} channels at full resolution.
   *
   * @param name   how the source is named in messages and in the result's {@code pruning} record
   * @param sha256 the source file's hex SHA-256, for that record
   * @throws VesselsegException.Usage when the member or width cannot be pruned to (the message says the range)
   * @throws VesselsegException.Model when the file is not a vesselseg U-Net of fp32 tensors
   */
  public static Result prune(SafeTensors.Contents source, String name, String sha256, int member,
      int baseChannels) {
    Checkpoint.Meta meta = Checkpoint.meta(source.metadata(), name);
    Architecture from = meta.architecture();
    if (from.refined()) {
      throw new VesselsegException.Usage(name + " is a two-stage W-Net (" + from + "): pruning handles one "
          + "U-Net; prune a plain U-Net model");
    }
    int members = meta.members();
    if (member < 1 || member > members) {
      throw new VesselsegException.Usage("--member " + member + ": " + name + " holds " + members
          + " network(s); pass 1.." + members);
    }
    if (baseChannels < 2 || baseChannels >= from.baseChannels()) {
      throw new VesselsegException.Usage("--base-channels " + baseChannels + ": " + name + " has "
          + from.baseChannels() + " channels at full resolution; pass 2.." + (from.baseChannels() - 1));
    }
    Architecture to = new Architecture(from.depth(), baseChannels, 0, 0);
    Tensors in = new Tensors(source, Checkpoint.memberPrefix(member - 1, members), name);
    Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();

    int[] previous = all(in.shape("enc0.c1.weight")[1]); // the input channels: all kept
    int[][] skips = new int[from.depth()][];
    for (int level = 0; level < from.depth(); level++) {
      previous = block(in, out, "enc" + level + ".", previous, baseChannels << level);
      skips[level] = previous;
    }
    previous = block(in, out, "bottleneck.", previous, baseChannels << from.depth());
    for (int level = from.depth() - 1; level >= 0; level--) {
      String up = "up" + level + ".";
      int[] kept = largest(l1PerOutput(in, up + "weight"), baseChannels << level);
      out.put(up + "weight", in.select(up + "weight", previous, kept));
      out.put(up + "bias", in.select(up + "bias", kept));
      int skipWidth = from.baseChannels() << level; // the decoder reads cat(skip, upsampled)
      int[] decoderInput = IntStream.concat(Arrays.stream(skips[level]), Arrays.stream(kept).map(c -> c + skipWidth))
          .toArray();
      previous = block(in, out, "dec" + level + ".", decoderInput, baseChannels << level);
    }
    out.put("head.weight", in.select("head.weight", all(1), previous));
    out.put("head.bias", in.select("head.bias", all(1)));
    in.requireAllUsed();

    Map<String, String> m = new LinkedHashMap<>();
    for (String k : List.of("format", "normalization", "fov_diameter", "threshold", "provenance")) {
      if (source.metadata().containsKey(k)) {
        m.put(k, source.metadata().get(k));
      }
    }
    m.put("architecture", Checkpoint.architectureJson(to, 1));
    long before = in.parameters();
    long after = parameters(out);
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("model", name);
    record.put("sha256", sha256);
    record.put("member", member);
    record.put("architecture_before", from.toString());
    record.put("architecture", to.toString());
    record.put("parameters_before", before);
    record.put("parameters", after);
    record.put("criterion", "BatchNorm |gamma| after convolutions, L1 norm of transposed-convolution weights");
    try {
      m.put(KEY, JSON.writeValueAsString(record));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return new Result(new SafeTensors.Contents(out, m), after, before);
  }

  /**
   * One block (conv, BatchNorm, ReLU twice) reading the kept channels {@code input}: keeps {@code width} of each
   * convolution's outputs by BatchNorm |gamma|, writes its tensors, returns the kept outputs of the second.
   */
  private static int[] block(Tensors in, Map<String, SafeTensors.Entry> out, String prefix, int[] input,
      int width) {
    int[] previous = input;
    for (String k : List.of("1", "2")) {
      String bn = prefix + "b" + k + ".";
      float[] gamma = in.values(bn + "weight");
      float[] magnitude = new float[gamma.length];
      for (int i = 0; i < gamma.length; i++) {
        magnitude[i] = Math.abs(gamma[i]);
      }
      int[] kept = largest(magnitude, width);
      out.put(prefix + "c" + k + ".weight", in.select(prefix + "c" + k + ".weight", kept, previous));
      for (String t : List.of("weight", "bias", "running_mean", "running_var")) {
        out.put(bn + t, in.select(bn + t, kept));
      }
      out.put(bn + "num_batches_tracked", in.entry(bn + "num_batches_tracked"));
      previous = kept;
    }
    return previous;
  }

  /** The L1 norm of each output channel of a transposed convolution's weight [in, out, kh, kw]. */
  private static float[] l1PerOutput(Tensors in, String key) {
    long[] s = in.shape(key);
    float[] w = in.values(key);
    int outs = (int) s[1];
    int k = (int) (s[2] * s[3]);
    float[] norm = new float[outs];
    for (int i = 0; i < w.length; i++) {
      norm[(i / k) % outs] += Math.abs(w[i]);
    }
    return norm;
  }

  /** The indices of the {@code k} largest values, in ascending index order (ties: the lower index). */
  static int[] largest(float[] values, int k) {
    return IntStream.range(0, values.length).boxed()
        .sorted((a, b) -> values[a] != values[b] ? Float.compare(values[b], values[a]) : Integer.compare(a, b))
        .limit(k).mapToInt(Integer::intValue).sorted().toArray();
  }

  private static int[] all(long n) {
    return IntStream.range(0, (int) n).toArray();
  }

  private static long parameters(Map<String, SafeTensors.Entry> tensors) {
    return tensors.entrySet().stream().filter(e -> !e.getKey().contains("running_")
            && !e.getKey().endsWith("num_batches_tracked"))
        .mapToLong(e -> Arrays.stream(e.getValue().shape()).reduce(1, (a, b) -> a * b)).sum();
  }

  /** One network's fp32 tensors in a model file, with a record of which were read. */
  private static final class Tensors {
    private final Map<String, SafeTensors.Entry> all;
    private final String prefix;
    private final String name;
    private final Set<String> used = new HashSet<>();

    Tensors(SafeTensors.Contents c, String prefix, String name) {
      this.all = c.tensors();
      this.prefix = prefix;
      this.name = name;
    }

    SafeTensors.Entry entry(String key) {
      SafeTensors.Entry e = all.get(prefix + key);
      if (e == null) {
        throw new VesselsegException.Model(name + " has no tensor " + prefix + key + ": it is not a vesselseg "
            + "U-Net of the architecture its metadata states");
      }
      if (!"F32".equals(e.dtype())) {
        throw new VesselsegException.Model(name + ": tensor " + prefix + key + " is " + e.dtype()
            + ", expected F32; pruning reads fp32 model files (those training and export write)");
      }
      used.add(prefix + key);
      return e;
    }

    long[] shape(String key) {
      return entry(key).shape();
    }

    float[] values(String key) {
      ByteBuffer b = ByteBuffer.wrap(entry(key).data()).order(ByteOrder.LITTLE_ENDIAN);
      float[] v = new float[b.remaining() / 4];
      b.asFloatBuffer().get(v);
      return v;
    }

    /** The entries of a 1-d tensor at {@code rows}, or of a tensor [rows, cols, …] at rows × cols. */
    SafeTensors.Entry select(String key, int[] rows, int... cols) {
      long[] s = shape(key);
      float[] v = values(key);
      boolean two = cols.length > 0;
      int inner = 1;
      for (int d = two ? 2 : 1; d < s.length; d++) {
        inner *= (int) s[d];
      }
      int width = two ? (int) s[1] : 1;
      int[] c = two ? cols : new int[] {0};
      ByteBuffer b = ByteBuffer.allocate(rows.length * c.length * inner * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int r : rows) {
        for (int col : c) {
          int at = (r * width + col) * inner;
          for (int i = 0; i < inner; i++) {
            b.putFloat(v[at + i]);
          }
        }
      }
      long[] shape = s.clone();
      shape[0] = rows.length;
      if (two) {
        shape[1] = c.length;
      }
      return new SafeTensors.Entry("F32", shape, b.array());
    }

    /** Fails when the network has tensors pruning did not read (an architecture it does not know). */
    void requireAllUsed() {
      List<String> left = new ArrayList<>();
      for (String k : all.keySet()) {
        if (k.startsWith(prefix) && !used.contains(k) && !k.startsWith("optimizer.") && !k.startsWith("average.")) {
          left.add(k);
        }
      }
      if (!left.isEmpty()) {
        throw new VesselsegException.Model(name + " holds tensors a U-Net of its stated architecture does not: "
            + left.subList(0, Math.min(5, left.size())) + "; it cannot be pruned");
      }
    }

    /** Parameters (not BatchNorm statistics) of this network. */
    long parameters() {
      Map<String, SafeTensors.Entry> mine = new LinkedHashMap<>();
      all.forEach((k, e) -> {
        if (k.startsWith(prefix) && !k.startsWith("optimizer.") && !k.startsWith("average.")) {
          mine.put(k, e);
        }
      });
      return Pruning.parameters(mine);
    }
  }
}
