package io.vesselseg.serve;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The module's place in the design: a front door on core, which the CLI may call but never the reverse. */
class ServeModuleTest {

  @Test
  void theCliIsNotOnTheServiceClassPath() {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("picocli.CommandLine"));
    assertThrows(ClassNotFoundException.class, () -> Class.forName("io.vesselseg.cli.Main"));
  }
}
