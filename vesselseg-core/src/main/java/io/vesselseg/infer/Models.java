package io.vesselseg.infer;

import io.vesselseg.VesselsegException;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.Thresholds;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Finds and loads the model a command was pointed at: a run directory, a {@code .safetensors} file, or a model
 * that ships inside the jar, by its name: {@value #BUILT_IN_NAME} (also what no {@code --model} means; the
 * resource {@link #BUILT_IN}) or {@value #COMPACT_NAME} (the resource {@link #COMPACT}). A name wins over a
 * file of that name in the working directory; write {@code ./compact} for the file.
 */
public final class Models {

  /** Class-path resource of the shipped DRIVE model (the four-network ensemble). */
  public static final String BUILT_IN = "/io/vesselseg/model/drive-unet.safetensors";
  /** Class-path resource of the shipped compact DRIVE model (docs/compact.md). */
  public static final String COMPACT = "/io/vesselseg/model/drive-compact.safetensors";
  public static final String BUILT_IN_NAME = "builtin";
  public static final String COMPACT_NAME = "compact";
  /** The built-in models' names and resources. */
  public static final Map<String, String> NAMED = Map.of(BUILT_IN_NAME, BUILT_IN, COMPACT_NAME, COMPACT);

  private Models() {}

  /** The shipped model's bytes, or null when this build carries none. */
  public static byte[] builtInBytes() {
    return builtInBytes(BUILT_IN_NAME);
  }

  /** True when {@code arg} names a built-in model rather than a path. */
  public static boolean isBuiltIn(String arg) {
    return arg != null && NAMED.containsKey(arg);
  }

  /** The bytes of the built-in model {@code name}, or null when this build carries none. */
  public static byte[] builtInBytes(String name) {
    String resource = NAMED.get(name);
    if (resource == null) {
      throw new VesselsegException.Usage("no built-in model is named '" + name + "': the names are "
          + String.join(", ", new java.util.TreeSet<>(NAMED.keySet())));
    }
    try (InputStream in = Models.class.getResourceAsStream(resource)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new VesselsegException.Model("cannot read the built-in model " + resource + ": " + e, e);
    }
  }

  /**
   * The bytes of {@code arg}: a built-in model's name (null: {@value #BUILT_IN_NAME}), a run directory (its
   * {@code best.safetensors}) or a model file.
   */
  public static byte[] bytes(String arg) {
    String name = arg == null ? BUILT_IN_NAME : arg;
    if (isBuiltIn(name)) {
      byte[] bytes = builtInBytes(name);
      if (bytes == null) {
        throw new VesselsegException.Usage("this build ships no built-in model '" + name + "' ("
            + NAMED.get(name) + " is not on the class path): pass a run directory or .safetensors file");
      }
      return bytes;
    }
    Path file = resolve(name);
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot read model file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Name used in messages and reports for {@code arg} (null: the built-in model). */
  public static String describe(String arg) {
    if (arg == null || arg.equals(BUILT_IN_NAME)) {
      return "built-in model (jar:" + BUILT_IN + ")";
    }
    return isBuiltIn(arg) ? "built-in model '" + arg + "' (jar:" + NAMED.get(arg) + ")" : resolve(arg).toString();
  }

  /** A run directory resolves to its {@code best.safetensors}; a file is taken as is. */
  public static Path resolve(String arg) {
    return resolve(arg, Checkpoint.BEST);
  }

  /** A run directory resolves to its model file {@code name} (best or last); a file is taken as is. */
  public static Path resolve(String arg, String name) {
    Path p = Path.of(arg);
    if (Files.isDirectory(p)) {
      Path model = p.resolve(name);
      if (!Files.isRegularFile(model)) {
        throw new VesselsegException.Usage("run directory " + p + " has no " + name
            + ": has a training run finished an epoch there? Pass a run directory or a model file");
      }
      return model;
    }
    if (!Files.isRegularFile(p)) {
      throw new VesselsegException.Usage("--model " + arg + " does not exist: pass a run directory "
          + "(holding " + Checkpoint.BEST + ") or a .safetensors model file");
    }
    return p;
  }

  /**
   * Writes a model for distribution: the weights and metadata of {@code arg} (a run directory or model file)
   * without any optimizer state, plus {@code extra} metadata (e.g. the test figures it reached; a null value
   * removes the key). Threshold entries of {@code extra} (such as {@code threshold} or {@code calibration})
   * amend the file's {@link Thresholds}, which are read back and written as that type writes them: a value it
   * cannot read is refused before anything is written.
   */
  public static Path export(String arg, Path out, Map<String, String> extra) {
    return export(arg, out, extra, null);
  }

  /**
   * {@link #export(String, Path, Map)} with the file's thresholds replaced by {@code thresholds} (null: kept,
   * amended by {@code extra}).
   */
  public static Path export(String arg, Path out, Map<String, String> extra, Thresholds thresholds) {
    String file = isBuiltIn(arg) ? describe(arg) : resolve(arg).toString();
    SafeTensors.Contents c = SafeTensors.parse(bytes(arg), file);
    Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
    c.tensors().forEach((k, v) -> {
      if (!k.startsWith("optimizer.")) {
        tensors.put(k, v);
      }
    });
    Map<String, String> meta = new LinkedHashMap<>(c.metadata());
    meta.putAll(extra);
    meta.values().removeIf(Objects::isNull);
    Thresholds written = thresholds != null ? thresholds
        : Thresholds.fromMetadata(meta, "model file " + file + " with the metadata given");
    written.writeTo(meta);
    SafeTensors.write(out, tensors, meta);
    return out;
  }

  /**
   * The FOV diameter photographs are resampled to: the training set's (from the model's metadata) for
   * {@code auto}, 0 (no resampling) for {@code none} or a model that does not record it.
   */
  public static double fovDiameter(Checkpoint.Loaded loaded, String rescale) {
    return switch (rescale) {
      case "auto" -> Double.parseDouble(loaded.meta().metadata().getOrDefault("fov_diameter", "0"));
      case "none" -> 0;
      default -> throw new VesselsegException.Usage("--rescale " + rescale + ": expected auto or none");
    };
  }

  /** Loads {@code arg} (null: the built-in model; or a built-in model's name) onto {@code device}. */
  public static Checkpoint.Loaded load(String arg, String device, Precision precision) {
    return load(arg, device, precision, Checkpoint.MAX_MEMBERS);
  }

  /** Loads {@code arg} (null: the built-in model), of an ensemble at most its first {@code members} networks. */
  public static Checkpoint.Loaded load(String arg, String device, Precision precision, int members) {
    ComputeDevice d = ComputeDevice.resolve(device);
    SafeTensors.Contents c;
    String name;
    if (arg == null || isBuiltIn(arg)) {
      name = arg == null || arg.equals(BUILT_IN_NAME) ? "built-in model" : "built-in model '" + arg + "'";
      c = SafeTensors.parse(bytes(arg), name);
    } else {
      Path file = resolve(arg);
      c = SafeTensors.read(file);
      name = file.toString();
    }
    return Checkpoint.load(c, name, d, precision, members);
  }

  /** The SHA-256 of a model file's bytes, lower-case hex: how model files are named in provenance. */
  public static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
