package io.vesselseg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vesselseg.AtomicFiles;
import io.vesselseg.infer.ModelEvaluation;
import io.vesselseg.infer.Models;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.Precision;
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

  @Option(names = "--model",
      description = "run directory or .safetensors model file (default: the model shipped in the jar)")
  String model;

  @picocli.CommandLine.Mixin
  DataOptions dataOptions;

  @Option(names = "--split", defaultValue = "test", description = "test or training")
  String split;

  @Option(names = "--json", description = "also write the figures to this JSON file")
  Path json;

  @Option(names = "--human", description = "also score the 2nd observer (the human reference)")
  boolean human;

  @Option(names = "--tta", description = "average flipped predictions (slower, usually a little better)")
  boolean tta;

  @Option(names = "--rescale", defaultValue = "auto",
      description = "auto: resample photographs so their FOV diameter matches the training set's (for "
          + "other datasets), none: use them as they are")
  String rescale;

  @Option(names = "--per-image", description = "print the per-image table too")
  boolean perImage;

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
      float threshold = loaded.meta().threshold();
      double diameter = Models.fovDiameter(loaded, rescale);
      var result = ModelEvaluation.run(new Predictor(net, tta), samples, threshold, human, diameter,
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
        doc.put("model", Models.describe(model));
        doc.put("data", dataOptions.data);
        doc.put("split", split);
        doc.put("tta", tta);
        doc.put("precision", precision);
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
