package io.vesselseg.cli;

import io.vesselseg.infer.Models;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.Precision;
import picocli.CommandLine.Option;

/** The model options shared by evaluate, predict, segment and visualize. */
final class ModelOptions {

  @Option(names = "--model",
      description = "run directory or .safetensors model file (default: the model shipped in the jar)")
  String model;

  @Option(names = "--tta", description = "average flipped predictions (slower, usually a little better)")
  boolean tta;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda")
  String device;

  @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or bf16 (autocast)")
  String precision;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  /** Loads the model (the caller closes its network). */
  Checkpoint.Loaded load() {
    return Models.load(model, device, Precision.parse(precision));
  }
}
