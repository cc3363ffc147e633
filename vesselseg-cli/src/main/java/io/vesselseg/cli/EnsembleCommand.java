package io.vesselseg.cli;

import io.vesselseg.infer.Ensembles;
import io.vesselseg.train.CrossValidation;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vesselseg ensemble}: one model file whose predictions average several trained models'. */
@Command(name = "ensemble", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Combine models of one architecture, trained on the same images (e.g. with different --seed), "
        + "into one model file that averages their probabilities. predict, evaluate, segment, crossval and "
        + "export take it like any model.")
final class EnsembleCommand implements Callable<Integer> {

  @Parameters(arity = "2..*", paramLabel = "MODEL", description = "run directories or model files")
  List<String> models;

  @Option(names = "--out", required = true, description = "the .safetensors file to write")
  Path out;

  @Option(names = "--weights", defaultValue = "best", paramLabel = "best|last",
      description = "from a run directory take its best epoch (default) or its last one")
  String weights;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() {
    var meta = Ensembles.combine(models, CrossValidation.Weights.parse(weights).file(), out);
    System.out.println("wrote " + out + ": " + meta.get("architecture") + ", thresholds " + meta.get("ensemble"));
    return Main.OK;
  }
}
