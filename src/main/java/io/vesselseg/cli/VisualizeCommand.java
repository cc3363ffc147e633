package io.vesselseg.cli;

import io.vesselseg.infer.Models;
import io.vesselseg.infer.Predictor;
import io.vesselseg.infer.Visualization;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.Precision;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg visualize}: per-image panels and error overlays of a model on a dataset split. */
@Command(name = "visualize", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Write per image <id>_panel.png (input | probability | prediction | reference), "
        + "<id>_overlay.png (true/false positives, false negatives) and an index.html.")
final class VisualizeCommand implements Callable<Integer> {

  @Option(names = "--model",
      description = "run directory or .safetensors model file (default: the model shipped in the jar)")
  String model;

  @picocli.CommandLine.Mixin
  DataOptions dataOptions;

  @Option(names = "--split", defaultValue = "test", description = "test or training")
  String split;

  @Option(names = "--output", required = true, description = "folder for the PNGs and index.html")
  Path output;

  @Option(names = "--tta", description = "average flipped predictions (slower, usually a little better)")
  boolean tta;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda")
  String device;

  @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or bf16 (autocast)")
  String precision;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() {
    var samples = dataOptions.load(split);
    Checkpoint.Loaded loaded = Models.load(model, device, Precision.parse(precision));
    try (var net = loaded.network()) {
      String heading = "vesselseg: " + Models.describe(model) + " on " + dataOptions.data + " (" + split + ")";
      var result = Visualization.run(new Predictor(net, tta), samples, loaded.meta().threshold(), output,
          heading, id -> { });
      System.out.println(result.report().toTable());
      System.out.println(result.panels().size() + " panels and overlays written; open " + result.index());
    }
    return Main.OK;
  }
}
