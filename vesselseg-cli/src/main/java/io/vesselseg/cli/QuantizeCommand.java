package io.vesselseg.cli;

import io.vesselseg.data.Datasets;
import io.vesselseg.data.Sample;
import io.vesselseg.infer.Models;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Int8Calibration;
import io.vesselseg.model.Network;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.Tta;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg quantize}: an int8-ready copy of a model, its activation ranges measured on photographs. */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Calibrate a model for int8 predictions on the CPU: run it (fp32, BatchNorm folded) over "
        + "photographs of its training set, record the range of every activation, and write a copy of the "
        + "model file with those ranges in its metadata (the weights are unchanged). Then predict with "
        + "--precision int8. U-Nets only. See docs/compact.md#int8.")
final class QuantizeCommand implements Callable<Integer> {

  @Option(names = "--model", defaultValue = Models.COMPACT_NAME,
      description = "built-in name, run directory or model file (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--data", required = true, description = "dataset folder (or DRIVE, STARE, HRF, ...) whose "
      + "photographs calibrate the ranges: the model's own training set")
  String data;

  @Option(names = "--split", defaultValue = "training", description = "split of --data (default: "
      + "${DEFAULT-VALUE}; never calibrate on the photographs you score)")
  String split;

  @Option(names = "--photos", defaultValue = "0", description = "use the first N photographs (default: all)")
  int photos;

  @Option(names = "--include-validation", description = "also calibrate on the photographs the model was "
      + "validated on (its validation_images; left out by default, so they stay unseen for comparing fp32 and "
      + "int8)")
  boolean includeValidation;

  @Option(names = "--format", defaultValue = "auto", description = "dataset layout (default: ${DEFAULT-VALUE})")
  String format;

  @Option(names = "--out", required = true, description = "the .safetensors file to write")
  Path out;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() {
    if (photos < 0) {
      throw new io.vesselseg.VesselsegException.Usage("--photos " + photos + " must be >= 0 (0: all)");
    }
    byte[] bytes = Models.bytes(model);
    SafeTensors.Contents contents = SafeTensors.parse(bytes, model);
    List<String> validation = includeValidation ? List.of() : Checkpoint.validationImages(contents.metadata());
    List<Sample> all = Datasets.load(data, split, format).stream()
        .filter(s -> !validation.contains(s.id())).toList();
    List<Sample> chosen = photos == 0 ? all : all.subList(0, Math.min(photos, all.size()));
    if (chosen.isEmpty()) {
      throw new io.vesselseg.VesselsegException.Usage("no photographs to calibrate on in " + data + " " + split
          + (validation.isEmpty() ? "" : " once the model's validation photographs " + validation + " are left "
          + "out (--include-validation keeps them)"));
    }
    Checkpoint.Loaded loaded = Checkpoint.load(contents, model, ComputeDevice.CPU, Precision.FP32);
    Int8Calibration cal;
    try (Network net = loaded.network()) {
      Predictor p = new Predictor(net, Tta.NONE);
      double fov = Models.fovDiameter(loaded, "auto");
      long t0 = System.nanoTime();
      cal = net.calibrateInt8(() -> chosen.forEach(s -> p.probabilities(s, fov)));
      System.out.printf(java.util.Locale.ROOT, "calibrated %d network(s) on %d photographs of %s %s%s in %.1f s%n",
          cal.members(), cal.photographs(), data, split, validation.isEmpty() ? "" : " (validation photographs "
          + validation + " left out)", (System.nanoTime() - t0) / 1e9);
    }
    Map<String, String> meta = new TreeMap<>(contents.metadata());
    meta.put(Int8Calibration.KEY, cal.toJson(String.format(java.util.Locale.ROOT, "%s %s, %d photographs%s; "
        + "model %s (sha256 %s)", Path.of(data).getFileName(), split, cal.photographs(), validation.isEmpty() ? ""
        : ", validation " + validation + " left out", model, Models.sha256(bytes))));
    SafeTensors.write(out, contents.tensors(), meta);
    System.out.println("wrote " + out + ": predict with --model " + out + " --precision int8 (CPU)");
    return Main.OK;
  }
}
