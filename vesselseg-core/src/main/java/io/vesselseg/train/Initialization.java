package io.vesselseg.train;

import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a fine-tuning run's weights start ({@code train --init}): a trained model (built-in name, file or run
 * directory). Its first network (of an ensemble, member 1) is copied, with its architecture, input
 * normalisation and calibration, and the scale it was trained at (its {@code fov_diameter}): the new training
 * photographs are brought to that scale, so the network sees vessels at the size it learnt them.
 *
 * @param source   what {@code --init} said
 * @param name     the model as the new model file records it: the built-in name or the resolved file
 * @param sha256   hex SHA-256 of its model file
 * @param meta     its metadata, read and checked
 * @param contents the parsed model file
 */
record Initialization(String source, String name, String sha256, Checkpoint.Meta meta,
    SafeTensors.Contents contents) {

  /** The parameters {@code --freeze encoder} stops training: the contracting path and the bottleneck. */
  static final List<String> ENCODER = List.of("enc", "bottleneck");

  /**
   * Reads and checks the model {@code source} names.
   *
   * @throws io.vesselseg.VesselsegException.Usage when it does not exist
   */
  static Initialization open(String source) {
    TrainedModel model = TrainedModel.open("--init", source, "--init ");
    return new Initialization(source, model.name(), model.sha256(),
        Checkpoint.meta(model.contents().metadata(), "--init " + model.name()), model.contents());
  }

  Architecture architecture() {
    return meta.architecture();
  }

  /** The input channels it reads ({@code rgb}, {@code rg-clahe}). */
  String input() {
    return meta.normalization().channels();
  }

  /** The FOV diameter (pixels) it was trained at; 0 when it did not record one. */
  int fovDiameter() {
    return (int) Math.round(Double.parseDouble(meta.metadata().getOrDefault("fov_diameter", "0")));
  }

  /**
   * The FOV diameter a run fine-tuning this model trains at: {@code --fov-diameter} ({@code given}; 0: none)
   * when given, else the model's own. Another scale than the model's is allowed (to fine-tune towards a
   * higher-resolution set, e.g. HRF at twice DRIVE's scale) and logged, since the network then meets vessels at
   * another size than it learnt them.
   */
  int fovDiameter(int given) {
    int own = fovDiameter();
    if (given > 0 && own > 0 && given != own) {
      org.slf4j.LoggerFactory.getLogger(Initialization.class).warn("--fov-diameter {}: --init {} was trained at a "
          + "FOV diameter of {} px; fine-tuning at {} px shows it vessels {} times the size it learnt", given, name,
          own, given, String.format(java.util.Locale.ROOT, "%.2f", given / (double) own));
    }
    return given > 0 ? given : own;
  }

  /** A trainable copy of its first network, with its normalisation and calibration. */
  Network network(ComputeDevice device, Precision precision) {
    return Checkpoint.load(contents, "--init " + name, device, precision, 1).network();
  }

  /** The {@code init} entry of the new model file and run.json. */
  Map<String, Object> record(String freeze) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", name);
    m.put("sha256", sha256);
    m.put("network", meta.members() == 1 ? "the only one" : "member 1 of " + meta.members());
    m.put("architecture", contents.metadata().getOrDefault("architecture", ""));
    m.put("fov_diameter", fovDiameter());
    m.put("frozen", freeze.isEmpty() ? "nothing" : freeze + " (" + String.join(", ", ENCODER) + "*)");
    return m;
  }
}
