package io.vesselseg.model;

import static org.bytedeco.pytorch.global.torch.from_blob;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Model and checkpoint files: safetensors holding every parameter and buffer of the U-Net under its PyTorch
 * name, with {@code __metadata__} keys {@code format}, {@code architecture}, {@code normalization}, the
 * {@link Thresholds} ({@code threshold}, optionally {@code threshold_flips}, {@code threshold_d8},
 * {@code calibration}, {@code thresholds_from}, validation figures), and whatever the caller adds
 * (config, provenance, epoch, seed, metrics). A training
 * checkpoint also holds the optimizer state as a U8 tensor {@code optimizer.libtorch_archive} (libtorch's
 * own serialisation of AdamW's moments) and, when training averages the weights, that average under
 * {@code average.}-prefixed names. Other tools can ignore those tensors. An ensemble of K networks records
 * {@code "members":K} in its architecture and holds member i's tensors under {@code members.i.} (PyTorch's
 * names for an {@code nn.ModuleList} called {@code members}).
 */
public final class Checkpoint {

  public static final String FORMAT = "vesselseg-model-1";
  /** Most networks one ensemble file may hold. */
  public static final int MAX_MEMBERS = 32;
  /** File name of the model a training run selected (on its validation images) in its run directory. */
  public static final String BEST = "best.safetensors";
  /** File name of a run directory's resumable checkpoint (the last epoch's weights and optimizer). */
  public static final String LAST = "last.safetensors";
  private static final String OPTIMIZER_KEY = "optimizer.libtorch_archive";
  /** Tensor-name prefix of the weight average a training checkpoint carries. */
  private static final String AVERAGE_PREFIX = "average.";
  /** Tensor-name prefix of an ensemble's members: {@code members.0.}, {@code members.1.}, … */
  private static final String MEMBERS_PREFIX = "members.";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What a model file says besides its weights.
   *
   * @param architecture  the network's shape
   * @param normalization how photographs are turned into its input
   * @param thresholds    its thresholds, their calibration and where they were chosen: {@code
   *                      thresholds().forTta(tta)} is the one to cut predictions made with {@code tta} at
   * @param metadata      every string key of the file, these included
   */
  public record Meta(Architecture architecture, Normalization normalization, Thresholds thresholds,
      Map<String, String> metadata) {

    /** How many networks the file holds (its architecture's {@code members}; 1 when absent). */
    public int members() {
      try {
        return JSON.readTree(metadata.get("architecture")).path("members").asInt(1);
      } catch (IOException | RuntimeException e) {
        return 1;
      }
    }
  }

  /**
   * The ids of the images a model was validated on (its metadata {@code validation_images}); empty when
   * absent or unreadable.
   */
  public static java.util.List<String> validationImages(Map<String, String> metadata) {
    String ids = metadata.get("validation_images");
    try {
      return ids == null ? java.util.List.of()
          : java.util.List.of(new ObjectMapper().readValue(ids, String[].class));
    } catch (IOException e) {
      return java.util.List.of();
    }
  }

  /** A loaded model; {@code optimizerState} is null for exported models. */
  public record Loaded(Network network, Meta meta, byte[] optimizerState) {}

  private Checkpoint() {}

  /**
   * {@link #save(Path, Network, Thresholds, Map, TrainStep)} of a model whose only threshold is {@code threshold},
   * picked under the network's calibration, with no recorded origin.
   */
  public static void save(Path file, Network net, float threshold, Map<String, String> extra, TrainStep step) {
    save(file, net, Thresholds.of(threshold).withCalibration(net.calibration()), extra, step);
  }

