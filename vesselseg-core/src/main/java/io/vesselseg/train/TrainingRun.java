package io.vesselseg.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.Provenance;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.PatchSampler;
import io.vesselseg.data.Sample;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Distributed;
import io.vesselseg.model.Engine;
import io.vesselseg.model.Network;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.ThresholdOrigin;
import io.vesselseg.model.Thresholds;
import io.vesselseg.model.TrainStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code train} service: prepares the run directory, splits off the validation images and brings the
 * training photographs to one scale ({@link TrainingData}), builds or resumes the network and optimizer, wires
 * the listeners (console, metrics.csv, checkpoints, any extra) and runs the {@link Trainer}.
 */
public final class TrainingRun {

  private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Validation overlays are written every this many epochs (and at the end). */
  static final int OVERLAY_EVERY = 5;

  private TrainingRun() {}

  /**
   * Trains on {@code all} (the training split of a dataset). With {@code runtime().resume()} the configuration
   * stored in the run's last checkpoint is used (only the device may change), in either the grouped form or
   * the flat one of earlier versions.
   */
  public static TrainSummary execute(TrainConfig requested, List<Sample> all, ConsoleProgress progress,
      List<TrainListener> extra) {
    return execute(requested, TrainingSets.of(all), progress, extra, () -> false);
  }

  /** As {@link #execute(TrainConfig, TrainingSets, ConsoleProgress, List, BooleanSupplier)} on one set. */
  public static TrainSummary execute(TrainConfig requested, List<Sample> all, ConsoleProgress progress,
      List<TrainListener> extra, BooleanSupplier stopRequested) {
    return execute(requested, TrainingSets.of(all), progress, extra, stopRequested);
  }

