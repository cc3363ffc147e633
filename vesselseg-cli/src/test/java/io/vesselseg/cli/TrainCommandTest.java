package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.model.Architecture;
import io.vesselseg.train.TrainConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code train}'s options resolve to the library's configuration, defaults included (nothing is trained). */
class TrainCommandTest {

  private static TrainCommand parse(String... args) {
    TrainCommand cmd = new TrainCommand();
    new CommandLine(cmd).parseArgs(args);
    return cmd;
  }

  @Test
  void noOptionsAreTheLibrarysDefaultsTheShippedRecipe() {
    assertEquals(TrainConfig.defaults("synthetic", Path.of("x")), parse("--data", "synthetic", "--out", "x").config());
  }

  @Test
  void aTimeBudgetReplacesTheEpochsAndTheSplitFollowsTheSeed() {
    TrainConfig timed = parse("--data", "synthetic", "--out", "x", "--max-minutes", "5", "--seed", "7").config();
    assertEquals(TrainConfig.Schedule.defaults().withBudget(5), timed.schedule());
    assertEquals(7, timed.data().splitSeed());
    TrainConfig both = parse("--data", "synthetic", "--out", "x", "--max-minutes", "5", "--epochs", "3").config();
    assertEquals(3, both.schedule().epochs(), "--epochs given stays, the budget caps it");
  }

  @Test
  void aSecondStageGetsItsDefaultChannelsAndNoneGetsNone() {
    TrainConfig w = parse("--data", "synthetic", "--out", "x", "--refine-depth", "2").config();
    assertEquals(new Architecture(Architecture.DEPTH, Architecture.BASE_CHANNELS, 2, TrainConfig.REFINE_CHANNELS),
        w.architecture());
  }

  @Test
  void fineTuningLowersTheLearningRateAndTakesTheArchitectureFromTheModel() {
    TrainConfig t = parse("--data", "synthetic", "--out", "x", "--init", "builtin", "--freeze", "encoder").config();
    assertEquals(TrainConfig.Schedule.FINE_TUNE_LR, t.schedule().lr());
    assertEquals(TrainConfig.Schedule.FINE_TUNE_WARMUP_STEPS, t.schedule().warmupSteps());
    assertEquals("builtin", t.objective().init());
    assertEquals("encoder", t.objective().freeze());
    assertEquals(1e-3, parse("--data", "synthetic", "--out", "x", "--init", "builtin", "--lr", "1e-3").config()
        .schedule().lr(), "a given --lr stays");
    var e = org.junit.jupiter.api.Assertions.assertThrows(io.vesselseg.VesselsegException.Usage.class,
        () -> parse("--data", "synthetic", "--out", "x", "--init", "builtin", "--depth", "3").config());
    assertTrue(e.getMessage().contains("leave out --depth"), e.getMessage());
  }

  @Test
  void theHelpShowsTheDefaults() {
    String help = new CommandLine(new TrainCommand()).getUsageMessage();
    for (String shown : new String[] {"patches per step (default: 28)", "patch side in pixels (default: 96)",
        "(default: 32, or until --max-minutes", "default fp32", "(default: 42)", "(default: 200, with --init 50)",
        "default: 0.002, with --init 2.0E-4)"}) {
      assertTrue(help.replaceAll("\\s+", " ").contains(shown), shown + " in:\n" + help);
    }
  }
}
