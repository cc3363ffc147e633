package io.vesselseg.cli;

import io.vesselseg.Explanation;
import io.vesselseg.VesselsegException;
import io.vesselseg.infer.Models;
import io.vesselseg.infer.Visualization;
import io.vesselseg.model.Checkpoint;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg visualize}: per-image panels and error overlays of a model on a dataset split. */
@Command(name = "visualize", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Write per image <id>_panel.png (input | probability | prediction | reference), "
        + "<id>_overlay.png (true/false positives, false negatives), on request <id>_uncertainty.png and "
        + "<id>_saliency.png, and an index.html with each image's quality flags and vessel measurements.")
final class VisualizeCommand implements Callable<Integer> {

  @picocli.CommandLine.Mixin
  DataOptions dataOptions;

  @Option(names = "--split", defaultValue = "test", description = "test or training")
  String split;

  @Option(names = {"--output", "--out"}, required = true, description = "folder for the PNGs and index.html")
  Path output;

  @Option(names = "--rescale", defaultValue = "auto",
      description = "auto: resample photographs so their FOV diameter matches the training set's (as evaluate "
          + "does), none: use them as they are")
  String rescale;

  @Option(names = "--uncertainty", description = "also draw each image's uncertainty map (the spread of the "
      + "probability over the ensemble's members and the --tta augmentations) and judge the out-of-distribution "
      + "flag")
  boolean uncertainty;

  @Option(names = "--explain-region", paramLabel = "X,Y,W,H", description = "also draw, for this box of every "
      + "image, which pixels its vessel logits depend on (<id>_saliency.png; as explain does)")
  String explainRegion;

  @Option(names = "--explain-point", paramLabel = "X,Y", description = "as --explain-region, for the disc of "
      + "--radius around a point")
  String explainPoint;

  @Option(names = "--radius", defaultValue = "4", paramLabel = "R", description = "radius of the --explain-point "
      + "disc (default: ${DEFAULT-VALUE})")
  int radius;

  @Option(names = "--explain-method", defaultValue = "gradcam", paramLabel = "M",
      description = "gradcam, ig or smoothgrad (default: ${DEFAULT-VALUE}; ig and smoothgrad take minutes per "
          + "image with the built-in ensemble's network)")
  String explainMethod;

  @Option(names = "--layer", defaultValue = "bottleneck", description = "Grad-CAM's layer: bottleneck or decoder "
      + "(default: ${DEFAULT-VALUE})")
  String layer;

  @Option(names = "--member", defaultValue = "0", paramLabel = "N",
      description = "which network of an ensemble to explain, from 0 (default: ${DEFAULT-VALUE})")
  int member;

  @picocli.CommandLine.Mixin
  ModelOptions modelOptions;

  @Override
  public Integer call() {
    Visualization.Extras extras = new Visualization.Extras(uncertainty, saliency());
    var samples = dataOptions.open(split);
    Checkpoint.Loaded loaded = modelOptions.load();
    try (var net = loaded.network()) {
      if (extras.saliency() != null && member >= net.members()) {
        throw new VesselsegException.Usage("--member " + member + " does not exist: this model has "
            + net.members() + " network(s), members 0.." + (net.members() - 1));
      }
      String heading = "vesselseg: " + Models.describe(modelOptions.model) + " on " + dataOptions.data
          + " (" + split + ")";
      var result = Visualization.run(modelOptions.predictor(net), samples, modelOptions.threshold(loaded),
          Models.fovDiameter(loaded, rescale), extras, output, heading, id -> { });
      System.out.println(result.report().toTable());
      System.out.println(result.panels().size() + " panels and overlays"
          + (uncertainty ? ", " + result.uncertainty().size() + " uncertainty maps" : "")
          + (extras.saliency() != null ? ", " + result.saliency().size() + " saliency maps" : "")
          + " written; open " + result.index());
    }
    return Main.OK;
  }

  /** The saliency asked for (checked before the model is loaded), or null. */
  private Visualization.Saliency saliency() {
    if (explainRegion != null && explainPoint != null) {
      throw new VesselsegException.Usage("give the pixels to explain as one of --explain-region X,Y,W,H or "
          + "--explain-point X,Y, not both");
    }
    if (explainRegion == null && explainPoint == null) {
      return null;
    }
    var region = explainRegion != null ? ExplainCommand.box(explainRegion) : ExplainCommand.disc(explainPoint, radius);
    var settings = Explanation.Settings.defaults().withMember(member).withLayer(Explanation.Layer.parse(layer));
    return new Visualization.Saliency(region, Explanation.Method.parse(explainMethod.strip()), settings);
  }
}
