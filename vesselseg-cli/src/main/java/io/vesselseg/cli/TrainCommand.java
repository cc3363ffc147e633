package io.vesselseg.cli;

import io.vesselseg.VesselsegException;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Precision;
import io.vesselseg.track.MlflowListener;
import io.vesselseg.train.ConsoleProgress;
import io.vesselseg.train.EnsembleTraining;
import io.vesselseg.train.TrainConfig;
import io.vesselseg.train.TrainConfig.Data;
import io.vesselseg.train.TrainConfig.Objective;
import io.vesselseg.train.TrainConfig.Runtime;
import io.vesselseg.train.TrainConfig.Sampling;
import io.vesselseg.train.TrainConfig.Schedule;
import io.vesselseg.train.TrainListener;
import io.vesselseg.train.TrainSummary;
import io.vesselseg.train.TrainingRun;
import io.vesselseg.train.TrainingSets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vesselseg train}: thin wrapper over {@link TrainingRun}. Every default comes from the constants of
 * {@link TrainConfig}'s groups (the shipped model's recipe), so the help shows what the library uses.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Train a U-Net on a dataset's training split (a few images held out for validation), or on "
        + "several datasets' at once: --data A,B,... (see --set-weights).")
final class TrainCommand implements Callable<Integer> {

  @picocli.CommandLine.Mixin
  DataOptions dataOptions;

  @Option(names = "--out", required = true, description = "run directory to create (or continue)")
  Path out;

  @Option(names = "--epochs", description = "epochs (default: " + Schedule.EPOCHS
      + ", or until --max-minutes when that is set)")
  Integer epochs;

  @Option(names = "--max-minutes", defaultValue = "" + Schedule.MAX_MINUTES,
      description = "stop cleanly after this many minutes; the cosine decay then runs over them (default: "
          + "${DEFAULT-VALUE}, no limit)")
  double maxMinutes;

  @Option(names = {"--batch-size", "--batch_size"}, defaultValue = "" + Schedule.BATCH_SIZE,
      description = "patches per step (default: ${DEFAULT-VALUE})")
  int batchSize;

  @Option(names = "--patch-size", defaultValue = "" + Sampling.PATCH_SIZE,
      description = "square patch side in pixels (default: ${DEFAULT-VALUE})")
  int patchSize;

  @Option(names = "--steps-per-epoch", defaultValue = "" + Schedule.STEPS_PER_EPOCH,
      description = "steps between validations (default: ${DEFAULT-VALUE})")
  int stepsPerEpoch;

  @Option(names = "--lr", description = "peak learning rate (AdamW; default: " + Schedule.LR + ", with --init "
      + Schedule.FINE_TUNE_LR + ")")
  Double lr;

  @Option(names = "--weight-decay", defaultValue = "" + Schedule.WEIGHT_DECAY,
      description = "AdamW weight decay (default: ${DEFAULT-VALUE})")
  double weightDecay;

  @Option(names = "--warmup-steps", description = "linear warm-up steps, at most a tenth of the run: of its "
      + "steps, or of --max-minutes (default: " + Schedule.WARMUP_STEPS + ", with --init "
      + Schedule.FINE_TUNE_WARMUP_STEPS + ")")
  Integer warmupSteps;

  @Option(names = "--device", defaultValue = Runtime.DEVICE,
      description = "auto, cpu or cuda (default: ${DEFAULT-VALUE})")
  String device;

  @Option(names = "--precision", defaultValue = Runtime.PRECISION,
      description = "fp32, bf16, or auto (bf16 on CUDA or CPUs with AVX512_BF16/AMX, else fp32); default "
          + "${DEFAULT-VALUE}: bf16 is faster where the hardware has it, but bf16 training cost about 0.002 F1 "
          + "on DRIVE")
  String precision;

  @Option(names = "--seed", defaultValue = "" + Runtime.SEED,
      description = "seed for the initial weights, the patches and (unless --split-seed) the validation split "
          + "(default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--split-seed", paramLabel = "SEED",
      description = "seed of the validation split (default: --seed); runs with one --split-seed and different "
          + "--seed hold out the same images, as the members of an ensemble must")
  Long splitSeed;

