package io.vesselseg.cli;

import io.vesselseg.SegmentationFiles;
import io.vesselseg.VesselSegmenter;
import io.vesselseg.VesselsegException;
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

  @Option(names = "--uncertainty", description = "also write <name>_uncertainty.png: the spread of the "
      + "probabilities over the ensemble's members and the test-time augmentations; with an ensemble, flags "
      + "photographs the members disagree on far more than on the training photographs")
  boolean uncertainty;

  @Option(names = "--threshold", description = "override the model's threshold (0..1)")
  Float threshold;

  @Option(names = "--skip-existing", description = "skip photographs whose outputs exist already (each is "
      + "written whole, so a stopped batch goes on where it stopped)")
  boolean skipExisting;

  @picocli.CommandLine.Mixin
  ModelOptions modelOptions;

  @Override
  public Integer call() {
    var files = SegmentationFiles.inputs(input);
    if (threshold != null && !(threshold > 0 && threshold < 1)) {
      throw new VesselsegException.Usage("--threshold " + threshold + " must be in (0, 1)");
    }
    return batch(files, output, modelOptions, rescale, threshold, new SegmentationFiles.Extras(overlay, uncertainty),
        skipExisting, false, w -> String.format(Locale.ROOT, "%s -> %s, %s (vessels %.1f%% of FOV, %.2f s)%s",
            w.input().getFileName(), w.probability(), w.mask().getFileName(),
            100 * w.segmentation().vesselDensity(), w.seconds(), notes(w)));
  }

  /** The uncertainty file and member disagreement, and the quality flags, when there is something to say. */
  static String notes(SegmentationFiles.Written w) {
    StringBuilder b = new StringBuilder();
    if (w.uncertainty() != null) {
      b.append(", ").append(w.uncertainty().getFileName());
      double d = w.segmentation().disagreement();
      if (!Double.isNaN(d)) {
        b.append(String.format(Locale.ROOT, " (member disagreement %.4f)", d));
      }
    }
    var flags = w.segmentation().quality().flags();
    if (!flags.isEmpty()) {
      b.append("; flags: ").append(String.join(", ", flags.stream().sorted().map(f -> f.label()).toList()));
    }
    return b.toString();
  }

  /**
   * Segments {@code files} with the model of {@code options} (printing {@code line} for each) until the last
   * one or Ctrl-C/SIGTERM, which stops the batch after the current photograph; closes the model; the exit code.
   * With {@code announce} the model and its threshold are printed first.
   */
  static int batch(List<Path> files, Path output, ModelOptions options, String rescale, Float threshold,
      SegmentationFiles.Extras extras, boolean skipExisting, boolean announce,
      Function<SegmentationFiles.Written, String> line) {
    // the model closes before the stop does: a signal's shutdown waits until its native memory is freed
    try (GracefulStop stop = new GracefulStop("stop requested: finishing the current photograph (kill -9 "
        + "ends it at once; the outputs of finished ones are complete either way)");
        VesselSegmenter segmenter = options.open(rescale, threshold)) {
      if (announce) {
        System.out.println("model: " + options.describe() + ", threshold " + segmenter.threshold());
      }
      var b = SegmentationFiles.segmentAll(segmenter, files, output, extras, skipExisting, stop.requested(),
          w -> System.out.println(line.apply(w)));
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
