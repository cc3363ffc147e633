package io.vesselseg.train;

import io.vesselseg.VesselsegException;
import io.vesselseg.data.InputChannels;
import io.vesselseg.data.Sample;
import io.vesselseg.infer.Models;
import io.vesselseg.infer.Predictor;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.Tta;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The teacher of knowledge distillation ({@code train --distill-from}): a model (built-in name, file or run
 * directory) whose flip-averaged, calibrated vessel probabilities on the training photographs become soft
 * targets beside the labels. It is read and checked before the run starts ({@link #open}); its probabilities
 * are computed once per photograph, at the scale the student trains at ({@link #probabilities}), and then cut
 * into patches with the labels' augmentation by the {@link io.vesselseg.data.PatchSampler}.
 *
 * @param source  what {@code --distill-from} said
 * @param name    the teacher as the model file records it: the built-in name or the resolved file
 * @param sha256  hex SHA-256 of the teacher's model file
 * @param weight  W of (1 − W) · label loss + W · BCE against the teacher
 * @param contents the parsed model file (weights and metadata)
 */
record Teacher(String source, String name, String sha256, double weight, SafeTensors.Contents contents) {

  private static final Logger LOG = LoggerFactory.getLogger(Teacher.class);
  /** The test-time augmentation of the teacher's probabilities. */
  static final Tta TTA = Tta.FLIPS;

  /**
   * Reads and checks the teacher of {@code objective} for a student whose input is {@code studentInput}: it
   * must exist, be a vesselseg model, and read the same input channels.
   *
   * @throws VesselsegException.Usage (one message) when it does not exist or reads other input channels
   */
  static Teacher open(TrainConfig.Objective objective, InputChannels studentInput) {
    String source = objective.distillFrom();
    TrainedModel model = TrainedModel.open("--distill-from", source, "teacher ");
    String name = model.name();
    SafeTensors.Contents contents = model.contents();
    Checkpoint.Meta meta = Checkpoint.meta(contents.metadata(), "teacher " + name);
    String channels = meta.normalization().channels();
    if (!channels.equals(studentInput.label())) {
      throw new VesselsegException.Usage("--distill-from " + source + " reads " + channels + " input and this "
          + "run trains on " + studentInput.label() + " (--input): distil from a teacher of the same --input, or "
          + "train with --input " + channels);
    }
    return new Teacher(source, name, model.sha256(), objective.distillWeight(), contents);
  }

  /**
   * The teacher's vessel probabilities (width · height per photograph, in order) on {@code photographs}: raw
   * RGB training photographs at the student's scale. Each goes through the teacher's own prediction (its input
   * channels, its training scale and back, its calibration), averaged over the four flips.
   */
  List<float[]> probabilities(List<Sample> photographs, ComputeDevice device) {
    long t0 = System.nanoTime();
    Checkpoint.Loaded loaded = Checkpoint.load(contents, "teacher " + name, device, Precision.FP32,
        Checkpoint.MAX_MEMBERS);
    List<float[]> maps = new ArrayList<>(photographs.size());
    try (var net = loaded.network()) {
      net.fuseForInference();
      Predictor predictor = new Predictor(net, TTA);
      double diameter = Models.fovDiameter(loaded, "auto");
      for (Sample s : photographs) {
        maps.add(predictor.probabilities(s, diameter));
      }
    }
    LOG.info("distilling from {} (SHA-256 {}, {} network{}): its {} probabilities on {} training photographs in "
        + "{} s; loss = {} x label loss + {} x BCE against them", name, sha256.substring(0, 12),
        loaded.meta().members(), loaded.meta().members() == 1 ? "" : "s", TTA.name().toLowerCase(),
        photographs.size(), String.format("%.1f", (System.nanoTime() - t0) / 1e9), 1 - weight, weight);
    return maps;
  }

  /** The {@code distillation} entry of the student's model file and run.json. */
  Map<String, Object> record() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("teacher", name);
    m.put("sha256", sha256);
    m.put("weight", weight);
    m.put("teacher_tta", TTA.name().toLowerCase());
    m.put("teacher_architecture", contents.metadata().getOrDefault("architecture", ""));
    m.put("loss", "(1-weight) * label loss + weight * BCE(logits, teacher probabilities), per stage");
    return m;
  }
}
