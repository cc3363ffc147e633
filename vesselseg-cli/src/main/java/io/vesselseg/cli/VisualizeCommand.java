package io.vesselseg.cli;

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
        + "<id>_overlay.png (true/false positives, false negatives) and an index.html.")
final class VisualizeCommand implements Callable<Integer> {

  @picocli.CommandLine.Mixin
  DataOptions dataOptions;

  @Option(names = "--split", defaultValue = "test", description = "test or training")
  String split;

  @Option(names = {"--output", "--out"}, required = true, description = "folder for the PNGs and index.html")
  Path output;

  @picocli.CommandLine.Mixin
  ModelOptions modelOptions;

  @Override
  public Integer call() {
    var samples = dataOptions.open(split);
    Checkpoint.Loaded loaded = modelOptions.load();
    try (var net = loaded.network()) {
      String heading = "vesselseg: " + Models.describe(modelOptions.model) + " on " + dataOptions.data
          + " (" + split + ")";
      var result = Visualization.run(modelOptions.predictor(net), samples, modelOptions.threshold(loaded),
          output, heading, id -> { });
      System.out.println(result.report().toTable());
      System.out.println(result.panels().size() + " panels and overlays written; open " + result.index());
    }
    return Main.OK;
  }
}
