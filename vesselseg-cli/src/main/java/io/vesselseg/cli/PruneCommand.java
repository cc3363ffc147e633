package io.vesselseg.cli;

import io.vesselseg.infer.Models;
import io.vesselseg.model.Pruning;
import io.vesselseg.model.SafeTensors;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg prune}: a narrower copy of one trained U-Net, to fine-tune with {@code train --init}. */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Structured channel pruning: copy one network of a model (a member of an ensemble) into the "
        + "same U-Net with fewer channels, keeping at every layer the channels with the largest BatchNorm scale. "
        + "The result has lost accuracy: fine-tune it with 'train --init FILE' (with --distill-from to learn "
        + "from the unpruned model). See docs/compact.md.")
final class PruneCommand implements Callable<Integer> {

  @Option(names = "--model", defaultValue = Models.BUILT_IN_NAME,
      description = "built-in name, run directory or model file (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--member", defaultValue = "1", description = "which network of an ensemble, 1.. (default: 1)")
  int member;

  @Option(names = "--base-channels", required = true, paramLabel = "C",
      description = "channels at full resolution of the pruned U-Net (each level keeps the same share)")
  int baseChannels;

  @Option(names = "--out", required = true, description = "the .safetensors file to write")
  Path out;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() {
    byte[] bytes = Models.bytes(model);
    String sha = Models.sha256(bytes);
    Pruning.Result r = Pruning.prune(SafeTensors.parse(bytes, model), model, sha, member, baseChannels);
    SafeTensors.write(out, r.contents().tensors(), r.contents().metadata());
    System.out.println(String.format(Locale.ROOT, "wrote %s: %s, %,d parameters (%.1f %% of member %d's %,d); "
        + "fine-tune it with: vesselseg train --init %s ...", out, r.contents().metadata().get("architecture"),
        r.parameters(), 100.0 * r.parameters() / r.before(), member, r.before(), out));
    return Main.OK;
  }
}
