package io.vesselseg.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import io.vesselseg.data.Sample;
import io.vesselseg.infer.Ensembles;
import io.vesselseg.infer.Models;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.Thresholds;
import io.vesselseg.model.Tta;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code train --members K}: K runs of one recipe that differ only in their seed (member i, counted from 1,
 * gets {@code seed + i - 1}; all share the split seed, so they hold out the same images) and, when one loss
 * per member is given, in their loss ({@link #memberLosses}), each a complete run
 * directory {@code member-i} under the run directory, trained one after the other. When all have finished,
 * the run directory gets {@code best.safetensors} and {@code last.safetensors}: the ensembles of the members'
 * best and last epochs ({@link Ensembles}); when the members held images out, the ensemble's thresholds are
 * picked on those images, as a single run's are. With {@code --resume}, finished members are kept as they are, a
 * started one continues from its last checkpoint, and the rest start afresh.
 */
public final class EnsembleTraining {

  private static final Logger LOG = LoggerFactory.getLogger(EnsembleTraining.class);

  private EnsembleTraining() {}

  /** The run directory of member {@code i} (1..K). */
  public static Path memberDir(Path out, int i) {
    return out.resolve("member-" + i);
  }

  /**
   * The loss of each of {@code members} networks from {@code --loss}: one loss for all of them, or a
   * comma-separated list with one per member (e.g. {@code bce+dice,bce+dice,bce,bce}).
   */
  public static List<String> memberLosses(String option, int members) {
    checkMembers(members, 1);
    List<String> losses = List.of(option.split(",", -1)).stream().map(String::strip).toList();
    for (String l : losses) {
      if (!TrainConfig.Objective.LOSSES.contains(l)) {
        throw new VesselsegException.Usage("--loss " + option + ": '" + l + "' is not a loss; expected one of "
            + String.join(", ", TrainConfig.Objective.LOSSES)
            + (losses.size() > 1 ? ", one per ensemble member" : ""));
      }
    }
    if (losses.size() == 1) {
      return java.util.Collections.nCopies(members, losses.get(0));
    }
    if (losses.size() != members) {
      throw new VesselsegException.Usage("--loss " + option + " names " + losses.size() + " losses for "
          + (members == 1 ? "one network" : members + " members")
          + ": give one loss for all, or one per member with --members " + losses.size());
    }
    return losses;
  }

  /**
   * Trains the members, member i with {@code losses.get(i - 1)}, and writes the ensembles; returns the
   * summaries of the members trained by this call (the last one interrupted when a stop request ended it, and
   * then no ensemble is written). {@code progress}
   * makes each member's console progress and {@code extra} its other listeners (e.g. its own MLflow run),
   * closed when the member ends where they are {@link AutoCloseable}.
   */
  public static List<TrainSummary> execute(TrainConfig base, List<String> losses, List<Sample> all,
      Supplier<ConsoleProgress> progress, Supplier<List<TrainListener>> extra, BooleanSupplier stopRequested) {
    return execute(base, losses, TrainingSets.of(all), progress, extra, stopRequested);
  }

  /** As {@link #execute(TrainConfig, List, List, Supplier, Supplier, BooleanSupplier)} on one or more sets. */
  public static List<TrainSummary> execute(TrainConfig base, List<String> losses, TrainingSets sets,
      Supplier<ConsoleProgress> progress, Supplier<List<TrainListener>> extra, BooleanSupplier stopRequested) {
    int members = losses.size();
    checkMembers(members, 2);
    Path best = base.runtime().out().resolve(RunDirectory.BEST);
    if (!base.runtime().resume() && Files.exists(best)) {
      throw new VesselsegException.Usage("run directory " + base.runtime().out() + " already holds a model ("
          + best + "): choose another --out, or add --resume to finish an ensemble whose members did not all finish");
    }
    List<TrainSummary> summaries = new ArrayList<>();
    List<String> dirs = new ArrayList<>();
    for (int i = 1; i <= members; i++) {
      Path dir = memberDir(base.runtime().out(), i);
      dirs.add(dir.toString());
      if (base.runtime().resume() && finished(dir)) {
        LOG.info("ensemble member {} of {} finished before: {}", i, members, dir);
        continue;
      }
      boolean resume = base.runtime().resume() && Files.exists(dir.resolve(RunDirectory.LAST));
      TrainConfig cfg = base.member(dir, base.runtime().seed() + i - 1, resume, losses.get(i - 1));
      LOG.info("ensemble member {} of {}: seed {}, loss {}, {}", i, members, cfg.runtime().seed(),
          cfg.objective().loss(), dir);
      List<TrainListener> listeners = extra.get();
      TrainSummary s;
      try {
        s = TrainingRun.execute(cfg, sets, progress.get(), listeners, stopRequested);
      } finally {
        close(listeners);
      }
      summaries.add(s);
      if (s.interrupted()) {
        LOG.info("member {} stopped: continue with the same command and --resume", i);
        return summaries;
      }
    }
    Path last = base.runtime().out().resolve(RunDirectory.LAST);
    Ensembles.combine(dirs, RunDirectory.LAST, last);
    Ensembles.combine(dirs, RunDirectory.BEST, best);
    List<String> ids = Checkpoint.validationImages(SafeTensors.read(best).metadata());
    if (!ids.isEmpty()) { // the members' shared held-out images pick the ensemble's own thresholds
      List<Sample> val = sets.all().stream().filter(s -> ids.contains(s.id())).toList();
      for (Path file : List.of(last, best)) {
        Thresholds picked;
        Checkpoint.Loaded loaded = Checkpoint.load(file, ComputeDevice.resolve(base.runtime().device()),
            Precision.FP32);
        try (Network net = loaded.network()) {
          net.fuseForInference();
          picked = TtaThresholds.pick(net, val, loaded.meta().thresholds(), true, Models.fovDiameter(loaded, "auto"));
        }
        Ensembles.setThresholds(file, picked, "picked on the validation images " + ids);
        LOG.info("{}: thresholds and F1 on the validation images {}: {}", file, ids,
            picked.toMetadata(EnumSet.allOf(Tta.class)));
      }
    }
    LOG.info("ensemble of {} members written to {}", members, best);
    return summaries;
  }

  private static void checkMembers(int members, int least) {
    if (members < least || members > Checkpoint.MAX_MEMBERS) {
      throw new VesselsegException.Usage("--members " + members + ": expected 2.." + Checkpoint.MAX_MEMBERS
          + " (1, the default, trains one network)");
    }
  }

  private static void close(List<TrainListener> listeners) {
    for (TrainListener l : listeners) {
      if (l instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.warn("closing {} failed: {}", l, e.toString());
        }
      }
    }
  }

  /** True when {@code dir} holds a run whose run.json has a summary that is not a stop request's. */
  static boolean finished(Path dir) {
    Path runJson = dir.resolve("run.json");
    if (!Files.isRegularFile(runJson)) {
      return false;
    }
    try {
      var summary = new ObjectMapper().readTree(runJson.toFile()).path("summary");
      return summary.has("stop_reason") && !Trainer.INTERRUPTED.equals(summary.get("stop_reason").asText());
    } catch (IOException e) {
      return false;
    }
  }
}
