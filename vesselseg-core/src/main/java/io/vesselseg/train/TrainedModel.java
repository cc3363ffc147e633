package io.vesselseg.train;

import io.vesselseg.VesselsegException;
import io.vesselseg.infer.Models;
import io.vesselseg.model.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A trained model that a training run reads (the teacher of {@code --distill-from}, the start of
 * {@code --init}): a built-in model's name, a model file or a run directory, read, parsed and hashed.
 *
 * @param name     the model as a new model file records it: the built-in name or the resolved file
 * @param sha256   hex SHA-256 of its model file
 * @param contents the parsed model file
 */
record TrainedModel(String name, String sha256, SafeTensors.Contents contents) {

  /**
   * Reads the model {@code source} that {@code option} named; {@code label} prefixes its name in parse errors.
   *
   * @throws VesselsegException.Usage when it does not exist
   */
  static TrainedModel open(String option, String source, String label) {
    if (!Models.isBuiltIn(source) && !Files.exists(Path.of(source))) {
      throw new VesselsegException.Usage(option + " " + source + " does not exist: pass "
          + String.join(" or ", Models.NAMED.keySet().stream().sorted().toList())
          + " (a model in the jar), a .safetensors model file or a training run directory");
    }
    String name = Models.isBuiltIn(source) ? source : Models.resolve(source).toString();
    byte[] bytes = Models.bytes(source);
    return new TrainedModel(name, Models.sha256(bytes), SafeTensors.parse(bytes, label + name));
  }

}