  /**
   * As {@link #execute(TrainConfig, List, ConsoleProgress, List)} on the training splits of one or more sets
   * (those of {@code requested.data().sets()}, in order), ending early (stop reason {@value Trainer#INTERRUPTED},
   * the last finished epoch's checkpoint kept) once {@code stopRequested} says so.
   */
  public static TrainSummary execute(TrainConfig requested, TrainingSets sets, ConsoleProgress progress,
      List<TrainListener> extra, BooleanSupplier stopRequested) {
    boolean resume = requested.runtime().resume();
    // torchrun / PyTorchJob / --nproc: WORLD_SIZE > 1 makes this process one rank of a data-parallel run
    Distributed.Env rank = Distributed.Env.from(System.getenv());
    boolean writer = rank == null || rank.rank() == 0;
    if (rank != null && requested.schedule().batchSize() % rank.worldSize() != 0) {
      throw new VesselsegException.Usage("--batch-size " + requested.schedule().batchSize() + " is the global batch "
          + "and must be a multiple of the " + rank.worldSize() + " processes (WORLD_SIZE); use e.g. "
          + rank.worldSize() * Math.max(1, requested.schedule().batchSize() / rank.worldSize()));
    }
    RunDirectory run = new RunDirectory(requested.runtime().out());
    // a bad --thresholds-from is reported before the run directory is created
    BorrowedThresholds borrowed = requested.data().validationImages() == 0 && !resume
        ? borrowThresholds(requested) : null;
    if (!resume) { // and so is a --fold or --train-images these images cannot make, and a teacher that cannot teach
      sets.split(requested.data(), requested.runtime().seed());
    }
    Initialization init = !resume && requested.objective().initializes()
        ? Initialization.open(requested.objective().init()) : null;
    if (init != null) { // the architecture, the input and the scale are the trained model's
      requested = requested.withArchitecture(init.architecture()).withSampling(new TrainConfig.Sampling(
          requested.sampling().patchSize(), requested.sampling().augment(), init.input(),
          init.fovDiameter(requested.sampling().fovDiameter())));
    }
    Teacher teacher = !resume && requested.objective().distills()
        ? Teacher.open(requested.objective(), requested.sampling().inputChannels()) : null;
    if (writer) { // only rank 0 writes the run directory; the other ranks read a resumed run's checkpoint
      run.prepare(resume);
    }
    Checkpoint.Loaded resumed = null;
    SafeTensors.Contents last = null;
    TrainConfig cfg = requested;
    ComputeDevice device = ComputeDevice.resolve(requested.runtime().device());
    if (resume) { // the stored config wins: only the directory and the device may change
      last = SafeTensors.read(run.last());
      cfg = TrainConfig.fromJson(last.metadata().get("config"))
          .resumedIn(requested.runtime().out(), requested.runtime().device());
      resumed = Checkpoint.load(last, run.last().toString(), device, cfg.runtime().precision());
      borrowed = cfg.data().validationImages() == 0 ? borrowThresholds(cfg) : null;
      teacher = cfg.objective().distills() ? Teacher.open(cfg.objective(), cfg.sampling().inputChannels()) : null;
      init = cfg.objective().initializes() ? Initialization.open(cfg.objective().init()) : null;
    }
    // ranks sharing a machine (torchrun, a PyTorchJob) split its cores unless --threads says otherwise
    int threads = Engine.threads(cfg.runtime().threads() > 0 || rank == null ? cfg.runtime().threads()
        : Engine.threadsPerProcess(System.getenv("LOCAL_WORLD_SIZE"), Runtime.getRuntime().availableProcessors()));
    TrainConfig.Data data = cfg.data();
    List<TrainingSets.Part> parts = sets.split(data, cfg.runtime().seed());
    List<Sample> val = TrainingSets.validation(parts);
    List<Sample> labelled = TrainingSets.training(parts);
    // patches are cut from training photographs brought to one scale (--fov-diameter, else their median FOV
    // diameter over all sets; the model records it) and turned into the network's input; validation photographs
    // stay as they are, since the Predictor resamples them to that diameter (and the map back) as it does any
    // photograph (fine-tuning: at the scale the initial model learnt, so that it sees vessels at the size it knows)
    int diameter = cfg.sampling().fovDiameter() > 0 ? cfg.sampling().fovDiameter()
        : init != null && init.fovDiameter() > 0 ? init.fovDiameter() : TrainingData.medianFovDiameter(labelled);
    List<Sample> photographs = TrainingData.atOneScale(labelled, diameter);
    List<Sample> train = photographs.stream().map(cfg.sampling().inputChannels()::apply).toList();
    LOG.info("training on {} ({} threads, {}), {} training / {} validation images ({}{})", device.label(),
        threads, cfg.runtime().precision() == io.vesselseg.model.Precision.BF16 ? "bf16 autocast" : "fp32",
        train.size(), val.size(), data.validationImages() == 0 ? ""
            : parts.size() > 1 ? "fold " + data.fold() + " of each set: "
            : "fold " + data.fold() + " of " + sets.all().size() / data.validationImages() + ": ",
        val.stream().map(Sample::id).toList());
    if (parts.size() > 1) {
      TrainingSets.describe(parts, diameter).forEach(LOG::info);
    }
    double[] drawWeights = TrainingSets.imageWeights(parts); // null for one set: the draws of earlier versions

    TrainState start = TrainState.fresh();
    Network net;
    if (resumed != null) {
      net = resumed.network();
      start = TrainState.fromMetadata(resumed.meta().metadata());
      if (writer) {
        run.truncateMetrics(start.epoch());
      }
      LOG.info("resuming {} after epoch {} (step {})", run.last(), start.epoch(), start.globalStep());
    } else if (init != null) {
      net = init.network(device, cfg.runtime().precision());
      LOG.info("fine-tuning {} (SHA-256 {}): its {} and input normalisation, photographs at a FOV diameter of "
          + "{} px", init.name(), init.sha256().substring(0, 12), cfg.architecture(), diameter);
    } else {
      net = Network.create(cfg.architecture(), device, cfg.runtime().precision(),
          TrainingData.normalization(train, cfg.sampling().inputChannels()), cfg.runtime().seed());
    }
    if (init != null && !cfg.objective().freeze().isEmpty()) {
      LOG.info("--freeze {}: {} of {} parameters kept as they are", cfg.objective().freeze(),
          net.freeze(Initialization.ENCODER), net.parameterCount());
    }
    net.setDropBlock(cfg.objective().dropBlock());
    Map<String, Object> initRecord = init == null ? null : init.record(cfg.objective().freeze());
    if (initRecord != null && writer && !val.isEmpty()) { // where the model stands on these photographs untrained
      Validator.Result r = new FovValidator(new Predictor(net, false), val, diameter).validate();
      initRecord.put("before", Map.of("val_loss", r.loss(), "val_f1", r.f1(), "val_auc", r.auc(), "threshold",
          r.threshold()));
      LOG.info(String.format(java.util.Locale.ROOT, "before fine-tuning: val loss %.4f  val F1 %.4f  val AUC %.4f  "
          + "thr %.3f", r.loss(), r.f1(), r.auc(), r.threshold()));
    }
    Provenance prov = Provenance.capture(device.label(), cfg.runtime().seed());
    Map<String, Object> sections = new LinkedHashMap<>();
    sections.put("config", cfg.toJson());
    sections.put("provenance", prov.toMap());
    Architecture arch = cfg.architecture();
    sections.put("model", Map.of("architecture", arch.type(), "depth", arch.depth(),
        "base_channels", arch.baseChannels(), "refine_depth", arch.refineDepth(), "refine_channels",
        arch.refineChannels(), "parameters", net.parameterCount(),
        "normalization", Map.of("mean", net.normalization().mean(), "std", net.normalization().std(),
            "channels", net.normalization().channels())));
    sections.put("split", Map.of("training", train.stream().map(Sample::id).toList(),
        "validation", val.stream().map(Sample::id).toList()));
    List<Map<String, Object>> setsRecord = TrainingSets.record(parts, diameter);
    sections.put("sets", setsRecord);
    if (teacher != null) {
      sections.put("distillation", teacher.record());
    }
    if (init != null) {
      sections.put("init", initRecord);
    }
    if (writer) {
      run.writeRunJson(sections);
    }

    Map<String, String> fileMeta = new LinkedHashMap<>();
    fileMeta.put("config", cfg.toJson().toString());
    fileMeta.put("provenance", json(prov.toMap()));
    fileMeta.put("validation_images", json(val.stream().map(Sample::id).toList()));
    fileMeta.put("fov_diameter", Integer.toString(diameter));
    if (parts.size() > 1) {
      fileMeta.put("sets", json(setsRecord));
    }
    if (teacher != null) {
      fileMeta.put("distillation", json(teacher.record()));
    }
    if (init != null) {
      fileMeta.put("init", json(initRecord));
    }
    // a run without validation images keeps the borrowed thresholds; the others pick theirs on val
    Thresholds thresholds = borrowed != null ? borrowed.thresholds()
        : Thresholds.of(start.bestThreshold()).withCalibration(net.calibration())
            .withOrigin(ThresholdOrigin.Validation.on(val.stream().map(Sample::id).toList()));
    TrainConfig.Objective objective = cfg.objective();
    try (net; Distributed group = rank == null ? null : join(rank, net);
        TrainStep step = new TrainStep(net, cfg.schedule().lr(), cfg.schedule().weightDecay(),
        objective.lossFunction())) {
      step.distribute(group);
      if (resumed != null) {
        Checkpoint.restoreOptimizer(step, resumed.optimizerState());
      }
      if (objective.ema() > 0) {
        step.averageWeights(objective.ema()).setUpdates(start.globalStep());
        if (last != null && !Checkpoint.restoreAverage(last, run.last().toString(), step)) {
          LOG.warn("{} holds no weight average: it restarts from the resumed weights", run.last());
        }
      }
      FovValidator validator = new FovValidator(new Predictor(step.validated(), false), val, diameter);
      Validator validation = !writer || borrowed != null ? unvalidated(thresholds.plain())
          : objective.ema() > 0 ? alsoRaw(validator, net, val, diameter) : validator;
      List<TrainListener> listeners = new ArrayList<>();
      if (!writer) { // ranks 1.. train their shards; rank 0 validates, reports and writes
        PatchSampler sampler = new PatchSampler(train, teacher == null ? null
            : teacher.probabilities(photographs, device), drawWeights, cfg.sampling().patchSize(),
            cfg.sampling().augmentation());
        return new Trainer(cfg, step, sampler, validation, listeners, () -> false).run(start);
      }
      listeners.add(progress);
      listeners.add(new CheckpointListener(net, step, run.best(), run.last(), fileMeta, thresholds, val));
      listeners.add(run);
      listeners.add(new RunArtifacts(cfg.runtime().out(), OVERLAY_EVERY, val.isEmpty() ? null
          : () -> new RunArtifacts.Validation(validator.images(), validator.lastProbabilities())));
      listeners.addAll(extra);
      if (teacher != null) {
        step.distill(teacher.weight());
      }
      PatchSampler sampler = new PatchSampler(train, teacher == null ? null : teacher.probabilities(photographs,
          device), drawWeights, cfg.sampling().patchSize(), cfg.sampling().augmentation());
      return new Trainer(cfg, step, sampler, validation, listeners, stopRequested).run(start);
    }
  }

