package io.vesselseg.cli;

import io.vesselseg.model.Tta;
import io.vesselseg.train.CrossValidation;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vesselseg crossval}: the out-of-fold scores of the runs of a K-fold cross-validation. */
@Command(name = "crossval", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Score the runs of a K-fold cross-validation (train --fold 1..K) on the training images each "
        + "held out: per fold, and pooled over all folds.")
final class CrossvalCommand implements Callable<Integer> {

  @Mixin
  DataOptions dataOptions;

  @Parameters(arity = "1..*", paramLabel = "RUN", description = "the fold runs: run directories or model files")
  List<String> runs;

  @Option(names = "--tta", description = "average the four flipped predictions (each fold at its --tta threshold)")
  boolean tta;

  @Option(names = "--tta8", description = "average all eight flips and transposes (at each fold's --tta8 threshold)")
  boolean tta8;

  @Option(names = "--weights", defaultValue = "best", paramLabel = "best|last",
      description = "score each fold run's best epoch (default) or its last one, which is what a refit on every "
          + "image keeps: pick a refit's threshold on the last epochs")
  String weights;

  @Option(names = "--tta-thresholds", description = "also pick the pooled thresholds for --tta and --tta8 (12 "
      + "more passes per image), so a refit that borrows them (train --thresholds-from) has all three")
  boolean ttaThresholds;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda")
  String device;

  @Option(names = "--json", description = "also write the figures to this JSON file")
  Path json;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() {
    Tta mode = tta8 ? Tta.D8 : tta ? Tta.FLIPS : Tta.NONE;
    CrossValidation.Weights w = CrossValidation.Weights.parse(weights);
    var result = CrossValidation.run(runs, dataOptions.open("training"), mode, w, ttaThresholds, device,
        id -> System.err.println("predicted " + id));
    System.out.println(result.toTable());
    if (json != null) {
      Map<String, Object> doc = new LinkedHashMap<>(result.toJson());
      doc.put("data", dataOptions.data);
      EvaluateCommand.write(json, doc);
      System.out.println("figures written to " + json);
    }
    return Main.OK;
  }
}
