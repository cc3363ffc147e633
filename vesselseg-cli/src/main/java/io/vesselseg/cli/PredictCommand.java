package io.vesselseg.cli;

import io.vesselseg.infer.ImagePrediction;
import io.vesselseg.infer.Models;
import io.vesselseg.model.Checkpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg predict}: probability maps and vessel masks for photographs. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Write <name>_prob.png and <name>_mask.png for each photograph (TIFF, PNG, JPEG, ...).")
final class PredictCommand implements Callable<Integer> {

  @Option(names = "--input", required = true, description = "an image file or a folder of images")
  Path input;

  @Option(names = {"--output", "--out"}, required = true, description = "folder for the PNG outputs")
  Path output;

  @Option(names = "--rescale", defaultValue = "auto",
      description = "auto: resample to the training set's FOV diameter; none: use the photograph as is")
  String rescale;

  @Option(names = "--overlay", description = "also write <name>_overlay.png (vessels over the photograph)")
  boolean overlay;

  @Option(names = "--threshold", description = "override the model's threshold (0..1)")
  Float threshold;

  @Option(names = "--skip-existing", description = "skip photographs whose outputs exist already (each is "
      + "written whole, so a stopped batch goes on where it stopped)")
  boolean skipExisting;

  @picocli.CommandLine.Mixin
  ModelOptions modelOptions;

  @Override
  public Integer call() {
    var files = ImagePrediction.inputs(input);
    if (threshold != null && !(threshold > 0 && threshold < 1)) {
      throw new io.vesselseg.VesselsegException.Usage("--threshold " + threshold + " must be in (0, 1)");
    }
    Checkpoint.Loaded loaded = modelOptions.load();
    float t = threshold != null ? threshold : modelOptions.threshold(loaded);
    return batch(files, output, loaded, modelOptions, t, overlay, Models.fovDiameter(loaded, rescale),
        skipExisting, w -> String.format(Locale.ROOT, "%s -> %s, %s (vessels %.1f%% of FOV, %.2f s)",
            w.input().getFileName(), w.probability(), w.mask().getFileName(), 100 * w.vesselFraction(),
            w.seconds()));
  }

  /**
   * Predicts {@code files} with {@code loaded} (printing {@code line} for each) until the last one or
   * Ctrl-C/SIGTERM, which stops the batch after the current photograph; closes the network; the exit code.
   */
  static int batch(List<Path> files, Path output, Checkpoint.Loaded loaded, ModelOptions options,
      float threshold, boolean overlay, double fovDiameter, boolean skipExisting,
      Function<ImagePrediction.Written, String> line) {
    // the network closes before the stop does: a signal's shutdown waits until its native memory is freed
    try (GracefulStop stop = new GracefulStop("stop requested: finishing the current photograph (kill -9 "
        + "ends it at once; the outputs of finished ones are complete either way)");
        var net = loaded.network()) {
      var b = ImagePrediction.predictAll(files, output, options.predictor(net), threshold, overlay, fovDiameter,
          skipExisting, stop.requested(), w -> System.out.println(line.apply(w)));
      if (!b.skipped().isEmpty()) {
        System.out.println("skipped " + b.skipped().size() + " of " + files.size() + " photographs: their "
            + "outputs exist in " + output);
      }
      if (b.stopped()) { // printed before the stop is closed: the JVM exits as soon as it is
        System.err.println("interrupted after " + (b.written().size() + b.skipped().size()) + " of "
            + files.size() + " photographs, each with all its outputs; the same command with --skip-existing "
            + "does the rest");
        System.err.flush();
        return Main.INTERRUPTED;
      }
      return Main.OK;
    }
  }
}
