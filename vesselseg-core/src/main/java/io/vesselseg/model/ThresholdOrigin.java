package io.vesselseg.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where the {@link Thresholds} of a model were chosen, as its metadata records it. Every threshold maximises F1
 * over the FOV pixels of some training images; the three kinds say which: the run's own held-out images
 * ({@link Validation}), those of a reference the thresholds were borrowed from ({@link Borrowed}), or none
 * recorded ({@link Unrecorded}). {@link Thresholds#fromMetadata} reads it and {@link Thresholds#toMetadata}
 * writes it.
 */
public sealed interface ThresholdOrigin {

  /** The one {@link Unrecorded} origin. */
  ThresholdOrigin UNRECORDED = new Unrecorded();

  /**
   * The file does not say: it lists no validation images and no reference. So are files saved without a
   * training run (tests, tools) and the thresholds such a file was given by hand with {@code export --meta
   * threshold=…}.
   */
  record Unrecorded() implements ThresholdOrigin {}

  /**
   * Picked on the images the training run held out (metadata {@code validation_images}, which the run also
   * writes as its split), with the figures reached there.
   *
   * @param images ids of the held-out images, in the run's order; never empty
   * @param f1     validation F1 at the threshold of each mode, for the modes that recorded it (metadata
   *               {@code val_f1}, {@code val_f1_flips}, {@code val_f1_d8})
   * @param auc    AUC-ROC of the plain maps on those images ({@code val_auc}); NaN when not recorded
   */
  record Validation(List<String> images, Map<Tta, Double> f1, double auc) implements ThresholdOrigin {

    public Validation {
      images = List.copyOf(images);
      f1 = Map.copyOf(f1);
      if (images.isEmpty()) {
        throw new IllegalArgumentException("thresholds picked on validation images need those images, found none");
      }
    }

    /** Picked on {@code images}, no figures recorded yet. */
    public static Validation on(List<String> images) {
      return new Validation(images, Map.of(), Double.NaN);
    }
  }

  /**
   * Borrowed by a model trained on every training image (metadata {@code thresholds_from}, a JSON object)
   * from a reference of the same recipe whose choice was still made on training data: a run that held
   * images out, or a cross-validation of the recipe ({@code crossval --json}), whose thresholds maximise F1
   * on the pooled out-of-fold predictions of all its folds.
   *
   * @param file            the reference as it was given: a model file or a crossval JSON ({@code file})
   * @param sha256          hex SHA-256 of the reference's bytes ({@code sha256}); null when not recorded
   * @param crossvalWeights for a crossval JSON, which epochs of its folds were scored, {@code best} or
   *                        {@code last} ({@code crossval_weights}); null for a model file
   * @param images          the images the reference picked on: its validation images, or every image its
   *                        folds held out ({@code validation_images}); empty when not recorded
   * @param thresholds      the reference's threshold of each mode it had ({@code threshold},
   *                        {@code threshold_flips}, {@code threshold_d8})
   * @param f1              the F1 each of them reached on {@code images} ({@code val_f1}, {@code val_f1_flips},
   *                        {@code val_f1_d8}), for the modes that recorded it
   */
  record Borrowed(String file, String sha256, String crossvalWeights, List<String> images,
      Map<Tta, Float> thresholds, Map<Tta, Double> f1) implements ThresholdOrigin {

    private static final ObjectMapper JSON = new ObjectMapper();

    public Borrowed {
      Objects.requireNonNull(file, "file");
      images = List.copyOf(images);
      thresholds = Map.copyOf(thresholds);
      f1 = Map.copyOf(f1);
    }

    /** True when the reference is a cross-validation ({@code crossval --json}), not one run's model file. */
    public boolean crossValidated() {
      return crossvalWeights != null;
    }

    /**
     * The {@code thresholds_from} value: {@code {"file":…,"sha256":…,["crossval_weights":…,]"validation_images":
     * […],"threshold":…,"val_f1":…,"threshold_flips":…,…}}, absent entries left out.
     */
    public String toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("file", file);
      if (sha256 != null) {
        m.put("sha256", sha256);
      }
      if (crossvalWeights != null) {
        m.put("crossval_weights", crossvalWeights);
      }
      if (!images.isEmpty()) {
        m.put("validation_images", images);
      }
      for (Tta tta : Tta.values()) {
        if (thresholds.containsKey(tta)) {
          m.put(Thresholds.key(tta), thresholds.get(tta));
        }
        if (f1.containsKey(tta)) {
          m.put(Thresholds.f1Key(tta), f1.get(tta));
        }
      }
      try {
        return JSON.writeValueAsString(m);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Reads a {@code thresholds_from} value; {@code where} names the file in the error. */
    static Borrowed parse(String json, String where) {
      JsonNode n;
      try {
        n = JSON.readTree(json);
      } catch (IOException e) {
        n = null;
      }
      if (n == null || !n.isObject() || !n.path("file").isTextual()) {
        throw bad(where, json, "is not a JSON object naming the reference's 'file'");
      }
      List<String> images = new ArrayList<>();
      JsonNode ids = n.path("validation_images");
      if (!ids.isMissingNode() && !ids.isArray()) {
        throw bad(where, json, "has validation_images that is not a list of image ids");
      }
      ids.forEach(id -> images.add(id.asText()));
      Map<Tta, Float> thresholds = new EnumMap<>(Tta.class);
      Map<Tta, Double> f1 = new EnumMap<>(Tta.class);
      for (Tta tta : Tta.values()) {
        JsonNode t = n.path(Thresholds.key(tta));
        JsonNode f = n.path(Thresholds.f1Key(tta));
        if (!t.isMissingNode() && !t.isNull()) {
          if (!t.isNumber()) {
            throw bad(where, json, "has " + Thresholds.key(tta) + " " + t + ", which is not a number");
          }
          thresholds.put(tta, t.floatValue());
        }
        if (!f.isMissingNode() && !f.isNull()) {
          if (!f.isNumber()) {
            throw bad(where, json, "has " + Thresholds.f1Key(tta) + " " + f + ", which is not a number");
          }
          f1.put(tta, f.doubleValue());
        }
      }
      return new Borrowed(n.get("file").asText(), text(n, "sha256"), text(n, "crossval_weights"), images,
          thresholds, f1);
    }

    private static String text(JsonNode n, String key) {
      JsonNode v = n.path(key);
      return v.isMissingNode() || v.isNull() ? null : v.asText();
    }

    private static VesselsegException bad(String where, String json, String what) {
      return new VesselsegException.Model(where + ": metadata thresholds_from = '" + json + "' " + what
          + ": expected the JSON object that train/export --thresholds-from write ({\"file\":…,\"sha256\":…,"
          + "\"validation_images\":[…],\"threshold\":…}); borrow the thresholds again with export "
          + "--thresholds-from <reference>");
    }
  }
}
