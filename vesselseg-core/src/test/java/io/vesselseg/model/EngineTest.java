package io.vesselseg.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The default thread count of ranks that share a machine. */
class EngineTest {

  @Test
  void ranksOnOneMachineSplitItsCores() {
    assertEquals(4, Engine.threadsPerProcess("4", 16));
    assertEquals(2, Engine.threadsPerProcess(" 3 ", 8)); // rounded down
    assertEquals(1, Engine.threadsPerProcess("4", 2)); // at least one
    assertEquals(0, Engine.threadsPerProcess(null, 16)); // not set: one per core
    assertEquals(0, Engine.threadsPerProcess("zero", 16));
    assertEquals(0, Engine.threadsPerProcess("0", 16));
  }
}