  @Option(names = "--validation-images", defaultValue = "" + Data.VALIDATION_IMAGES,
      description = "training images held out (default: ${DEFAULT-VALUE}; 0: train on all of them, with "
          + "--thresholds-from)")
  int validationImages;

  @Option(names = "--fold", defaultValue = "" + Data.FOLD,
      description = "hold out the Nth block of --validation-images images in the seeded order (1..training "
          + "images / validation images); train folds 1..K for K-fold cross-validation (default: "
          + "${DEFAULT-VALUE})")
  int fold;

  @Option(names = "--train-images", paramLabel = "K", defaultValue = "0",
      description = "train on only K of the images left after the validation images, chosen by --seed (the "
          + "few-label regime; recorded in the run's config); 0: all of them (default)")
  int trainImages;

  @Option(names = "--set-weights", paramLabel = "W", split = ",",
      description = "with several sets (--data A,B,...): each set's relative share of every batch, one positive "
          + "weight per set in the order of --data, e.g. 0.7,0.3 (default: equal shares, whatever the sets' sizes)")
  List<Double> setWeights;

  @Option(names = "--fov-diameter", paramLabel = "PX",
      description = "bring every training photograph to this FOV diameter in pixels (64.." + Sampling.MAX_FOV_DIAMETER
          + "), the scale the model records and prediction brings photographs to (default: the --init model's, "
          + "else the median of the training photographs)")
  Integer fovDiameter;

  @Option(names = "--thresholds-from", paramLabel = "REFERENCE",
      description = "with --validation-images 0: take the thresholds of this run directory or model file (a "
          + "run of the same recipe that held images out) or crossval --json file (the folds' pooled ones)")
  String thresholdsFrom;

  @Option(names = "--depth", defaultValue = "" + Architecture.DEPTH,
      description = "U-Net levels (default: ${DEFAULT-VALUE})")
  int depth;

  @Option(names = "--base-channels", defaultValue = "" + Architecture.BASE_CHANNELS,
      description = "U-Net channels at full size (default: ${DEFAULT-VALUE})")
  int baseChannels;

  @Option(names = "--refine-depth", defaultValue = "0",
      description = "levels of a second U-Net that reads the photograph and the first's vessel probability and "
          + "gives the prediction (a W-Net; both stages are trained; default: ${DEFAULT-VALUE}, none)")
  int refineDepth;

  @Option(names = "--refine-channels", defaultValue = "" + TrainConfig.REFINE_CHANNELS,
      description = "the second U-Net's channels at full size (with --refine-depth; default: ${DEFAULT-VALUE})")
  int refineChannels;

  @Option(names = "--threads", defaultValue = "" + Runtime.THREADS,
      description = "libtorch threads (0: one per core; default: ${DEFAULT-VALUE})")
  int threads;

  @Option(names = "--augment", defaultValue = Sampling.AUGMENT,
      description = "patch augmentation: basic (flips, quarter turns, colour jitter), strong (+ any angle, "
          + "±10%% scale), elastic (basic + a smooth random warp, 2 px at points 32 px apart) or none (default: "
          + "${DEFAULT-VALUE})")
  String augment;

  @Option(names = "--loss", defaultValue = Objective.LOSS,
      description = "bce+dice (binary cross-entropy plus soft Dice), bce, or bce+dice+cldice (the Dice weight "
          + "shared with soft clDice, which weighs thin vessels' centre lines like thick ones'); with --members, "
          + "one loss for all or a comma-separated list with one per member (default: ${DEFAULT-VALUE})")
  String loss;

  @Option(names = "--input", defaultValue = Sampling.INPUT,
      description = "input channels: rgb, or rg-clahe (blue replaced by the CLAHE-equalised green; default: "
          + "${DEFAULT-VALUE})")
  String input;

  @Option(names = "--ema", defaultValue = "" + Objective.EMA, paramLabel = "DECAY",
      description = "validate and save an exponential moving average of the weights with this decay per step "
          + "(e.g. 0.998; 0: off; default: ${DEFAULT-VALUE})")
  double ema;

  @Option(names = "--dropblock", defaultValue = "" + Objective.DROPBLOCK, paramLabel = "RATE",
      description = "DropBlock after every convolution in training: zero about this share of each feature map "
          + "in 7×7 blocks (e.g. 0.1; 0: off; default: ${DEFAULT-VALUE})")
  double dropBlock;