  /**
   * Joins the data-parallel group and gives every rank rank 0's weights (parameters and BatchNorm buffers).
   */
  private static Distributed join(Distributed.Env rank, Network net) {
    Distributed group = Distributed.join(rank, Distributed.timeoutFrom(System.getenv()));
    group.broadcastWeights(net);
    LOG.info("data-parallel rank {} of {} (local rank {}), store at {}:{}; collectives time out after {} s",
        rank.rank(), rank.worldSize(), rank.localRank(), rank.masterAddr(), rank.masterPort(),
        group.timeout().toSeconds());
    return group;
  }

  /**
   * The reference run's thresholds for a run that holds no image out, with a warning when its recipe differs
   * (thresholds picked for another recipe may not suit this one).
   */
  private static BorrowedThresholds borrowThresholds(TrainConfig cfg) {
    BorrowedThresholds b = BorrowedThresholds.from(cfg.data().thresholdsFrom(), Optional.of(cfg.recipe()));
    LOG.info("no validation images: every epoch's model is kept (the last is the result), thresholds from {}",
        b.source().toJson());
    if (!b.recipeDifferences().isEmpty()) {
      LOG.warn("--thresholds-from {} was trained with another recipe ({}): its thresholds may not suit this run",
          cfg.data().thresholdsFrom(), String.join(", ", b.recipeDifferences()));
    }
    return b;
  }

  /** No held-out images: no figures (NaN), the borrowed threshold. */
  private static Validator unvalidated(float threshold) {
    return () -> new Validator.Result(Double.NaN, Double.NaN, threshold, Double.NaN);
  }

  /**
   * Validates the weight average ({@code averaged}, the result) and logs the trained weights' figures on the
   * same images beside it, so the average's effect is measured in every run that keeps one.
   */
  private static Validator alsoRaw(Validator averaged, Network trained, List<Sample> val, double diameter) {
    FovValidator raw = new FovValidator(new Predictor(trained, false), val, diameter);
    return () -> {
      Validator.Result r = raw.validate();
      Validator.Result a = averaged.validate();
      LOG.info("validation F1 / AUC: weight average {} / {}, trained weights {} / {}",
          String.format("%.4f", a.f1()), String.format("%.4f", a.auc()), String.format("%.4f", r.f1()),
          String.format("%.4f", r.auc()));
      return a;
    };
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