  /**
   * Writes weights + metadata (+ optimizer state when {@code step} is not null) atomically: the file's
   * thresholds and calibration are {@code thresholds} (the network's own calibration is not consulted), and
   * {@code extra} adds other keys; it may not hold keys of {@link Thresholds}.
   */
  public static void save(Path file, Network net, Thresholds thresholds, Map<String, String> extra,
      TrainStep step) {
    for (String key : extra.keySet()) {
      if (Thresholds.owns(key)) {
        throw new IllegalArgumentException("extra metadata " + key + " belongs to the thresholds: pass it in "
            + "the Thresholds, which write it");
      }
    }
    Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
    for (int i = 0; i < net.members(); i++) {
      Map<String, SafeTensors.Entry> member = new LinkedHashMap<>();
      try (PointerScope scope = new PointerScope()) {
        collect(net.module(i).named_parameters(), member);
        collect(net.module(i).named_buffers(), member);
      }
      String prefix = memberPrefix(i, net.members());
      member.forEach((k, v) -> tensors.put(prefix + k, v));
    }
    if (step != null && step.average() != null) {
      Map<String, SafeTensors.Entry> avg = new LinkedHashMap<>();
      try (PointerScope scope = new PointerScope()) {
        collect(step.average().network().module().named_parameters(), avg);
        collect(step.average().network().module().named_buffers(), avg);
      }
      avg.forEach((k, v) -> tensors.put(AVERAGE_PREFIX + k, v));
    }
    if (step != null) {
      byte[] state = optimizerBytes(step);
      tensors.put(OPTIMIZER_KEY, new SafeTensors.Entry("U8", new long[] {state.length}, state));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    Architecture a = net.architecture();
    meta.put("architecture", architectureJson(a, net.members()));
    Normalization n = net.normalization();
    meta.put("normalization", "{\"mean\":" + Arrays.toString(n.mean()) + ",\"std\":"
        + Arrays.toString(n.std()) + ",\"channels\":\"" + n.channels() + "\"}");
    meta.putAll(thresholds.toMetadata());
    extra.forEach(meta::putIfAbsent);
    SafeTensors.write(file, tensors, meta);
  }

  /**
   * The {@code architecture} metadata: {@code {"type":"unet","depth":4,"base_channels":16}}, or for a W-Net
   * type {@code wnet} with {@code refine_depth} and {@code refine_channels} (the second stage's tensors are
   * the {@code refine.}-prefixed ones); an ensemble adds {@code "members":K}.
   */
  static String architectureJson(Architecture a, int members) {
    String json = "{\"type\":\"" + a.type() + "\",\"depth\":" + a.depth() + ",\"base_channels\":"
        + a.baseChannels();
    if (a.refined()) {
      json += ",\"refine_depth\":" + a.refineDepth() + ",\"refine_channels\":" + a.refineChannels();
    }
    return members > 1 ? json + ",\"members\":" + members + "}" : json + "}";
  }

  /** Tensor-name prefix of member {@code i} of {@code members}: none for a single network. */
  public static String memberPrefix(int i, int members) {
    return members > 1 ? MEMBERS_PREFIX + i + "." : "";
  }

  private static void collect(StringTensorDict dict, Map<String, SafeTensors.Entry> out) {
    for (long i = 0; i < dict.size(); i++) {
      String key = dict.get(i).key().getString();
      Tensor t = dict.get(i).value().detach().to(new Device("cpu"), dict.get(i).value().scalar_type())
          .contiguous();
      long[] shape = shape(t);
      ByteBuffer buf;
      String dtype;
      if (t.scalar_type() == ScalarType.Long) {
        long[] v = new long[(int) t.numel()];
        t.data_ptr_long().get(v);
        buf = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(v);
        dtype = "I64";
      } else {
        float[] v = Network.toArray(t);
        buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        dtype = "F32";
      }
      out.put(key, new SafeTensors.Entry(dtype, shape, buf.array()));
    }
  }

  /** Reads a model or checkpoint file into a new Network on {@code device}. */
  public static Loaded load(Path file, ComputeDevice device, Precision precision) {
    if (!Files.isRegularFile(file)) {
      throw new VesselsegException.Model("model file " + file + " does not exist: pass a run directory "
          + "(holding best.safetensors) or a .safetensors model file");
    }
    return load(SafeTensors.read(file), file.toString(), device, precision);
  }

  public static Loaded load(SafeTensors.Contents c, String name, ComputeDevice device, Precision precision) {
    return load(c, name, device, precision, MAX_MEMBERS);
  }

  /**
   * Reads a model file into a new Network on {@code device}; of an ensemble file, only the first
   * {@code maxMembers} networks (a faster, usually slightly less accurate ensemble).
   */
  public static Loaded load(SafeTensors.Contents c, String name, ComputeDevice device, Precision precision,
      int maxMembers) {
    if (maxMembers < 1) {
      throw new VesselsegException.Usage("--members " + maxMembers + ": expected at least 1 network");
    }
    Meta meta = meta(c.metadata(), name);
    int members = meta.members();
    if (members < 1 || members > MAX_MEMBERS) {
      throw new VesselsegException.Model("model file " + name + " says it holds " + members + " networks, "
          + "expected 1.." + MAX_MEMBERS + ": the file is damaged or from another tool");
    }
    int used = Math.min(members, maxMembers);
    Network net = Network.createEnsemble(meta.architecture(), used, device, precision, meta.normalization());
    net.setCalibration(meta.thresholds().calibration());
    try {
      for (int i = 0; i < used; i++) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
          String prefix = memberPrefix(i, members);
          fill(net.module(i).named_parameters(), c.tensors(), prefix, name, net);
          fill(net.module(i).named_buffers(), c.tensors(), prefix, name, net);
        }
      }
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    if (precision == Precision.INT8) {
      try {
        if (device != ComputeDevice.CPU) {
          throw new VesselsegException.Usage("int8 runs on the CPU only (device " + device.label() + "): use "
              + "--device cpu, or bf16 on a GPU");
        }
        net.setInt8Calibration(Int8Calibration.parse(c.metadata().get(Int8Calibration.KEY), name));
        net.fuseForInference();
      } catch (RuntimeException e) {
        net.close();
        throw e;
      }
    }
    SafeTensors.Entry opt = c.tensors().get(OPTIMIZER_KEY);
    return new Loaded(net, meta, opt == null ? null : opt.data());
  }