  @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
  boolean resume;

  @Option(names = "--members", defaultValue = "1", paramLabel = "K",
      description = "train an ensemble: K runs of this recipe with seeds --seed, --seed+1, … (one split), in "
          + "<out>/member-1..K, then <out>/best.safetensors averaging them (K times the training time)")
  int members;

  @Option(names = "--nproc", defaultValue = "1", paramLabel = "N",
      description = "data-parallel training in N processes on this machine (each trains --batch-size/N patches of "
          + "every batch; see docs/distributed.md; default: ${DEFAULT-VALUE})")
  int nproc;

  @Option(names = "--mlflow", paramLabel = "URI",
      description = "MLflow tracking server (http://host:port) to log to (default: $MLFLOW_TRACKING_URI, if set)")
  String mlflow;

  @Option(names = "--experiment", defaultValue = MlflowListener.DEFAULT_EXPERIMENT,
      description = "MLflow experiment name (default: ${DEFAULT-VALUE})")
  String experiment;

  @Option(names = "--register-as", paramLabel = "NAME", description = "register best.safetensors as this MLflow model")
  String registerAs;

  @Option(names = "--distill-from", paramLabel = "TEACHER", description = "knowledge distillation: builtin (the "
      + "model in the jar), compact, a model file or a run directory whose flip-averaged probabilities on the "
      + "training photographs are soft targets beside the labels (default: none)")
  String distillFrom;

  @Option(names = "--distill-weight", paramLabel = "W", defaultValue = "0.5", description = "with --distill-from: "
      + "the loss is (1-W) * the --loss on the labels + W * BCE against the teacher (default: ${DEFAULT-VALUE})")
  double distillWeight;

  @Option(names = "--init", paramLabel = "MODEL", description = "fine-tune: start from this trained model's "
      + "weights (builtin, compact, a model file or a run directory; of an ensemble its first network), with its "
      + "architecture, input and scale; thresholds are picked again on this run's validation images (default: "
      + "fresh weights)")
  String init;

  @Option(names = "--freeze", paramLabel = "PART", description = "with --init: encoder keeps the encoder's "
      + "weights (the contracting path and the bottleneck) as they are and trains the rest (default: nothing)")
  String freeze;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--verbose", description = "stack traces on errors")
  boolean verbose;

  /** The configuration the options ask for (of the first member, with {@code --members}). */
  TrainConfig config() {
    int e = epochs != null ? epochs : (maxMinutes > 0 ? 0 : Schedule.EPOCHS);
    boolean fineTune = init != null && !init.isBlank();
    if (fineTune) { // the architecture and input are the trained model's
      List<String> given = List.of("--depth", "--base-channels", "--refine-depth", "--refine-channels", "--input")
          .stream().filter(o -> spec != null && spec.commandLine().getParseResult().hasMatchedOption(o)).toList();
      if (!given.isEmpty()) {
        throw new VesselsegException.Usage("--init " + init + " gives the architecture and the input: leave out "
            + String.join(", ", given));
      }
    }
    if (fovDiameter != null && fovDiameter <= 0) { // 0 means "the default" inside the config, never on the line
      throw new VesselsegException.Usage("--fov-diameter " + fovDiameter + " " + Sampling.FOV_DIAMETER_RULE);
    }
    double peak = lr != null ? lr : fineTune ? Schedule.FINE_TUNE_LR : Schedule.LR;
    int warmup = warmupSteps != null ? warmupSteps : fineTune ? Schedule.FINE_TUNE_WARMUP_STEPS : Schedule.WARMUP_STEPS;
    return new TrainConfig(
        new Data(dataOptions.data, validationImages, fold, splitSeed, thresholdsFrom, trainImages,
            setWeights == null ? List.of() : setWeights),
        new Schedule(e, stepsPerEpoch, maxMinutes, batchSize, peak, weightDecay, warmup),
        new Sampling(patchSize, augment, input, fovDiameter == null ? 0 : fovDiameter),
        new Objective(EnsembleTraining.memberLosses(loss, members).get(0), ema, dropBlock,
            distillFrom == null ? "" : distillFrom, distillWeight, init, freeze),
        new Architecture(depth, baseChannels, refineDepth, refineDepth == 0 ? 0 : refineChannels),
        new Runtime(out, device, Precision.resolve(precision, ComputeDevice.resolve(device)), threads, seed,
            resume));
  }

