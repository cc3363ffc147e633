package io.vesselseg.cli;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.DatasetVerifier;
import io.vesselseg.data.Datasets;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SampleSource;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The dataset options shared by train, evaluate and visualize, and the rule that a dataset folder is
 * verified before any work starts: errors stop the command with the list of problems.
 */
final class DataOptions {

  @Option(names = "--data", required = true,
      description = "dataset folder (DRIVE, CHASE_DB1, STARE, HRF or images/+masks/), or 'synthetic'")
  String data;

  @Option(names = "--format", defaultValue = "auto",
      description = "force the layout: auto, drive, chase_db1, stare, hrf, folder")
  String format;

  /** Verifies the folder (not the synthetic set), then loads {@code split}. */
  List<Sample> load(String split) {
    return open(split).loadAll();
  }

  /**
   * Each set of a comma-separated {@code --data A,B,…} (one for a single dataset): every folder verified first,
   * then {@code split} of each loaded, in order.
   */
  List<List<Sample>> loadSets(String split) {
    List<String> sets = io.vesselseg.train.TrainConfig.Data.sets(data);
    sets.forEach(d -> verify(d, sets.size() > 1 ? "set " + d + " of --data " + data + ": " : ""));
    return sets.stream().map(d -> {
      LoggerFactory.getLogger(DataOptions.class).info("{} (using {})", Datasets.describe(d, format), split);
      return Datasets.open(d, split, format).loadAll();
    }).toList();
  }

  /** Verifies the folder (not the synthetic set), then opens {@code split}, decoded a photograph at a time. */
  SampleSource open(String split) {
    verify(data, "");
    LoggerFactory.getLogger(DataOptions.class).info("{} (using {})", Datasets.describe(data, format), split);
    return Datasets.open(data, split, format);
  }

  /** Stops with the folder's errors (the first five), {@code context} first; the synthetic set has none. */
  private void verify(String data, String context) {
    if (!data.equalsIgnoreCase("synthetic")) {
      var problems = DatasetVerifier.verify(Path.of(data), format);
      if (DatasetVerifier.hasErrors(problems)) {
        var errors = problems.stream().filter(p -> p.severity() == DatasetVerifier.Severity.ERROR).toList();
        String first = errors.stream().limit(5).map(Object::toString).collect(Collectors.joining("; "));
        throw new VesselsegException.Data(context + "dataset " + data + " has " + errors.size() + " error(s): "
            + first + (errors.size() > 5 ? "; ..." : "") + " (run 'vesselseg verify --data " + data
            + "' for the full list)");
      }
    }
  }
}
