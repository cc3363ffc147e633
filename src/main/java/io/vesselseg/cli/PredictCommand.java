package io.vesselseg.cli;

import io.vesselseg.infer.ImagePrediction;
import io.vesselseg.infer.Models;
import io.vesselseg.model.Checkpoint;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg predict}: probability maps and vessel masks for photographs. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Write <name>_prob.png and <name>_mask.png for each photograph (TIFF, PNG, JPEG, ...).")
final class PredictCommand implements Callable<Integer> {

  @Option(names = "--input", required = true, description = "an image file or a folder of images")
  Path input;

  @Option(names = "--output", required = true, description = "folder for the PNG outputs")
  Path output;

  @Option(names = "--rescale", defaultValue = "auto",
      description = "auto: resample to the training set's FOV diameter; none: use the photograph as is")
  String rescale;

  @Option(names = "--overlay", description = "also write <name>_overlay.png (vessels over the photograph)")
  boolean overlay;

  @Option(names = "--threshold", description = "override the model's threshold (0..1)")
  Float threshold;

  @picocli.CommandLine.Mixin
  ModelOptions modelOptions;

  @Override
  public Integer call() {
    var files = ImagePrediction.inputs(input);
    if (threshold != null && !(threshold > 0 && threshold < 1)) {
      throw new io.vesselseg.VesselsegException.Usage("--threshold " + threshold + " must be in (0, 1)");
    }
    Checkpoint.Loaded loaded = modelOptions.load();
    try (var net = loaded.network()) {
      float t = threshold != null ? threshold : modelOptions.threshold(loaded);
      ImagePrediction.predictAll(files, output, modelOptions.predictor(net), t, overlay,
          Models.fovDiameter(loaded, rescale), w ->
          System.out.println(String.format(Locale.ROOT, "%s -> %s, %s (vessels %.1f%% of FOV, %.2f s)",
              w.input().getFileName(), w.probability(), w.mask().getFileName(), 100 * w.vesselFraction(),
              w.seconds())));
    }
    return Main.OK;
  }
}
