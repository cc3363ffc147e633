package io.vesselseg.spark;

import io.vesselseg.VesselSegmenter;
import io.vesselseg.VesselsegException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The lazy per-JVM holder of loaded models: an executor loads a model the first time a task asks for it and
 * keeps it for every later task of the job (and of later jobs in the same JVM). Only the model's name or path
 * travels with the job, never native memory. A {@link VesselSegmenter} serialises its calls, so the holder
 * keeps one instance per task running at the same time (an executor with 4 task slots holds at most 4);
 * each costs the model's weights once (68 k parameters for {@code compact}, 31 MB for {@code builtin}).
 * Instances live until the JVM exits (executors are short-lived processes; the OS frees their memory).
 */
public final class SegmenterPool {

  private static final Map<String, Deque<VesselSegmenter>> IDLE = new ConcurrentHashMap<>();

  private SegmenterPool() {}

  /**
   * An instance of {@code model} for this task alone; give it back with {@link #release}.
   *
   * @param rescale resample photographs to the training scale ({@link VesselSegmenter.Options#rescale()})
   */
  public static VesselSegmenter borrow(String model, boolean rescale) {
    VesselSegmenter s = IDLE.computeIfAbsent(key(model, rescale), k -> new ConcurrentLinkedDeque<>()).pollFirst();
    return s != null ? s : open(model, VesselSegmenter.Options.defaults().withRescale(rescale));
  }

  /** Returns an instance {@link #borrow} gave, for the next task. */
  public static void release(String model, boolean rescale, VesselSegmenter segmenter) {
    IDLE.computeIfAbsent(key(model, rescale), k -> new ConcurrentLinkedDeque<>()).offerFirst(segmenter);
  }

  private static String key(String model, boolean rescale) {
    return model + (rescale ? " rescaled" : " at own scale");
  }

  /**
   * Opens a model: a built-in one by name ({@code builtin}, {@code compact}) or a {@code .safetensors} file or
   * run directory.
   */
  static VesselSegmenter open(String model, VesselSegmenter.Options options) {
    Path path = Path.of(model);
    if (Files.exists(path)) {
      return VesselSegmenter.load(path, options);
    }
    if (!model.contains("/") && !model.contains(".")) {
      return VesselSegmenter.builtIn(model, options);   // a Usage error lists the names when unknown
    }
    throw new VesselsegException.Data("model file " + model + " not found: give a .safetensors file or run "
        + "directory that every executor can read at that path, or a built-in model (builtin, compact)");
  }
}
