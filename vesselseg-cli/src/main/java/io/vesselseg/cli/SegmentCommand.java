package io.vesselseg.cli;

import io.vesselseg.SegmentationFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vesselseg segment <image>...}: the shipped model (or --model) on photographs, with overlays. */
@Command(name = "segment", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Segment the vessels of fundus photographs with the model shipped in the jar: writes "
        + "<name>_prob.png, <name>_mask.png and <name>_overlay.png.")
final class SegmentCommand implements Callable<Integer> {

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "photographs or folders of them")
  List<Path> images;

  @Option(names = {"--output", "--out"}, defaultValue = ".",
      description = "folder for the PNGs (default: current)")
  Path output;

  @Option(names = "--rescale", defaultValue = "auto",
      description = "auto: resample to the training set's FOV diameter; none: use the photograph as is")
  String rescale;

  @Option(names = "--skip-existing", description = "skip photographs whose outputs exist already (a stopped "
      + "batch goes on where it stopped)")
  boolean skipExisting;

  @Option(names = "--uncertainty", description = "also write <name>_uncertainty.png: the spread of the "
      + "probabilities over the ensemble's members and the test-time augmentations; with an ensemble, flags "
      + "photographs the members disagree on far more than on the training photographs")
  boolean uncertainty;

  @picocli.CommandLine.Mixin
  ModelOptions modelOptions;

  @Override
  public Integer call() {
    List<Path> files = new ArrayList<>();
    for (Path p : images) {
      files.addAll(SegmentationFiles.inputs(p));
    }
    return PredictCommand.batch(files, output, modelOptions, rescale, null,
        new SegmentationFiles.Extras(true, uncertainty), skipExisting, true,
        w -> String.format(Locale.ROOT, "%s -> %s, %s, %s (vessels %.1f%% of FOV, %.2f s)%s",
            w.input().getFileName(), w.probability(), w.mask().getFileName(), w.overlay().getFileName(),
            100 * w.segmentation().vesselDensity(), w.seconds(), PredictCommand.notes(w)));
  }
}
