package io.vesselseg.data;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real DRIVE folder must verify without errors; skipped when it is absent (see
 * {@link DriveRealDatasetTest#driveRoot}). Run with {@code mvn test -Dgroups=drive}.
 */
@Tag("drive")
class DatasetVerifierRealDriveTest {

  @Test
  void realDriveHasNoErrors() {
    Path root = DriveRealDatasetTest.driveRoot();
    List<DatasetVerifier.Problem> problems = DatasetVerifier.verify(root, null);
    problems.forEach(p -> System.out.println("DRIVE verify: " + p));
    assertFalse(DatasetVerifier.hasErrors(problems), problems.toString());
  }
}
