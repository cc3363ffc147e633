package io.vesselseg.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.InputChannels;
import io.vesselseg.data.PatchSampler;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Loss;
import io.vesselseg.model.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a training run needs, resolved and validated, in one immutable record per concern: which images
 * train and validate ({@link Data}), how long and how fast it learns ({@link Schedule}), what a step sees
 * ({@link Sampling}), what the weights are trained towards and which are kept ({@link Objective}), the network
 * ({@link Architecture}) and where and how it runs ({@link Runtime}). Each group checks its own fields; the
 * rules that join groups are checked here. A broken rule is a {@link VesselsegException.Usage} whose message
 * names the CLI flag, the value and the rule ({@code --batch-size 0 must be in 1..1024}).
 *
 * <p>The defaults ({@code defaults()} of each group, and the constants the CLI shows) are the recipe of each
 * member of the shipped model ({@code drive-unet.safetensors}): 32 epochs of 100 AdamW steps (lr 2e-3, weight
 * decay 1e-4, 200 warm-up steps, cosine decay), batch 28 of 96² patches, basic augmentation, BCE + soft Dice,
 * a 4-level 16-channel U-Net, fp32, seed 42; 3 training images held out for validation (the shipped members
 * are refits on every image, {@code --validation-images 0}, with a cross-validation's thresholds).
 *
 * <p>{@link #toJson()} is the one serialised form (run.json, model-file metadata, MLflow params through
 * {@link #flat()}): an object per group whose field names are the CLI flags with {@code _} for {@code -}
 * ({@code "schedule": {"batch_size": 28, ...}}). {@link #fromJson} also reads the flat map earlier versions
 * stored.
 *
 * @param data         images and split
 * @param schedule     optimiser and schedule
 * @param sampling     patches and their augmentation
 * @param objective    loss, DropBlock and weight average
 * @param architecture the network's shape
 * @param runtime      run directory, device, precision, threads, seed, resume
 */
public record TrainConfig(Data data, Schedule schedule, Sampling sampling, Objective objective,
    Architecture architecture, Runtime runtime) {

  /** Second-stage channels when {@code --refine-depth} is given without {@code --refine-channels}. */
  public static final int REFINE_CHANNELS = 8;

  public TrainConfig {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(sampling, "sampling");
    Objects.requireNonNull(objective, "objective");
    Objects.requireNonNull(architecture, "architecture");
    Objects.requireNonNull(runtime, "runtime");
    if (data.splitSeed() == null) { // the validation images are shuffled with the run's own seed
      data = data.withSplitSeed(runtime.seed());
    }
    require(sampling.patchSize() % architecture.multiple() == 0, "patch-size", sampling.patchSize(),
        "must be a multiple of " + architecture.multiple()
            + (architecture.refined() ? " (2^depth of the deeper stage)" : " (2^depth)"));
  }

  /** The shipped model's recipe on {@code data}, written to {@code out}. */
  public static TrainConfig defaults(String data, Path out) {
    return new TrainConfig(Data.defaults(data), Schedule.defaults(), Sampling.defaults(), Objective.defaults(),
        Architecture.defaults(), Runtime.defaults(out));
  }

  private static void require(boolean ok, String flag, Object value, String rule) {
    if (!ok) {
      throw new VesselsegException.Usage("--" + flag + " " + value + " " + rule);
    }
  }

  /**
   * Which images train and which are held out to pick the checkpoint and threshold.
   *
   * @param dataset          dataset folder, or "synthetic" ({@code --data})
   * @param validationImages training images held out (chosen by {@code splitSeed}); 0 trains on every image,
   *                         keeps the last epoch and takes the thresholds from {@code thresholdsFrom}
   * @param fold             which block of {@code validationImages} images, in the seeded order, is held out
   *                         (1..K, K = training images / validationImages): folds 1..K are a K-fold
   *                         cross-validation; fold 1 is the split every earlier version used
   * @param splitSeed        seed of the shuffle that picks the validation images; null: the run's seed (the
   *                         {@link TrainConfig} fills it in). Runs that differ only in their seed but share it
   *                         hold out the same images, e.g. the members of an ensemble
   * @param thresholdsFrom   with no validation images: the model file or run directory of a run of the same
   *                         recipe that held images out, or the crossval JSON of its folds, whose thresholds
   *                         this model takes ("" otherwise)
   * @param trainImages      train on only this many of the images left after the validation images are held
   *                         out, chosen by the run's seed (the few-label regime); 0: all of them
   * @param setWeights       with several sets ({@code dataset} {@code A,B,…}): each set's share of every batch,
   *                         relative (one positive weight per set); empty: equal shares
   */
  public record Data(@JsonProperty("data") String dataset, int validationImages, int fold, Long splitSeed,
      String thresholdsFrom, int trainImages, List<Double> setWeights) {

    public static final int VALIDATION_IMAGES = 3;
    public static final int FOLD = 1;

    public Data {
      thresholdsFrom = thresholdsFrom == null ? "" : thresholdsFrom;
      require(dataset != null && !dataset.isBlank(), "data", dataset, "must name a dataset folder or 'synthetic'");
      setWeights = setWeights == null ? List.of() : List.copyOf(setWeights);
      List<String> sets = sets(dataset);
      require(sets.stream().noneMatch(String::isBlank), "data", dataset,
          "names an empty set: give dataset folders (or 'synthetic') separated by single commas");
      require(sets.stream().distinct().count() == sets.size(), "data", dataset,
          "names a set twice: give each set once (--set-weights gives one a larger share)");
      require(setWeights.isEmpty() || setWeights.size() == sets.size(), "set-weights", join(setWeights),
          "gives " + setWeights.size() + " weight(s) for " + sets.size() + " set(s) (--data " + dataset + "): give "
              + "one weight per set, in the order of --data, or leave it out for equal shares");
      require(setWeights.stream().allMatch(w -> w > 0 && Double.isFinite(w)), "set-weights", join(setWeights),
          "must all be positive numbers (a set's relative share of every batch; to train without a set, leave "
              + "it out of --data)");
      require(validationImages >= 0, "validation-images", validationImages, "must be >= 0");
      require(trainImages >= 0, "train-images", trainImages, "must be >= 0 (0: every training image)");
      require(fold >= 1, "fold", fold, "must be >= 1 (folds are numbered from 1)");
      require(fold == 1 || validationImages > 0, "fold", fold,
          "needs images held out: with --validation-images 0 there is nothing to fold");
      require(validationImages > 0 || !thresholdsFrom.isBlank(), "validation-images", validationImages,
          "trains on every image and leaves none to pick the threshold on: add --thresholds-from <run dir or "
              + "model file> of a run of the same recipe that held images out, or <crossval --json file> of its "
              + "folds");
      require(validationImages == 0 || thresholdsFrom.isBlank(), "thresholds-from", thresholdsFrom,
          "is only for --validation-images 0 (otherwise the held-out images pick the threshold)");
    }

    /** Training on every image that is not held out. */
    public Data(String dataset, int validationImages, int fold, Long splitSeed, String thresholdsFrom) {
      this(dataset, validationImages, fold, splitSeed, thresholdsFrom, 0);
    }

    /** One set, or several in equal shares. */
    public Data(String dataset, int validationImages, int fold, Long splitSeed, String thresholdsFrom,
        int trainImages) {
      this(dataset, validationImages, fold, splitSeed, thresholdsFrom, trainImages, List.of());
    }

    /** The sets of {@code dataset}: its comma-separated parts ({@code --data A,B}), each stripped. */
    public static List<String> sets(String dataset) {
      return List.of(dataset.split(",", -1)).stream().map(String::strip).toList();
    }

    /** The sets this run trains on, in order (one for a single dataset). */
    public List<String> sets() {
      return sets(dataset);
    }

    /** Each set's share of every batch, summing to 1: the weights normalised, or equal shares. */
    public List<Double> shares() {
      int k = sets().size();
      double sum = setWeights.isEmpty() ? k : setWeights.stream().mapToDouble(Double::doubleValue).sum();
      return setWeights.isEmpty() ? java.util.Collections.nCopies(k, 1.0 / k)
          : setWeights.stream().map(w -> w / sum).toList();
    }

    private static String join(List<Double> weights) {
      return String.join(",", weights.stream().map(w -> String.valueOf(w)).toList());
    }

    /** {@code dataset} with {@value #VALIDATION_IMAGES} images held out (fold 1), split by the run's seed. */
    public static Data defaults(String dataset) {
      return new Data(dataset, VALIDATION_IMAGES, FOLD, null, "");
    }

    public Data withSplitSeed(Long seed) {
      return new Data(dataset, validationImages, fold, seed, thresholdsFrom, trainImages, setWeights);
    }

    /** Train on {@code k} of the images left after the validation images (0: all of them). */
    public Data withTrainImages(int k) {
      return new Data(dataset, validationImages, fold, splitSeed, thresholdsFrom, k, setWeights);
    }

    /** Train on every image, taking the thresholds of {@code reference} ({@code --validation-images 0}). */
    public Data onEveryImage(String reference) {
      return new Data(dataset, 0, 1, splitSeed, reference, trainImages, setWeights);
    }
  }

  /**
   * How long and how fast the network learns: AdamW with a linear warm-up then cosine decay to zero
   * ({@link LrSchedule}). {@code epochs == 0} with a time budget means "until the budget runs out"; the cosine
   * then runs over the budget instead of the step count.
   *
   * @param epochs        number of epochs (0: as many as {@code maxMinutes} allows)
   * @param stepsPerEpoch optimisation steps between validations
   * @param maxMinutes    wall-clock budget in minutes (0: none)
   * @param batchSize     patches per step
   * @param lr            peak learning rate
   * @param weightDecay   AdamW weight decay
   * @param warmupSteps   linear warm-up steps, at most a tenth of the run (of its steps, or of its budget)
   */
  public record Schedule(int epochs, int stepsPerEpoch, double maxMinutes, int batchSize, double lr,
      double weightDecay, int warmupSteps) {

    public static final int EPOCHS = 32;
    public static final int STEPS_PER_EPOCH = 100;
    public static final double MAX_MINUTES = 0;
    public static final int BATCH_SIZE = 28;
    public static final double LR = 2e-3;
    public static final double WEIGHT_DECAY = 1e-4;
    public static final int WARMUP_STEPS = 200;
    /** Fine-tuning ({@code --init}) defaults: a tenth of the learning rate, a short warm-up. */
    public static final double FINE_TUNE_LR = 2e-4;
    public static final int FINE_TUNE_WARMUP_STEPS = 50;

    public Schedule {
      require(epochs >= 0, "epochs", epochs, "must be >= 0");
      require(epochs > 0 || maxMinutes > 0, "epochs", epochs, "must be > 0 unless --max-minutes is given");
      require(stepsPerEpoch >= 1, "steps-per-epoch", stepsPerEpoch, "must be >= 1");
      require(maxMinutes >= 0 && maxMinutes <= 60 * 24 * 14, "max-minutes", maxMinutes, "must be in 0..20160");
      require(batchSize >= 1 && batchSize <= 1024, "batch-size", batchSize, "must be in 1..1024");
      require(lr > 0 && lr < 1, "lr", lr, "must be in (0, 1)");
      require(weightDecay >= 0 && weightDecay < 1, "weight-decay", weightDecay, "must be in [0, 1)");
      require(warmupSteps >= 0, "warmup-steps", warmupSteps, "must be >= 0");
    }

    /** 32 epochs of 100 steps of 28 patches, AdamW 2e-3 with weight decay 1e-4, 200 warm-up steps. */
    public static Schedule defaults() {
      return new Schedule(EPOCHS, STEPS_PER_EPOCH, MAX_MINUTES, BATCH_SIZE, LR, WEIGHT_DECAY, WARMUP_STEPS);
    }

    public Schedule withEpochs(int e) {
      return new Schedule(e, stepsPerEpoch, maxMinutes, batchSize, lr, weightDecay, warmupSteps);
    }

    /** Runs for a wall-clock budget: as many epochs as {@code minutes} allow. */
    public Schedule withBudget(double minutes) {
      return new Schedule(0, stepsPerEpoch, minutes, batchSize, lr, weightDecay, warmupSteps);
    }

    /** The steps the run makes; 0 when it runs until its budget does. */
    public long totalSteps() {
      return epochs > 0 ? (long) epochs * stepsPerEpoch : 0;
    }

    /** The learning rate of every step. */
    public LrSchedule lrSchedule() {
      return new LrSchedule(lr, warmupSteps, totalSteps(), maxMinutes * 60);
    }
  }

  /**
   * What one step trains on: random patches centred on FOV pixels, augmented, turned into the input channels.
   *
   * @param patchSize square patch side in pixels
   * @param augment   patch augmentation preset ({@link PatchSampler.Augmentation#named})
   * @param input       what the input channels hold ({@link InputChannels} label)
   * @param fovDiameter the FOV diameter (pixels) every training photograph is brought to, which the model
   *                    records as the scale prediction brings photographs to; 0: the {@code init} model's,
   *                    else the median of the training photographs
   */
  public record Sampling(int patchSize, String augment, String input, int fovDiameter) {

    public static final int PATCH_SIZE = 96;
    public static final String AUGMENT = "basic";
    public static final String INPUT = "rgb";
    /** The FOV diameters {@code --fov-diameter} accepts, in pixels. */
    public static final int MIN_FOV_DIAMETER = 64;
    public static final int MAX_FOV_DIAMETER = 16384;

    public Sampling {
      require(fovDiameter == 0 || (fovDiameter >= MIN_FOV_DIAMETER && fovDiameter <= MAX_FOV_DIAMETER),
          "fov-diameter", fovDiameter, FOV_DIAMETER_RULE);
      require(patchSize >= 16 && patchSize <= 2048, "patch-size", patchSize, "must be in 16..2048");
      require(PatchSampler.Augmentation.isName(augment), "augment", augment,
          "must be one of: " + PatchSampler.Augmentation.NAMES);
      require(InputChannels.labels().contains(input), "input", input, "must be one of: " + InputChannels.labels());
    }

    /** What {@code --fov-diameter} must be. */
    public static final String FOV_DIAMETER_RULE = "must be a FOV diameter in pixels in " + MIN_FOV_DIAMETER + ".."
        + MAX_FOV_DIAMETER + " (e.g. 540 for DRIVE's scale); leave it out for the --init model's, else the median "
        + "of the training photographs";

    /** Photographs at the {@code init} model's scale, else at the training photographs' median. */
    public Sampling(int patchSize, String augment, String input) {
      this(patchSize, augment, input, 0);
    }

    /** 96² RGB patches with flips, quarter turns and colour jitter. */
    public static Sampling defaults() {
      return new Sampling(PATCH_SIZE, AUGMENT, INPUT);
    }

    public Sampling withPatchSize(int side) {
      return new Sampling(side, augment, input, fovDiameter);
    }

    /** The photographs brought to a FOV diameter of {@code pixels} (0: the default, see the record). */
    public Sampling withFovDiameter(int pixels) {
      return new Sampling(patchSize, augment, input, pixels);
    }

    /** The input channels as an {@link InputChannels}. */
    public InputChannels inputChannels() {
      return InputChannels.parse(input);
    }

    /** The augmentation as a {@link PatchSampler.Augmentation}. */
    public PatchSampler.Augmentation augmentation() {
      return PatchSampler.Augmentation.named(augment);
    }
  }

  /**
   * What the weights are trained towards and which weights are kept.
   *
   * @param loss          a {@link Loss} label: {@code bce+dice}, {@code bce} or {@code bce+dice+cldice}
   * @param ema           decay of the exponential moving average of the weights that is validated and saved (0:
   *                      the raw weights are)
   * @param dropBlock     share of each feature map DropBlock zeroes after every convolution in training (0: off)
   * @param distillFrom   knowledge distillation: the teacher model ({@value #BUILT_IN_TEACHER}, a built-in
   *                      model's name, a model file or a run directory) whose flip-averaged probabilities on
   *                      the training photographs are soft targets beside the labels ("" : none)
   * @param distillWeight W in (1 − W) · the loss on the labels + W · BCE(logits, teacher probabilities)
   * @param init          fine-tuning: the trained model (a built-in model's name, a model file or a run
   *                      directory) whose first network the weights start from ("" : fresh weights)
   * @param freeze        with {@code init}: {@value #FREEZE_ENCODER} keeps the encoder's weights as they are
   *                      ("" : everything trains)
   */
  public record Objective(String loss, double ema, @JsonProperty("dropblock") double dropBlock,
      String distillFrom, double distillWeight, String init, String freeze) {

    /** The losses {@code --loss} accepts. */
    public static final List<String> LOSSES = Loss.labels();
    public static final String LOSS = "bce+dice";
    public static final double EMA = 0;
    public static final double DROPBLOCK = 0;
    /** The teacher name that means the model shipped in the jar (the four-network ensemble). */
    public static final String BUILT_IN_TEACHER = "builtin";
    public static final double DISTILL_WEIGHT = 0.5;

    /** What {@code --freeze} accepts besides nothing. */
    public static final String FREEZE_ENCODER = "encoder";

    public Objective {
      distillFrom = distillFrom == null ? "" : distillFrom;
      init = init == null ? "" : init;
      freeze = freeze == null ? "" : freeze;
      require(freeze.isEmpty() || freeze.equals(FREEZE_ENCODER), "freeze", freeze, "must be " + FREEZE_ENCODER);
      require(freeze.isEmpty() || !init.isEmpty(), "freeze", freeze, "needs --init (trained weights to keep)");
      require(LOSSES.contains(loss), "loss", loss, "must be one of: " + String.join(", ", LOSSES));
      require(ema == 0 || (ema >= 0.5 && ema < 1), "ema", ema, "must be 0 (off) or in [0.5, 1)");
      require(dropBlock >= 0 && dropBlock <= 0.5, "dropblock", dropBlock, "must be in [0, 0.5] (0: off)");
      require(distillWeight >= 0 && distillWeight <= 1, "distill-weight", distillWeight, "must be in [0, 1]");
    }

    /** Fresh weights, nothing frozen. */
    public Objective(String loss, double ema, double dropBlock, String distillFrom, double distillWeight) {
      this(loss, ema, dropBlock, distillFrom, distillWeight, "", "");
    }

    /** BCE + soft Dice, no weight average, no DropBlock, no distillation, fresh weights. */
    public static Objective defaults() {
      return new Objective(LOSS, EMA, DROPBLOCK, "", DISTILL_WEIGHT);
    }

    public Objective withLoss(String l) {
      return new Objective(l, ema, dropBlock, distillFrom, distillWeight, init, freeze);
    }

    /** Distillation from {@code teacher} ("" : none) with weight {@code weight}. */
    public Objective withDistillation(String teacher, double weight) {
      return new Objective(loss, ema, dropBlock, teacher, weight, init, freeze);
    }

    /** Fine-tuning from the model {@code model} ("" : fresh weights), {@code frozen} ("" or encoder) kept. */
    public Objective withInit(String model, String frozen) {
      return new Objective(loss, ema, dropBlock, distillFrom, distillWeight, model, frozen);
    }

    /** True when the weights start from a trained model. */
    public boolean initializes() {
      return !init.isBlank();
    }

    /** True when a teacher's probabilities are soft targets. */
    public boolean distills() {
      return !distillFrom.isBlank();
    }

    /** The loss as a {@link Loss}. */
    public Loss lossFunction() {
      return Loss.named(loss);
    }
  }

  /**
   * Where and how the run executes. The precision is part of the recipe too (bf16 training measured 0.002 F1
   * below fp32 on DRIVE); the others do not change what is learnt, except the seed, which picks the initial
   * weights and the patches of every epoch.
   *
   * @param out       run directory
   * @param device    {@code auto}, {@code cpu} or {@code cuda}
   * @param precision forward-pass precision, resolved ({@link Precision#resolve})
   * @param threads   libtorch threads (0: one per core)
   * @param seed      seed of the initial weights, of the patches sampled each epoch and (unless the split
   *                  seed is given) of the validation split
   * @param resume    continue the run in {@code out} from its last checkpoint
   */
  public record Runtime(Path out, String device, Precision precision, int threads, long seed, boolean resume) {

    public static final String DEVICE = "auto";
    /** fp32: bf16 training cost about 0.002 F1 on DRIVE (docs/ABLATION.md), so it is asked for, not assumed. */
    public static final String PRECISION = "fp32";
    public static final int THREADS = 0;
    public static final long SEED = 42;

    public Runtime {
      require(out != null, "out", out, "must name a run directory");
      require(device != null && !device.isBlank(), "device", device, "must be auto, cpu or cuda");
      require(precision != null && precision != Precision.INT8, "precision", precision, "must be bf16 or fp32 "
          + "(int8 is for predictions: train in fp32, then calibrate with vesselseg quantize)");
      require(threads >= 0 && threads <= 1024, "threads", threads, "must be in 0..1024 (0: all cores)");
    }

    /** A new run in {@code out}: any device, fp32, every core, seed 42. */
    public static Runtime defaults(Path out) {
      return new Runtime(out, DEVICE, Precision.parse(PRECISION), THREADS, SEED, false);
    }

    /** Another run ({@code runOut}, {@code runSeed}), resumed or not: e.g. a member of an ensemble. */
    public Runtime withRun(Path runOut, long runSeed, boolean runResume) {
      return new Runtime(runOut, device, precision, threads, runSeed, runResume);
    }
  }

  /**
   * The settings that make a recipe: two runs that agree on them learn the same way, whatever their seed,
   * split, threshold source, directory, device or thread count. Thresholds picked for one recipe are borrowed
   * by runs of the same recipe, and the folds of a cross-validation must share theirs.
   *
   * @param dataset    dataset folder, or "synthetic" (or several, comma-separated)
   * @param setWeights with several sets, their relative shares of every batch (empty: equal shares)
   */
  public record Recipe(@JsonProperty("data") String dataset, List<Double> setWeights, Schedule schedule,
      Sampling sampling, Objective objective, Architecture architecture, Precision precision) {

    /**
     * The settings on which this recipe and {@code reference} differ, as {@code "key reference-value vs
     * this-value"} with the keys of {@link TrainConfig#flat()}, in their order (empty: the same recipe).
     */
    public List<String> differencesFrom(Recipe reference) {
      Map<String, Object> mine = StoredConfig.flatten(StoredConfig.tree(this));
      Map<String, Object> theirs = StoredConfig.flatten(StoredConfig.tree(reference));
      return theirs.keySet().stream().filter(k -> !Objects.equals(theirs.get(k), mine.get(k)))
          .map(k -> k + " " + theirs.get(k) + " vs " + mine.get(k)).toList();
    }
  }

  /** The settings of this run that make its recipe. */
  public Recipe recipe() {
    return new Recipe(data.dataset(), data.setWeights(), schedule, sampling, objective, architecture,
        runtime.precision());
  }

  public TrainConfig withData(Data d) {
    return new TrainConfig(d, schedule, sampling, objective, architecture, runtime);
  }

  public TrainConfig withSchedule(Schedule s) {
    return new TrainConfig(data, s, sampling, objective, architecture, runtime);
  }

  public TrainConfig withSampling(Sampling s) {
    return new TrainConfig(data, schedule, s, objective, architecture, runtime);
  }

  public TrainConfig withObjective(Objective o) {
    return new TrainConfig(data, schedule, sampling, o, architecture, runtime);
  }

  public TrainConfig withArchitecture(Architecture a) {
    return new TrainConfig(data, schedule, sampling, objective, a, runtime);
  }

  /**
   * This config run elsewhere or otherwise. The split seed stays: a config is resolved, and its split seed was
   * fixed when it was made (to the seed of then, unless one was given).
   */
  public TrainConfig withRuntime(Runtime r) {
    return new TrainConfig(data, schedule, sampling, objective, architecture, r);
  }

  /**
   * This recipe as member {@code seed} of an ensemble in {@code dir} with {@code loss} (the same split seed),
   * resumed or not.
   */
  public TrainConfig member(Path dir, long seed, boolean resume, String loss) {
    return withRuntime(runtime.withRun(dir, seed, resume)).withObjective(objective.withLoss(loss));
  }

  /**
   * The stored configuration of a run, continued in {@code out} on {@code device}: everything else (the
   * precision included) stays what the run started with.
   */
  public TrainConfig resumedIn(Path out, String device) {
    return withRuntime(new Runtime(out, device, runtime.precision(), runtime.threads(), runtime.seed(), true));
  }

  /** The nested JSON form: an object per group, field names as the CLI flags ({@code batch_size}). */
  public JsonNode toJson() {
    return StoredConfig.tree(this);
  }

  /**
   * Every setting under its CLI flag name ({@code batch_size}, {@code seed}, ...; the keys earlier versions
   * stored flat), in group order: MLflow params.
   */
  public Map<String, Object> flat() {
    return StoredConfig.flatten(toJson());
  }

  /**
   * Reads a stored configuration: {@link #toJson()}'s nested form, or the flat map earlier versions wrote
   * (with what those versions did for the settings they did not record yet).
   *
   * @throws VesselsegException.Model when it does not parse or lacks a setting
   */
  public static TrainConfig fromJson(String json) {
    return StoredConfig.read(json);
  }
}
