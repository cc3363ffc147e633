package io.vesselseg.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vesselseg.VesselsegException;
import io.vesselseg.model.Calibration;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.ThresholdOrigin;
import io.vesselseg.model.Thresholds;
import io.vesselseg.model.Tta;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Combines trained model files of one architecture into an ensemble model file, whose predictions average
 * the members' probabilities (see {@link Checkpoint}: {@code "members":K} in the architecture, member i's
 * tensors under {@code members.i.}). A member that is itself an ensemble contributes all its networks. The
 * members must agree on everything a prediction depends on besides the weights: architecture, input
 * normalisation, FOV scale and validation images. Each threshold ({@code threshold}, {@code threshold_flips},
 * {@code threshold_d8}) is kept when every member has the same one (members that borrowed one crossval's
 * thresholds), else it becomes the members' mean, and {@code ensemble} in the metadata says which.
 * The members must share their calibration, which the ensemble keeps. {@code config}, {@code provenance} and
 * where the thresholds came from ({@code thresholds_from}, the validation images) stay the first member's;
 * {@code ensemble} lists every member's source, seed, loss, epoch and threshold. Everything else a member's
 * file carried (its validation figures, training state, evaluation figures such as {@code drive_test})
 * describes that member, not the ensemble, and is left out.
 */
public final class Ensembles {

  /** Metadata every member must share (absent counts as a value), besides the calibration. */
  private static final List<String> SHARED = List.of("format", "normalization", "fov_diameter",
      "validation_images");
  /** Metadata of the first member the ensemble keeps, besides {@link #SHARED} and the thresholds. */
  private static final List<String> KEPT = List.of("config", "provenance");
  private static final ObjectMapper JSON = new ObjectMapper();

  private Ensembles() {}

  /** One source file read for combining. */
  private record Source(String arg, Path file, SafeTensors.Contents contents, ObjectNode architecture, int members,
      Thresholds thresholds) {}

  /**
   * Writes the ensemble of {@code args} (run directories, whose model file {@code name} is taken, or model
   * files) to {@code out}; returns the metadata written.
   */
  public static Map<String, String> combine(List<String> args, String name, Path out) {
    if (args.size() < 2) {
      throw new VesselsegException.Usage("an ensemble needs at least two models, found " + args.size()
          + ": pass two or more run directories or model files");
    }
    List<Source> sources = new ArrayList<>();
    for (String arg : args) {
      sources.add(read(arg, Models.resolve(arg, name)));
    }
    Source first = sources.get(0);
    int total = 0;
    for (Source s : sources) {
      check(first, s);
      total += s.members();
    }
    if (total > Checkpoint.MAX_MEMBERS) {
      throw new VesselsegException.Usage("an ensemble of " + total + " networks is more than the "
          + Checkpoint.MAX_MEMBERS + " a model file may hold: combine fewer models");
    }
    Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
    int next = 0;
    for (Source s : sources) {
      for (int i = 0; i < s.members(); i++, next++) {
        String from = Checkpoint.memberPrefix(i, s.members());
        String to = Checkpoint.memberPrefix(next, total);
        for (var e : s.contents().tensors().entrySet()) {
          String k = e.getKey();
          if (k.startsWith(from) && (s.members() > 1 || !k.startsWith("optimizer.") && !k.startsWith("average."))) {
            tensors.put(to + k.substring(from.length()), e.getValue());
          }
        }
      }
    }
    Map<String, String> meta = new LinkedHashMap<>();
    first.contents().metadata().forEach((k, v) -> {
      if (SHARED.contains(k) || KEPT.contains(k)) {
        meta.put(k, v);
      }
    });
    ObjectNode arch = first.architecture().deepCopy();
    arch.put("members", total);
    meta.put("architecture", arch.toString());
    ObjectNode info = JSON.createObjectNode();
    // the members' validation figures describe them, not the ensemble: only the images are kept
    Thresholds thresholds = first.thresholds().origin() instanceof ThresholdOrigin.Validation v
        ? first.thresholds().withOrigin(ThresholdOrigin.Validation.on(v.images())) : first.thresholds();
    for (Tta tta : Tta.values()) {
      Combined c = combined(sources, tta);
      thresholds = thresholds.with(tta, c.threshold());
      info.put(Thresholds.key(tta), c.how());
    }
    thresholds.writeTo(meta);
    var list = info.putArray("members");
    for (Source s : sources) {
      ObjectNode m = list.addObject();
      m.put("source", s.file().toString());
      m.put("networks", s.members());
      Map<String, String> sm = s.contents().metadata();
      JsonNode config = config(sm);
      m.set("seed", setting(config, "runtime", "seed"));
      m.set("loss", setting(config, "objective", "loss"));
      m.put("epoch", sm.get("epoch"));
      m.put(Thresholds.key(Tta.NONE), Float.toString(s.thresholds().plain()));
    }
    meta.put("ensemble", info.toString());
    SafeTensors.write(out, tensors, meta);
    return meta;
  }

  /**
   * Replaces the thresholds of the ensemble file {@code file} with {@code picked} (e.g. picked on its validation
   * images by {@code TtaThresholds}), and records {@code origin} in its {@code ensemble} entry as where each
   * threshold of {@code picked} came from.
   */
  public static void setThresholds(Path file, Thresholds picked, String origin) {
    SafeTensors.Contents c = SafeTensors.read(file);
    Map<String, String> meta = new LinkedHashMap<>(c.metadata());
    picked.writeTo(meta);
    try {
      ObjectNode info = (ObjectNode) JSON.readTree(meta.get("ensemble"));
      for (Tta tta : Tta.values()) {
        if (picked.has(tta)) {
          info.put(Thresholds.key(tta), origin);
        }
      }
      meta.put("ensemble", info.toString());
    } catch (IOException | RuntimeException e) {
      throw new VesselsegException.Model(file + " is not an ensemble written by vesselseg (" + e.getMessage()
          + ")", e);
    }
    SafeTensors.write(file, c.tensors(), meta);
  }

