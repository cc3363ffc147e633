package io.vesselseg.cli;

import io.vesselseg.data.DatasetVerifier;
import io.vesselseg.data.Datasets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vesselseg verify}: every problem of a dataset folder at once, one line each. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Check a dataset folder: unreadable files, unpaired images/labels, size mismatches, "
        + "non-binary labels, empty or missing FOV, duplicates, unusual sizes. Exit 3 on any error.")
final class VerifyCommand implements Callable<Integer> {

  @Option(names = "--data", required = true, description = "dataset folder")
  Path data;

  @Option(names = "--format", defaultValue = "auto",
      description = "force the layout: auto, drive, chase_db1, stare, hrf, folder")
  String format;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() {
    var problems = DatasetVerifier.verify(data, format);
    problems.forEach(System.out::println);
    long errors = problems.stream().filter(p -> p.severity() == DatasetVerifier.Severity.ERROR).count();
    if (errors > 0) {
      System.err.println("error: " + data + ": " + errors + " error(s), " + (problems.size() - errors)
          + " warning(s)");
      return Main.DATA;
    }
    System.out.println(Datasets.describe(data.toString(), format) + ": no errors, "
        + problems.size() + " warning(s)");
    return Main.OK;
  }
}
