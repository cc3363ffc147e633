package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * batch and bench spark without Spark on the class path (Spark is provided in vesselseg-spark, so this module's
 * tests do not see it; vesselseg-spark's BatchJobTest runs the job itself): one clear usage error naming the way
 * out, nothing written. ./vesselseg adds Spark's jars for these two commands.
 */
class BatchCommandTest {

  @Test
  void withoutSparkOnTheClassPathTheCommandSaysHowToGetIt(@TempDir Path dir) {
    Path out = dir.resolve("out");
    CliTest.Outcome o = CliTest.run("batch", "--master", "local[2]", "--input", dir.toString(), "--output",
        out.toString(), "--model", "compact");
    assertEquals(Main.USAGE, o.code(), o.err());
    assertTrue(o.err().startsWith("error: Apache Spark is not on the class path"), o.err());
    assertTrue(o.err().contains("spark-classpath.txt"), o.err());
    assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
    assertFalse(Files.exists(out));
    CliTest.Outcome b = CliTest.run("bench", "spark", "--photos", "2");
    assertEquals(Main.USAGE, b.code(), b.err());
  }

  @Test
  void aBadRescaleIsAUsageError(@TempDir Path dir) {
    CliTest.Outcome o = CliTest.run("batch", "--input", dir.toString(), "--output", dir.resolve("o").toString(),
        "--rescale", "sometimes");
    assertEquals(Main.USAGE, o.code());
    assertTrue(o.err().contains("expected auto or none"), o.err());
  }
}