  /** The ensemble's threshold for one mode (NaN: none) and how it was made of the members'. */
  private record Combined(float threshold, String how) {}

  /**
   * The ensemble's threshold for {@code tta} from the members': kept when all agree, else their mean; none when
   * a member lacks it, so the plain threshold is used.
   */
  private static Combined combined(List<Source> sources, Tta tta) {
    List<Float> values = new ArrayList<>();
    for (Source s : sources) {
      if (!s.thresholds().has(tta)) {
        return new Combined(Float.NaN, "absent from " + s.file());
      }
      values.add(s.thresholds().forTta(tta));
    }
    if (values.stream().distinct().count() == 1) {
      return new Combined(values.get(0), "shared by every member");
    }
    double mean = values.stream().mapToDouble(Float::doubleValue).average().orElseThrow();
    return new Combined((float) mean, "mean of the members' " + values);
  }

  /** The training configuration a member's file records (missing when it records none). */
  private static JsonNode config(Map<String, String> meta) {
    try {
      return JSON.readTree(Objects.requireNonNullElse(meta.get("config"), "{}"));
    } catch (IOException e) {
      return JSON.missingNode();
    }
  }

  /** A setting of a stored training config: in its group (grouped configs) or at the top (earlier, flat ones). */
  private static JsonNode setting(JsonNode config, String group, String key) {
    JsonNode grouped = config.path(group).path(key);
    return grouped.isMissingNode() ? config.path(key) : grouped;
  }

  private static Source read(String arg, Path file) {
    SafeTensors.Contents c = SafeTensors.read(file);
    String format = c.metadata().get("format");
    if (!Checkpoint.FORMAT.equals(format)) {
      throw new VesselsegException.Model("model file " + file + " has format '" + format + "', expected '"
          + Checkpoint.FORMAT + "': only vesselseg model files can be combined");
    }
    Thresholds thresholds = Thresholds.fromMetadata(c.metadata(), "model file " + file);
    try {
      ObjectNode arch = (ObjectNode) JSON.readTree(c.metadata().get("architecture"));
      int members = arch.path("members").asInt(1);
      arch.remove("members");
      return new Source(arg, file, c, arch, members, thresholds);
    } catch (IOException | RuntimeException e) {
      throw new VesselsegException.Model("model file " + file + " has unreadable architecture metadata ("
          + e.getMessage() + "): the file is damaged or from another tool", e);
    }
  }

  /**
   * Whether two members' values of {@code key} agree: validation images as a set (their order is the shuffle's),
   * normalisation statistics within 1e-4 relative (sums over the same images in another order differ in the
   * last bits; the ensemble normalises with the first member's), everything else exactly.
   */
  private static boolean same(String key, String a, String b) {
    if (Objects.equals(a, b)) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    try {
      JsonNode x = JSON.readTree(a);
      JsonNode y = JSON.readTree(b);
      return switch (key) {
        case "validation_images" -> x.isArray() && y.isArray() && x.size() == y.size()
            && new java.util.HashSet<>(JSON.convertValue(x, List.class)).equals(
                new java.util.HashSet<>(JSON.convertValue(y, List.class)));
        case "normalization" -> x.path("channels").equals(y.path("channels")) && close(x.get("mean"), y.get("mean"))
            && close(x.get("std"), y.get("std"));
        default -> false;
      };
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static boolean close(JsonNode x, JsonNode y) {
    if (x == null || y == null || x.size() != y.size()) {
      return false;
    }
    for (int i = 0; i < x.size(); i++) {
      double u = x.get(i).asDouble();
      double v = y.get(i).asDouble();
      if (Math.abs(u - v) > 1e-4 * Math.max(Math.abs(u), Math.abs(v))) {
        return false;
      }
    }
    return true;
  }

  private static void check(Source first, Source s) {
    if (!first.architecture().equals(s.architecture())) {
      throw new VesselsegException.Usage("cannot combine " + s.arg() + " (" + s.architecture() + ") with "
          + first.arg() + " (" + first.architecture() + "): every member of an ensemble needs the same "
          + "architecture");
    }
    for (String key : SHARED) {
      String a = first.contents().metadata().get(key);
      String b = s.contents().metadata().get(key);
      if (!same(key, a, b)) {
        throw new VesselsegException.Usage("cannot combine " + s.arg() + " with " + first.arg() + ": their '"
            + key + "' differs (" + b + " vs " + a + "); an ensemble's members must be trained on the same "
            + "data with the same input (same --input and validation images)");
      }
    }
    Calibration a = first.thresholds().calibration();
    Calibration b = s.thresholds().calibration();
    if (!a.equals(b)) {
      throw new VesselsegException.Usage("cannot combine " + s.arg() + " with " + first.arg() + ": their '"
          + Calibration.KEY + "' differs (" + (b.active() ? b.toJson() : null) + " vs " + (a.active() ? a.toJson()
          : null) + "); an ensemble's members must be trained on the same data with the same input (same --input "
          + "and validation images)");
    }
  }
}