  /** The metadata of a model file {@code name}, read and checked (architecture, normalization, thresholds). */
  public static Meta meta(Map<String, String> m, String name) {
    if (!FORMAT.equals(m.get("format"))) {
      throw new VesselsegException.Model("model file " + name + " has format '" + m.get("format")
          + "', expected '" + FORMAT + "': it was not written by this version of vesselseg");
    }
    Thresholds thresholds = Thresholds.fromMetadata(m, "model file " + name);
    try {
      JsonNode a = JSON.readTree(m.get("architecture"));
      JsonNode n = JSON.readTree(m.get("normalization"));
      float[] mean = new float[3];
      float[] std = new float[3];
      for (int i = 0; i < 3; i++) {
        mean[i] = (float) n.get("mean").get(i).asDouble();
        std[i] = (float) n.get("std").get(i).asDouble();
      }
      return new Meta(new Architecture(a.get("depth").asInt(), a.get("base_channels").asInt(),
              a.path("refine_depth").asInt(0), a.path("refine_channels").asInt(0)),
          new Normalization(mean, std, n.path("channels").asText("rgb")), thresholds, Map.copyOf(m));
    } catch (IOException | RuntimeException e) {
      throw new VesselsegException.Model("model file " + name + " has unreadable metadata ("
          + e.getMessage() + "): the file is damaged or from another tool", e);
    }
  }

  /**
   * Restores the weight average a checkpoint holds into {@code step}'s (attached by the caller); false when
   * the file has none (a run that did not average), leaving it at the trained weights.
   */
  public static boolean restoreAverage(SafeTensors.Contents c, String name, TrainStep step) {
    if (c.tensors().keySet().stream().noneMatch(k -> k.startsWith(AVERAGE_PREFIX))) {
      return false;
    }
    Network avg = step.average().network();
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      fill(avg.module().named_parameters(), c.tensors(), AVERAGE_PREFIX, name, avg);
      fill(avg.module().named_buffers(), c.tensors(), AVERAGE_PREFIX, name, avg);
    }
    return true;
  }

  private static void fill(StringTensorDict dict, Map<String, SafeTensors.Entry> file, String prefix,
      String name, Network net) {
    for (long i = 0; i < dict.size(); i++) {
      String key = prefix + dict.get(i).key().getString();
      Tensor dst = dict.get(i).value();
      long[] shape = shape(dst);
      SafeTensors.Entry e = file.get(key);
      if (e == null) {
        throw new VesselsegException.Model("model file " + name + " lacks tensor " + key + " that a "
            + net.architecture() + " needs: the file is for another architecture or damaged");
      }
      if (!Arrays.equals(shape, e.shape())) {
        throw new VesselsegException.Model("model file " + name + " has " + key + " of shape "
            + Arrays.toString(e.shape()) + ", expected " + Arrays.toString(shape) + " for "
            + net.architecture());
      }
      ByteBuffer bb = ByteBuffer.wrap(e.data()).order(ByteOrder.LITTLE_ENDIAN);
      Tensor src;
      if (e.dtype().equals("I64")) {
        long[] v = new long[e.data().length / 8];
        bb.asLongBuffer().get(v);
        src = from_blob(new LongPointer(v), shape, new org.bytedeco.pytorch.TensorOptions(ScalarType.Long));
      } else if (e.dtype().equals("F32")) {
        float[] v = new float[e.data().length / 4];
        bb.asFloatBuffer().get(v);
        src = from_blob(new FloatPointer(v), shape);
      } else {
        throw new VesselsegException.Model("model file " + name + " stores " + key + " as " + e.dtype()
            + ", expected F32 or I64");
      }
      dst.copy_(src.to(net.nativeDevice(), dst.scalar_type()));
    }
  }

  private static long[] shape(Tensor t) {
    long[] s = new long[(int) t.dim()];
    for (int i = 0; i < s.length; i++) {
      s[i] = t.size(i);
    }
    return s;
  }

  private static byte[] optimizerBytes(TrainStep step) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile("vesselseg-optim", ".pt");
      try (OutputArchive a = new OutputArchive()) {
        step.optimizer().save(a);
        a.save_to(tmp.toString());
      }
      return Files.readAllBytes(tmp);
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot serialise optimizer state: " + e.getMessage(), e);
    } finally {
      SafeTensors.deleteQuietly(tmp);
    }
  }

  /** Restores AdamW's state saved in a checkpoint into {@code step}. */
  public static void restoreOptimizer(TrainStep step, byte[] state) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile("vesselseg-optim", ".pt");
      Files.write(tmp, state);
      try (InputArchive a = new InputArchive()) {
        a.load_from(tmp.toString());
        step.optimizer().load(a);
      }
    } catch (IOException | RuntimeException e) {
      throw new VesselsegException.Model("cannot restore the optimizer state from the checkpoint ("
          + e.getMessage() + "): start a new run without --resume", e);
    } finally {
      SafeTensors.deleteQuietly(tmp);
    }
  }
}
