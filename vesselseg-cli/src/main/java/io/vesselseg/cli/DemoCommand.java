package io.vesselseg.cli;

import io.vesselseg.eval.VesselMask;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.Datasets;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.infer.ModelEvaluation;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Precision;
import io.vesselseg.train.ConsoleProgress;
import io.vesselseg.train.TrainConfig;
import io.vesselseg.train.TrainingRun;
import io.vesselseg.viz.Overlay;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vesselseg demo}: the whole pipeline on the built-in synthetic fundus generator, about a minute on
 * two cores: train, evaluate on unseen synthetic images, write predictions and error overlays.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Train, evaluate and predict on synthetic fundus images (no download, about a minute).")
final class DemoCommand implements Callable<Integer> {

  @Option(names = {"--out", "--output"}, defaultValue = "vesselseg-demo",
      description = "output folder (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--max-minutes", defaultValue = "1.0", description = "training time budget")
  double maxMinutes;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda")
  String device;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() {
    Path runDir = out.resolve("run");
    clearPreviousDemo(runDir);
    // a minute's recipe: smaller patches, fewer and shorter epochs, a higher rate; bf16 where it is fast
    TrainConfig cfg = new TrainConfig(TrainConfig.Data.defaults("synthetic"),
        new TrainConfig.Schedule(8, 40, maxMinutes, 16, 3e-3, 1e-4, 40),
        new TrainConfig.Sampling(64, TrainConfig.Sampling.AUGMENT, TrainConfig.Sampling.INPUT),
        TrainConfig.Objective.defaults(), Architecture.defaults(),
        new TrainConfig.Runtime(runDir, device, Precision.resolve("auto", ComputeDevice.resolve(device)), 0, 7,
            false));
    List<Sample> train = Datasets.load("synthetic", "training");
    List<Sample> test = Datasets.load("synthetic", "test");
    System.out.println("demo: training on " + train.size() + " synthetic fundus images for up to "
        + maxMinutes + " min ...");
    TrainingRun.execute(cfg, train, new ConsoleProgress(System.out, Main.tty()), List.of());

    Checkpoint.Loaded loaded = Checkpoint.load(runDir.resolve("best.safetensors"),
        ComputeDevice.resolve(device), Precision.FP32);
    Path pictures = out.resolve("predictions");
    try (var net = loaded.network()) {
      float t = loaded.meta().thresholds().plain();
      var result = ModelEvaluation.run(new Predictor(net, false), test, t, false, 0, (s, p, score) -> {
        byte[] mask = VesselMask.of(p, t, s.fov());
        ImageFiles.writePng(pictures.resolve(s.id() + "_photo.png"), Overlay.photo(s.rgb(), s.width(),
            s.height()));
        ImageFiles.writeGreyPng(pictures.resolve(s.id() + "_prob.png"), Overlay.grey(p), s.width(),
            s.height());
        ImageFiles.writeMaskPng(pictures.resolve(s.id() + "_mask.png"), mask, s.width(), s.height());
        ImageFiles.writePng(pictures.resolve(s.id() + "_overlay.png"),
            Overlay.errors(s.rgb(), s.width(), s.height(), mask, s.vessel(), s.fov()));
      });
      System.out.println("\nscores on " + test.size() + " unseen synthetic images (inside the FOV):");
      System.out.println(result.model().toTable());
      Map<String, Object> doc = new LinkedHashMap<>(result.model().toJson());
      EvaluateCommand.write(out.resolve("metrics.json"), doc);
    }
    System.out.println("\nrun directory (model, run.json, metrics.csv): " + runDir.toAbsolutePath());
    System.out.println("predictions and overlays (green: found, red: false alarm, blue: missed): "
        + pictures.toAbsolutePath());
    System.out.println("metrics: " + out.resolve("metrics.json").toAbsolutePath());
    return Main.OK;
  }

  /** Removes a previous demo run (only a folder that holds a run.json, i.e. one this command made). */
  private static void clearPreviousDemo(Path runDir) {
    if (!Files.isRegularFile(runDir.resolve("run.json"))) {
      return;
    }
    try (Stream<Path> walk = Files.walk(runDir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new VesselsegException.Data("cannot remove the previous demo run " + runDir + ": "
          + e.getMessage(), e);
    }
  }
}
