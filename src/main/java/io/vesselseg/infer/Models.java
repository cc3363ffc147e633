package io.vesselseg.infer;

import io.vesselseg.VesselsegException;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Precision;
import io.vesselseg.track.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds and loads the model a command was pointed at: a run directory or a {@code .safetensors} file. */
public final class Models {

  private Models() {}

  /** A run directory resolves to its {@code best.safetensors}; a file is taken as is. */
  public static Path resolve(String arg) {
    Path p = Path.of(arg);
    if (Files.isDirectory(p)) {
      Path best = p.resolve(RunDirectory.BEST);
      if (!Files.isRegularFile(best)) {
        throw new VesselsegException.Usage("run directory " + p + " has no " + RunDirectory.BEST
            + ": has a training run finished an epoch there? Pass a run directory or a model file");
      }
      return best;
    }
    if (!Files.isRegularFile(p)) {
      throw new VesselsegException.Usage("--model " + arg + " does not exist: pass a run directory "
          + "(holding " + RunDirectory.BEST + ") or a .safetensors model file");
    }
    return p;
  }

  public static Checkpoint.Loaded load(String arg, String device, Precision precision) {
    return Checkpoint.load(resolve(arg), ComputeDevice.resolve(device), precision);
  }
}
