package io.vesselseg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vesselseg.AtomicFiles;
import io.vesselseg.infer.ModelEvaluation;
import io.vesselseg.infer.Models;
import io.vesselseg.model.Checkpoint;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg evaluate}: FOV-masked scores of a model on a dataset split. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Score a model inside the FOV against the 1st observer (pooled and per-image mean).")
final class EvaluateCommand implements Callable<Integer> {

  @picocli.CommandLine.Mixin
  DataOptions dataOptions;

  @Option(names = "--split", defaultValue = "test", description = "test or training")
  String split;

  @Option(names = "--json", description = "also write the figures to this JSON file")
  Path json;

  @Option(names = "--human", description = "also score the 2nd observer (the human reference)")
  boolean human;

  @Option(names = "--rescale", defaultValue = "auto",
      description = "auto: resample photographs so their FOV diameter matches the training set's (for "
          + "other datasets), none: use them as they are")
  String rescale;

  @Option(names = "--per-image", description = "print the per-image table too")
  boolean perImage;

  @picocli.CommandLine.Mixin
  ModelOptions modelOptions;

  @Override
  public Integer call() {
    var samples = dataOptions.open(split);
    Checkpoint.Loaded loaded = modelOptions.load();
    try (var net = loaded.network()) {
      float threshold = modelOptions.threshold(loaded);
      double diameter = Models.fovDiameter(loaded, rescale);
      var result = ModelEvaluation.run(modelOptions.predictor(net), samples, threshold, human, diameter,
          id -> { });
      System.out.println(result.model().toTable());
      if (perImage) {
        System.out.println(result.model().perImageTable());
      }
      if (result.human() != null) {
        System.out.println(result.human().toTable());
      }
      if (json != null) {
        Map<String, Object> doc = new LinkedHashMap<>(result.model().toJson());
        doc.put("model", Models.describe(modelOptions.model));
        doc.put("data", dataOptions.data);
        doc.put("split", split);
        doc.put("tta", modelOptions.tta().label());
        doc.put("members", net.members());
        doc.put("inference_precision", modelOptions.precision); // "precision" is the pooled metric (PPV)
        if (result.human() != null) {
          doc.put("human", result.human().toJson());
        }
        write(json, doc);
        System.out.println("figures written to " + json);
      }
    }
    return Main.OK;
  }

  static void write(Path file, Map<String, Object> doc) {
    AtomicFiles.write(file, "JSON file", out -> new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT).writeValue(out, doc));
  }

}