  @Override
  public Integer call() {
    List<String> losses = EnsembleTraining.memberLosses(loss, members);
    TrainConfig cfg = config();
    if (nproc != 1) {
      return launchRanks(cfg);
    }
    TrainingSets images = TrainingSets.ofSets(dataOptions.loadSets("training"));
    if (members != 1) {
      return trainEnsemble(cfg, losses, images);
    }
    // of a data-parallel run's ranks only rank 0 reports (torchrun's RANK; unset: a single process)
    boolean rankZero = System.getenv("RANK") == null || System.getenv("WORLD_SIZE") == null
        || System.getenv("RANK").trim().equals("0");
    Optional<MlflowListener> tracking = rankZero ? MlflowListener.fromOptions(mlflow, experiment, registerAs)
        : Optional.empty();
    TrainSummary s;
    try (GracefulStop stop = gracefulStop()) {
      try {
        s = TrainingRun.execute(cfg, images, new ConsoleProgress(System.out, Main.tty()),
            tracking.<List<TrainListener>>map(List::of).orElse(List.of()), stop.requested());
      } finally {
        tracking.ifPresent(MlflowListener::close);
      }
      if (s.interrupted()) {
        return Main.INTERRUPTED;
      }
    }
    if (rankZero) {
      System.out.println("model: " + cfg.runtime().out().resolve("best.safetensors"));
    }
    return s.epochs() > 0 ? Main.OK : Main.FAILURE;
  }

  /** {@code --nproc N}: this command line without {@code --nproc}, run as N ranks. */
  private int launchRanks(TrainConfig cfg) {
    if (nproc < 1) {
      throw new VesselsegException.Usage("--nproc " + nproc + " must be at least 1");
    }
    if (members != 1) {
      throw new VesselsegException.Usage("--nproc trains one run in " + nproc + " processes and --members " + members
          + " makes " + members + " runs: train the members one after another, each with --nproc");
    }
    if (System.getenv("WORLD_SIZE") != null) {
      throw new VesselsegException.Usage("--nproc starts the processes itself, but WORLD_SIZE is already set (a "
          + "launcher such as torchrun started this one): leave out --nproc");
    }
    if (cfg.schedule().batchSize() % nproc != 0) {
      throw new VesselsegException.Usage("--batch-size " + cfg.schedule().batchSize() + " is the global batch and "
          + "must be a multiple of --nproc " + nproc + "; use e.g. " + nproc * Math.max(1,
          cfg.schedule().batchSize() / nproc));
    }
    List<String> args = new ArrayList<>(spec.root().commandLine().getParseResult().originalArgs());
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--nproc")) {
        args.subList(i, i + 2).clear();
        break;
      } else if (args.get(i).startsWith("--nproc=")) {
        args.remove(i);
        break;
      }
    }
    return DataParallelLauncher.launch(nproc, args);
  }

  /** {@code --members K}: each member is a run of its own (and its own MLflow run when tracking). */
  private int trainEnsemble(TrainConfig cfg, List<String> losses, TrainingSets images) {
    if (registerAs != null) {
      throw new VesselsegException.Usage("--register-as registers one run's model, and --members " + members
          + " makes " + members + " runs: register the ensemble's best.safetensors once training ends");
    }
    List<TrainSummary> done;
    try (GracefulStop stop = gracefulStop()) {
      done = EnsembleTraining.execute(cfg, losses, images, () -> new ConsoleProgress(System.out, Main.tty()),
          () -> MlflowListener.fromOptions(mlflow, experiment, null).<List<TrainListener>>map(List::of)
              .orElse(List.of()), stop.requested());
    }
    if (!done.isEmpty() && done.get(done.size() - 1).interrupted()) {
      return Main.INTERRUPTED;
    }
    System.out.println("model: " + cfg.runtime().out().resolve("best.safetensors") + " (ensemble of " + members
        + ")");
    return Main.OK;
  }

  private static GracefulStop gracefulStop() {
    return new GracefulStop("stop requested: finishing the current step (kill -9 ends it at once; the last "
        + "epoch's checkpoint survives that too)");
  }
}
