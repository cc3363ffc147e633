package io.vesselseg.train;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.Sample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The labelled photographs a run trains on: the training split of one dataset, or of several ({@code train
 * --data A,B,…}), in the order of {@link TrainConfig.Data#sets()}. Each set is split on its own ({@link #split}):
 * its own validation images and {@code --train-images}, chosen by the seeds a single set uses; the validation
 * images of all sets are pooled to pick the epoch and thresholds, and each set gets its share of every batch.
 */
public final class TrainingSets {

  private final List<List<Sample>> sets;

  private TrainingSets(List<List<Sample>> sets) {
    if (sets.isEmpty()) {
      throw new IllegalArgumentException("no training sets");
    }
    this.sets = sets.stream().map(List::copyOf).toList();
  }

  /** One dataset's training split. */
  public static TrainingSets of(List<Sample> images) {
    return new TrainingSets(List.of(images));
  }

  /** Several datasets' training splits, in the order of {@code --data}. */
  public static TrainingSets ofSets(List<List<Sample>> sets) {
    return new TrainingSets(sets);
  }

  /** Number of sets. */
  public int size() {
    return sets.size();
  }

  /** Every photograph of every set, in order. */
  public List<Sample> all() {
    return sets.stream().flatMap(List::stream).toList();
  }

  /**
   * One set's part of a run.
   *
   * @param name       the set, as {@code --data} names it
   * @param training   the photographs it trains on (after the validation images and {@code --train-images})
   * @param validation its held-out photographs
   * @param share      its share of every batch (the shares sum to 1)
   */
  public record Part(String name, List<Sample> training, List<Sample> validation, double share) {

    /** The median FOV diameter (pixels) of its training photographs, as they are. */
    int fovDiameter() {
      return TrainingData.medianFovDiameter(training);
    }
  }

  /**
   * The run's split of every set: per set, {@link TrainingData#split} by {@code data}'s split seed and fold, then
   * {@link TrainingData#trainingSubset} by {@code seed}, each set's share from {@link TrainConfig.Data#shares()}.
   *
   * @throws VesselsegException.Usage when the config names another number of sets (a resumed run given other
   *                                  data), or a set cannot make the split (the message names the set)
   * @throws VesselsegException.Data  when two sets hold photographs with one id
   */
  public List<Part> split(TrainConfig.Data data, long seed) {
    List<String> names = data.sets();
    if (names.size() != sets.size()) {
      throw new VesselsegException.Usage("the run trains on " + names.size() + " set(s) (" + data.dataset()
          + ") but " + sets.size() + " were given: pass the same --data (a resumed run keeps its sets)");
    }
    Map<String, String> owner = new HashMap<>();
    List<Double> shares = data.shares();
    List<Part> parts = new ArrayList<>();
    for (int k = 0; k < sets.size(); k++) {
      String name = names.get(k);
      for (Sample s : sets.get(k)) {
        String before = owner.putIfAbsent(s.id(), name);
        if (before != null) {
          throw new VesselsegException.Data("photograph id " + s.id() + " is in " + (before.equals(name)
              ? "set " + name + " twice" : "both set " + before + " and set " + name) + ": ids name the validation "
              + "images and their overlays, so they must differ; rename one set's files");
        }
      }
      try {
        List<List<Sample>> tv = TrainingData.split(sets.get(k), data.validationImages(), data.fold(),
            data.splitSeed());
        parts.add(new Part(name, TrainingData.trainingSubset(tv.get(0), data.trainImages(), seed), tv.get(1),
            shares.get(k)));
      } catch (VesselsegException.Usage e) {
        throw sets.size() == 1 ? e : new VesselsegException.Usage("set " + name + ": " + e.getMessage());
      } catch (VesselsegException.Data e) {
        throw sets.size() == 1 ? e : new VesselsegException.Data("set " + name + ": " + e.getMessage());
      }
    }
    return parts;
  }

  /** The training photographs of every part, pooled in order. */
  static List<Sample> training(List<Part> parts) {
    return parts.stream().flatMap(p -> p.training().stream()).toList();
  }

  /** The validation photographs of every part, pooled in order. */
  static List<Sample> validation(List<Part> parts) {
    return parts.stream().flatMap(p -> p.validation().stream()).toList();
  }

  /**
   * The probability weight of each pooled training photograph ({@link #training} order): its set's share
   * divided among the set's photographs; null for one set (every photograph alike, as before sets had shares).
   */
  static double[] imageWeights(List<Part> parts) {
    if (parts.size() == 1) {
      return null;
    }
    return parts.stream().flatMapToDouble(p -> p.training().stream().mapToDouble(s -> p.share()
        / p.training().size())).toArray();
  }

  /**
   * The {@code sets} entry of run.json and the model file: per set its name, share of every batch, the median
   * FOV diameter of its training photographs as they are and the scale they were brought to, and its images.
   */
  static List<Map<String, Object>> record(List<Part> parts, int diameter) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Part p : parts) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("data", p.name());
      m.put("share", p.share());
      m.put("fov_diameter", p.fovDiameter());
      m.put("scale", (double) diameter / Math.max(1, p.fovDiameter()));
      m.put("training", p.training().stream().map(Sample::id).toList());
      m.put("validation", p.validation().stream().map(Sample::id).toList());
      out.add(m);
    }
    return out;
  }

  /** One line per set for the log: its images, share and scale. */
  static List<String> describe(List<Part> parts, int diameter) {
    return parts.stream().map(p -> String.format(java.util.Locale.ROOT,
        "set %s: %d training / %d validation images %s, %.1f%% of every batch, FOV %d px brought to %d (x%.3f)",
        p.name(), p.training().size(), p.validation().size(), p.validation().stream().map(Sample::id).toList(),
        100 * p.share(), p.fovDiameter(), diameter, (double) diameter / Math.max(1, p.fovDiameter()))).toList();
  }
}
