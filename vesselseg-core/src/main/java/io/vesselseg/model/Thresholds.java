package io.vesselseg.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.VesselsegException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The operating point a model file carries: a pixel is vessel when its (calibrated) probability reaches the
 * threshold of the test-time augmentation it was predicted with. Predictions averaged over flips are smoother,
 * so their best threshold differs; a file that has none for a mode uses the plain one ({@link #forTta}).
 *
 * <p>This type is the one reader ({@link #fromMetadata}) and the one writer ({@link #toMetadata},
 * {@link #writeTo}) of these model-file metadata keys:
 * <ul>
 *   <li>{@code threshold}, {@code threshold_flips}, {@code threshold_d8}: the thresholds
 *       ({@link Float#toString(float)}; the two TTA ones optional);</li>
 *   <li>{@code calibration}: the {@link Calibration} they were picked under (absent: none);</li>
 *   <li>{@code thresholds_from}: a {@link ThresholdOrigin.Borrowed} origin, as JSON;</li>
 *   <li>{@code val_f1}, {@code val_auc}, {@code val_f1_flips}, {@code val_f1_d8}: the figures of a
 *       {@link ThresholdOrigin.Validation} origin ({@link Double#toString(double)});</li>
 *   <li>{@code validation_images}, read as the images of a {@link ThresholdOrigin.Validation} origin and written
 *       for one; it is also the training run's split, which the run records in every file it writes (with the
 *       same value), so {@link #writeTo} never removes it.</li>
 * </ul>
 * Files written before this type existed use the same keys and read back unchanged.
 *
 * @param plain       the threshold of predictions without test-time augmentation ({@link Tta#NONE}), in [0, 1]
 * @param flips       the threshold of {@code --tta} ({@link Tta#FLIPS}) predictions, in [0, 1]; NaN when none
 *                    was picked (the plain one is used)
 * @param d8          the threshold of {@code --tta8} ({@link Tta#D8}) predictions, in [0, 1]; NaN when none was
 *                    picked (the plain one is used)
 * @param calibration the per-image calibration the thresholds were picked under, which every prediction they
 *                    are applied to must go through ({@link Calibration#NONE}: none)
 * @param origin      where they were chosen
 */
public record Thresholds(float plain, float flips, float d8, Calibration calibration, ThresholdOrigin origin) {

  private static final String THRESHOLDS_FROM = "thresholds_from";
  private static final String VALIDATION_IMAGES = "validation_images";
  private static final String AUC = "val_auc";
  /** The keys {@link #writeTo} replaces as a whole. */
  private static final List<String> OWNED = owned();
  private static final ObjectMapper JSON = new ObjectMapper();

  public Thresholds {
    Objects.requireNonNull(calibration, "calibration");
    Objects.requireNonNull(origin, "origin");
    if (!valid(plain)) {
      throw new IllegalArgumentException("plain threshold " + plain + ": expected a number in [0, 1]");
    }
    if (!Float.isNaN(flips) && !valid(flips) || !Float.isNaN(d8) && !valid(d8)) {
      throw new IllegalArgumentException("test-time augmentation thresholds " + flips + " (flips), " + d8
          + " (d8): expected numbers in [0, 1], or NaN for none");
    }
  }

  /** Only a plain threshold: no TTA thresholds, no calibration, no recorded origin. */
  public static Thresholds of(float plain) {
    return new Thresholds(plain, Float.NaN, Float.NaN, Calibration.NONE, ThresholdOrigin.UNRECORDED);
  }

  /** The threshold for predictions made with {@code tta}: its own when picked, else {@link #plain()}. */
  public float forTta(Tta tta) {
    return has(tta) ? own(tta) : plain;
  }

  /** Whether a threshold was picked for {@code tta} itself ({@link Tta#NONE}: always). */
  public boolean has(Tta tta) {
    return !Float.isNaN(own(tta));
  }

  private float own(Tta tta) {
    return switch (tta) {
      case NONE -> plain;
      case FLIPS -> flips;
      case D8 -> d8;
    };
  }

  /** A copy whose threshold for {@code tta} is {@code threshold} (NaN removes a TTA one). */
  public Thresholds with(Tta tta, float threshold) {
    return switch (tta) {
      case NONE -> new Thresholds(threshold, flips, d8, calibration, origin);
      case FLIPS -> new Thresholds(plain, threshold, d8, calibration, origin);
      case D8 -> new Thresholds(plain, flips, threshold, calibration, origin);
    };
  }

  /** A copy picked under {@code c}. */
  public Thresholds withCalibration(Calibration c) {
    return new Thresholds(plain, flips, d8, c, origin);
  }

  /** A copy chosen as {@code o} says. */
  public Thresholds withOrigin(ThresholdOrigin o) {
    return new Thresholds(plain, flips, d8, calibration, o);
  }

  /** The metadata key of the threshold for {@code tta}: {@code threshold}, {@code threshold_flips}, … */
  public static String key(Tta tta) {
    return tta == Tta.NONE ? "threshold" : "threshold_" + tta.label();
  }

  /** The metadata key of the F1 reached at the threshold for {@code tta}: {@code val_f1}, {@code val_f1_flips}, … */
  static String f1Key(Tta tta) {
    return tta == Tta.NONE ? "val_f1" : "val_f1_" + tta.label();
  }

  /**
   * Whether {@code key} is one only this type writes (every key above but {@code validation_images}, which is
   * also the training run's split).
   */
  public static boolean owns(String key) {
    return OWNED.contains(key);
  }

  /** {@link #fromMetadata(Map, String)} of metadata not known by a file name. */
  public static Thresholds fromMetadata(Map<String, String> metadata) {
    return fromMetadata(metadata, "model metadata");
  }

  /**
   * Reads the thresholds of a model file's metadata; {@code where} (e.g. {@code model file runs/a/best.safetensors})
   * starts the message of the {@link VesselsegException.Model} a missing plain threshold or an unreadable value
   * throws, which names the key, the value and how to mend it.
   */
  public static Thresholds fromMetadata(Map<String, String> metadata, String where) {
    String plain = metadata.get(key(Tta.NONE));
    if (plain == null) {
      throw new VesselsegException.Model(where + " has no metadata threshold: expected the probability at which "
          + "a pixel becomes vessel, a number in [0, 1]; give it one with export --meta threshold=<number>");
    }
    Thresholds t = of(threshold(key(Tta.NONE), plain, where));
    for (Tta tta : Tta.values()) {
      String v = metadata.get(key(tta));
      if (tta != Tta.NONE && v != null) {
        t = t.with(tta, threshold(key(tta), v, where));
      }
    }
    t = t.withCalibration(Calibration.parse(metadata.get(Calibration.KEY), where));
    String from = metadata.get(THRESHOLDS_FROM);
    if (from != null) {
      return t.withOrigin(ThresholdOrigin.Borrowed.parse(from, where));
    }
    List<String> images = Checkpoint.validationImages(metadata);
    if (images.isEmpty()) {
      return t;
    }
    Map<Tta, Double> f1 = new EnumMap<>(Tta.class);
    for (Tta tta : Tta.values()) {
      String v = metadata.get(f1Key(tta));
      if (v != null && t.has(tta)) {
        f1.put(tta, figure(f1Key(tta), v, where));
      }
    }
    String auc = metadata.get(AUC);
    return t.withOrigin(new ThresholdOrigin.Validation(images, f1, auc == null ? Double.NaN
        : figure(AUC, auc, where)));
  }

  /**
   * Refuses a metadata entry that {@link #fromMetadata} could not read (entries of other keys pass), e.g. an
   * {@code export --meta} value before anything is written; {@code where} starts the message.
   */
  public static void check(String key, String value, String where) {
    if (value == null) {
      return;
    }
    for (Tta tta : Tta.values()) {
      if (key.equals(key(tta))) {
        threshold(key, value, where);
      } else if (key.equals(f1Key(tta))) {
        figure(key, value, where);
      }
    }
    switch (key) {
      case AUC -> figure(key, value, where);
      case Calibration.KEY -> Calibration.parse(value, where);
      case THRESHOLDS_FROM -> ThresholdOrigin.Borrowed.parse(value, where);
      default -> { }
    }
  }

  private static float threshold(String key, String value, String where) {
    float t;
    try {
      t = Float.parseFloat(value.strip());
    } catch (NumberFormatException e) {
      t = Float.NaN;
    }
    if (!valid(t)) {
      throw new VesselsegException.Model(where + ": metadata " + key + " = '" + value + "' is not a threshold: "
          + "expected a number in [0, 1], the probability at which a pixel becomes vessel; set it with export "
          + "--meta " + key + "=<number>" + (key.equals(key(Tta.NONE)) ? ""
          : " or pick it on the model's validation images with export --calibrate-on <dataset>"));
    }
    return t;
  }

  private static double figure(String key, String value, String where) {
    try {
      return Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      throw new VesselsegException.Model(where + ": metadata " + key + " = '" + value + "' is not a number: "
          + "expected the figure reached on the validation images, e.g. 0.81; set it with export --meta " + key
          + "=<number>");
    }
  }

  private static boolean valid(float t) {
    return t >= 0 && t <= 1;
  }

  /** Every metadata entry of these thresholds, in the order above; the inverse of {@link #fromMetadata}. */
  public Map<String, String> toMetadata() {
    Map<String, String> m = toMetadata(EnumSet.allOf(Tta.class));
    if (calibration.active()) {
      m.put(Calibration.KEY, calibration.toJson());
    }
    if (origin instanceof ThresholdOrigin.Validation v) {
      m.put(VALIDATION_IMAGES, json(v.images()));
    } else if (origin instanceof ThresholdOrigin.Borrowed b) {
      m.put(THRESHOLDS_FROM, b.toJson());
    }
    return m;
  }

  /**
   * The entries about {@code modes} only: each mode's threshold, where it has one, and the validation figures
   * reached with it ({@code val_f1…}, and {@code val_auc} for {@link Tta#NONE}) where the origin records them;
   * e.g. what {@code export --calibrate-on} reports.
   */
  public Map<String, String> toMetadata(Set<Tta> modes) {
    Map<String, String> m = new LinkedHashMap<>();
    for (Tta tta : Tta.values()) {
      if (!modes.contains(tta) || !has(tta)) {
        continue;
      }
      m.put(key(tta), Float.toString(own(tta)));
      if (origin instanceof ThresholdOrigin.Validation v) {
        if (v.f1().containsKey(tta)) {
          m.put(f1Key(tta), Double.toString(v.f1().get(tta)));
        }
        if (tta == Tta.NONE && !Double.isNaN(v.auc())) {
          m.put(AUC, Double.toString(v.auc()));
        }
      }
    }
    return m;
  }

  /**
   * Replaces the thresholds in {@code metadata} (a model file's, modifiable) with these: removes every key this
   * type writes except {@code validation_images}, then puts {@link #toMetadata()}.
   */
  public void writeTo(Map<String, String> metadata) {
    OWNED.forEach(metadata::remove);
    metadata.putAll(toMetadata());
  }

  private static List<String> owned() {
    List<String> keys = new ArrayList<>();
    for (Tta tta : Tta.values()) {
      keys.add(key(tta));
      keys.add(f1Key(tta));
    }
    keys.addAll(List.of(AUC, Calibration.KEY, THRESHOLDS_FROM));
    return List.copyOf(keys);
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
