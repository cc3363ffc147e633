package io.vesselseg.train;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.InputChannels;
import io.vesselseg.data.PatchSampler;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Precision;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a training run needs, resolved and validated. {@code epochs == 0} with a time budget means
 * "until the budget runs out"; the cosine schedule then runs over the budget instead of the step count.
 *
 * @param data             DRIVE folder, or "synthetic"
 * @param out              run directory
 * @param epochs           number of epochs (0: as many as {@code maxMinutes} allows)
 * @param stepsPerEpoch    optimisation steps between validations
 * @param maxMinutes       wall-clock budget in minutes (0: none)
 * @param seed             seed of the initial weights and of the patches sampled each epoch
 * @param splitSeed        seed of the shuffle that picks the validation images ({@code --split-seed}, by default
 *                         {@code seed}): runs that differ only in {@code seed} but share it hold out the same
 *                         images, e.g. the members of an ensemble
 * @param validationImages training images held out (chosen by splitSeed) to pick the checkpoint and threshold;
 *                         0 trains on every image, keeps the last epoch and takes the thresholds from
 *                         {@code thresholdsFrom}
 * @param fold             which block of {@code validationImages} images, in the seeded order, is held out (1..K,
 *                         K = training images / validationImages): folds 1..K are a K-fold cross-validation;
 *                         fold 1 is the split every earlier version used
 * @param augment          patch augmentation preset ({@link PatchSampler.Augmentation#named})
 * @param loss             a {@link io.vesselseg.model.Loss} label: {@code bce+dice}, {@code bce} or
 *                         {@code bce+dice+cldice}
 * @param input            what the input channels hold ({@link InputChannels} label)
 * @param ema              decay of the exponential moving average of the weights that is validated and
 *                         saved (0: the raw weights are)
 * @param dropBlock        share of each feature map DropBlock zeroes after every convolution in training (0: off)
 * @param thresholdsFrom   with no validation images: the model file or run directory of a run of the same
 *                         recipe that held images out, or the crossval JSON of its folds, whose thresholds
 *                         this model takes ("" otherwise)
 */
public record TrainConfig(
    String data,
    Path out,
    int epochs,
    int stepsPerEpoch,
    double maxMinutes,
    int batchSize,
    int patchSize,
    double lr,
    double weightDecay,
    int warmupSteps,
    String device,
    Precision precision,
    long seed,
    long splitSeed,
    int validationImages,
    int fold,
    Architecture architecture,
    int threads,
    String augment,
    String loss,
    String input,
    double ema,
    double dropBlock,
    String thresholdsFrom,
    boolean resume) {

  public TrainConfig {
    thresholdsFrom = thresholdsFrom == null ? "" : thresholdsFrom;
    require(data != null && !data.isBlank(), "data", data, "must name a dataset folder or 'synthetic'");
    require(out != null, "out", out, "must name a run directory");
    require(epochs >= 0, "epochs", epochs, "must be >= 0");
    require(epochs > 0 || maxMinutes > 0, "epochs", epochs, "must be > 0 unless --max-minutes is given");
    require(stepsPerEpoch >= 1, "steps-per-epoch", stepsPerEpoch, "must be >= 1");
    require(maxMinutes >= 0 && maxMinutes <= 60 * 24 * 14, "max-minutes", maxMinutes, "must be in 0..20160");
    require(batchSize >= 1 && batchSize <= 1024, "batch-size", batchSize, "must be in 1..1024");
    require(patchSize >= 16 && patchSize <= 2048, "patch-size", patchSize, "must be in 16..2048");
    if (architecture != null) {
      require(patchSize % architecture.multiple() == 0, "patch-size", patchSize,
          "must be a multiple of " + architecture.multiple()
              + (architecture.refined() ? " (2^depth of the deeper stage)" : " (2^depth)"));
    }
    require(lr > 0 && lr < 1, "lr", lr, "must be in (0, 1)");
    require(weightDecay >= 0 && weightDecay < 1, "weight-decay", weightDecay, "must be in [0, 1)");
    require(warmupSteps >= 0, "warmup-steps", warmupSteps, "must be >= 0");
    require(validationImages >= 0, "validation-images", validationImages, "must be >= 0");
    require(fold >= 1, "fold", fold, "must be >= 1 (folds are numbered from 1)");
    require(fold == 1 || validationImages > 0, "fold", fold,
        "needs images held out: with --validation-images 0 there is nothing to fold");
    require(validationImages > 0 || !thresholdsFrom.isBlank(), "validation-images", validationImages,
        "trains on every image and leaves none to pick the threshold on: add --thresholds-from <run dir or "
            + "model file> of a run of the same recipe that held images out, or <crossval --json file> of its folds");
    require(validationImages == 0 || thresholdsFrom.isBlank(), "thresholds-from", thresholdsFrom,
        "is only for --validation-images 0 (otherwise the held-out images pick the threshold)");
    require(threads >= 0 && threads <= 1024, "threads", threads, "must be in 0..1024 (0: all cores)");
    require(PatchSampler.Augmentation.isName(augment), "augment", augment,
        "must be one of: " + PatchSampler.Augmentation.NAMES);
    require(LOSSES.contains(loss), "loss", loss, "must be one of: " + String.join(", ", LOSSES));
    require(InputChannels.labels().contains(input), "input", input,
        "must be one of: " + InputChannels.labels());
    require(ema == 0 || (ema >= 0.5 && ema < 1), "ema", ema, "must be 0 (off) or in [0.5, 1)");
    require(dropBlock >= 0 && dropBlock <= 0.5, "dropblock", dropBlock, "must be in [0, 0.5] (0: off)");
  }

  /** The validation images are shuffled with {@code seed} itself ({@code splitSeed == seed}). */
  public TrainConfig(String data, Path out, int epochs, int stepsPerEpoch, double maxMinutes, int batchSize,
      int patchSize, double lr, double weightDecay, int warmupSteps, String device, Precision precision, long seed,
      int validationImages, int fold, Architecture architecture, int threads, String augment, String loss,
      String input, double ema, double dropBlock, String thresholdsFrom, boolean resume) {
    this(data, out, epochs, stepsPerEpoch, maxMinutes, batchSize, patchSize, lr, weightDecay, warmupSteps, device,
        precision, seed, seed, validationImages, fold, architecture, threads, augment, loss, input, ema, dropBlock,
        thresholdsFrom, resume);
  }

  private static void require(boolean ok, String field, Object value, String rule) {
    if (!ok) {
      throw new VesselsegException.Usage("--" + field + " " + value + " " + rule);
    }
  }

  /** The augmentation preset {@code train} uses unless told otherwise. */
  public static final String DEFAULT_AUGMENT = "basic";
  /** The losses {@code --loss} accepts; the first is the default. */
  public static final java.util.List<String> LOSSES = io.vesselseg.model.Loss.labels();
  public static final String DEFAULT_LOSS = "bce+dice";
  public static final String DEFAULT_INPUT = "rgb";
  public static final String DEFAULT_EMA = "0";
  public static final String DEFAULT_DROPBLOCK = "0";

  /** The input channels as an {@link InputChannels}. */
  public InputChannels inputChannels() {
    return InputChannels.parse(input);
  }

  /** The loss as a {@link io.vesselseg.model.Loss}. */
  public io.vesselseg.model.Loss lossFunction() {
    return io.vesselseg.model.Loss.named(loss);
  }

  /**
   * The recipe of the design notes (§6): 128² patches, batch 16, AdamW 2e-3, 200-step warm-up, bf16 where the
   * CPU has it.
   */
  public static TrainConfig defaults(String data, Path out) {
    return new TrainConfig(data, out, 50, 100, 0, 16, 128, 2e-3, 1e-4, 200, "auto",
        Precision.resolve("auto", io.vesselseg.model.ComputeDevice.CPU), 42, 3, 1, Architecture.defaults(), 0,
        DEFAULT_AUGMENT, DEFAULT_LOSS, DEFAULT_INPUT, Double.parseDouble(DEFAULT_EMA),
        Double.parseDouble(DEFAULT_DROPBLOCK), "", false);
  }

  public TrainConfig withEpochs(int e) {
    return new TrainConfig(data, out, e, stepsPerEpoch, maxMinutes, batchSize, patchSize, lr, weightDecay,
        warmupSteps, device, precision, seed, splitSeed, validationImages, fold, architecture, threads, augment,
        loss, input, ema, dropBlock, thresholdsFrom, resume);
  }

  /**
   * This recipe for another run directory and seed (the same split seed), resumed or not: a member of an
   * ensemble.
   */
  public TrainConfig withRun(Path runOut, long runSeed, boolean runResume) {
    return new TrainConfig(data, runOut, epochs, stepsPerEpoch, maxMinutes, batchSize, patchSize, lr, weightDecay,
        warmupSteps, device, precision, runSeed, splitSeed, validationImages, fold, architecture, threads, augment,
        loss, input, ema, dropBlock, thresholdsFrom, runResume);
  }

  /** This recipe with another loss: a member of an ensemble whose members differ in their loss. */
  public TrainConfig withLoss(String memberLoss) {
    return new TrainConfig(data, out, epochs, stepsPerEpoch, maxMinutes, batchSize, patchSize, lr, weightDecay,
        warmupSteps, device, precision, seed, splitSeed, validationImages, fold, architecture, threads, augment,
        memberLoss, input, ema, dropBlock, thresholdsFrom, resume);
  }

  /** Reads back {@link #toMap()} (as stored in a checkpoint), with a new output folder and device. */
  public static TrainConfig fromMap(Map<String, Object> m, Path out, String device, boolean resume) {
    return new TrainConfig((String) m.get("data"), out, num(m, "epochs").intValue(),
        num(m, "steps_per_epoch").intValue(), num(m, "max_minutes").doubleValue(),
        num(m, "batch_size").intValue(), num(m, "patch_size").intValue(), num(m, "lr").doubleValue(),
        num(m, "weight_decay").doubleValue(), num(m, "warmup_steps").intValue(), device,
        Precision.parse((String) m.get("precision")), num(m, "seed").longValue(),
        (m.get("split_seed") instanceof Number ss ? ss : num(m, "seed")).longValue(),
        num(m, "validation_images").intValue(), m.get("fold") instanceof Number f ? f.intValue() : 1,
        new Architecture(num(m, "depth").intValue(), num(m, "base_channels").intValue(),
            m.get("refine_depth") instanceof Number rd ? rd.intValue() : 0,
            m.get("refine_channels") instanceof Number rc ? rc.intValue() : 0),
        num(m, "threads").intValue(), (String) m.getOrDefault("augment", "basic"),
        (String) m.getOrDefault("loss", "bce+dice"), (String) m.getOrDefault("input", "rgb"),
        m.get("ema") instanceof Number n ? n.doubleValue() : 0,
        m.get("dropblock") instanceof Number d ? d.doubleValue() : 0, (String) m.getOrDefault("thresholds_from", ""),
        resume);
  }

  private static Number num(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof Number n)) {
      throw new VesselsegException.Model("stored training config lacks a numeric '" + key + "' (found "
          + v + "): the checkpoint is damaged or from another version");
    }
    return n;
  }

  /** Flat view for run.json, MLflow params and checkpoint metadata. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("data", data);
    m.put("out", out.toString());
    m.put("epochs", epochs);
    m.put("steps_per_epoch", stepsPerEpoch);
    m.put("max_minutes", maxMinutes);
    m.put("batch_size", batchSize);
    m.put("patch_size", patchSize);
    m.put("lr", lr);
    m.put("weight_decay", weightDecay);
    m.put("warmup_steps", warmupSteps);
    m.put("device", device);
    m.put("precision", precision.label());
    m.put("seed", seed);
    m.put("split_seed", splitSeed);
    m.put("validation_images", validationImages);
    m.put("fold", fold);
    m.put("depth", architecture.depth());
    m.put("base_channels", architecture.baseChannels());
    m.put("refine_depth", architecture.refineDepth());
    m.put("refine_channels", architecture.refineChannels());
    m.put("threads", threads);
    m.put("augment", augment);
    m.put("loss", loss);
    m.put("input", input);
    m.put("ema", ema);
    m.put("dropblock", dropBlock);
    m.put("thresholds_from", thresholdsFrom);
    m.put("resume", resume);
    return m;
  }
}
