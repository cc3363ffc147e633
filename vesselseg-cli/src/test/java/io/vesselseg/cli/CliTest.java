package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.RgbImage;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import io.vesselseg.model.Thresholds;
import io.vesselseg.viz.Overlay;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: exit codes, one-line errors, files written. */
class CliTest {

  /** Exit code and what went to stdout and stderr. */
  record Outcome(int code, String out, String err) {}

  static Outcome run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  static Path smallModel(Path dir) {
    Path file = dir.resolve("tiny.safetensors");
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 3)) {
      Checkpoint.save(file, net, 0.5f, Map.of(), null);
    }
    return file;
  }

  @Test
  void everyCommandsHelpPrintsCleanly() {
    List<List<String>> commands = new java.util.ArrayList<>();
    collect(new picocli.CommandLine(new Main()), List.of(), commands);
    assertTrue(commands.size() >= 12, "commands: " + commands);
    for (List<String> command : commands) {
      List<String> args = new java.util.ArrayList<>(command);
      args.add("--help");
      Outcome o = run(args.toArray(String[]::new));
      String name = String.join(" ", command);
      assertEquals(0, o.code(), name + ": " + o.err());
      assertTrue(o.out().contains("Usage: vesselseg " + name), name + ": " + o.out());
      assertEquals("", o.err(), name + " --help wrote to stderr (a description picocli cannot format?)");
    }
  }

  private static void collect(picocli.CommandLine cl, List<String> prefix, List<List<String>> into) {
    cl.getSubcommands().forEach((name, sub) -> {
      List<String> command = new java.util.ArrayList<>(prefix);
      command.add(name);
      into.add(command);
      collect(sub, command, into);
    });
  }

  @Test
  void missingDatasetIsADataErrorInOneLine(@TempDir Path dir) {
    Outcome o = run("train", "--data", dir.resolve("nowhere").toString(), "--out", dir.resolve("r").toString());
    assertEquals(Main.DATA, o.code(), o.err());
    assertTrue(o.err().startsWith("error: "), o.err());
    assertTrue(o.err().contains("nowhere"), o.err());
    assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
    assertFalse(Files.exists(dir.resolve("r")), "nothing written for a run that cannot start");
  }

  @Test
  void badArgumentsAreUsageErrors(@TempDir Path dir) {
    Outcome p = run("train", "--data", "synthetic", "--out", dir.resolve("r").toString(), "--precision", "fp64");
    assertEquals(Main.USAGE, p.code());
    assertTrue(p.err().contains("expected auto, fp32, bf16 or int8"), p.err());
    Outcome q = run("train", "--data", "synthetic", "--out", dir.resolve("r").toString(), "--precision", "int8");
    assertEquals(Main.USAGE, q.code());
    assertTrue(q.err().contains("int8 is for predictions"), q.err());
    assertFalse(Files.exists(dir.resolve("r")), "a refused run leaves no run directory");
    Outcome d = run("train", "--data", "synthetic", "--out", dir.resolve("r").toString(), "--device", "tpu");
    assertEquals(Main.USAGE, d.code());
    assertTrue(d.err().contains("expected auto, cpu or cuda"), d.err());
    Outcome m = run("evaluate", "--model", dir.resolve("none").toString(), "--data", "synthetic");
    assertEquals(Main.USAGE, m.code());
    assertTrue(m.err().contains("run directory"), m.err());
    assertEquals(Main.USAGE, run("train", "--out", "x").code(), "missing --data");
    assertEquals(Main.USAGE, run("frobnicate").code());
  }

  @Test
  void cudaRequestedWithoutAGpuSaysHowToGetOne() {
    if (ComputeDevice.cudaAvailable()) {
      return; // this machine has a GPU: nothing to refuse
    }
    Outcome o = run("evaluate", "--model", "x", "--data", "synthetic", "--device", "cuda");
    assertEquals(Main.USAGE, o.code(), o.err());
    assertTrue(o.err().contains("-Pcuda"), o.err());
    assertEquals(ComputeDevice.CPU, ComputeDevice.resolve("auto"));
  }

  @Test
  void predictWritesProbabilityAndMaskPngs(@TempDir Path dir) {
    Path in = dir.resolve("in");
    for (int i = 0; i < 2; i++) {
      var s = SyntheticFundus.generate(40 + i, 120, 100);
      ImageFiles.writePng(in.resolve("photo" + i + ".png"), Overlay.photo(s.rgb(), s.width(), s.height()));
    }
    Path out = dir.resolve("out");
    Outcome o = run("predict", "--model", smallModel(dir).toString(), "--input", in.toString(), "--output",
        out.toString());
    assertEquals(Main.OK, o.code(), o.err());
    for (int i = 0; i < 2; i++) {
      RgbImage prob = ImageFiles.readRgb(out.resolve("photo" + i + "_prob.png"));
      assertEquals(120, prob.width());
      assertEquals(100, prob.height());
      byte[] mask = ImageFiles.readMask(out.resolve("photo" + i + "_mask.png"), 120, 100, null);
      assertEquals(120 * 100, mask.length);
    }
    Outcome empty = run("predict", "--model", smallModel(dir).toString(), "--input", out.resolve("none")
        .toString(), "--output", out.toString());
    assertEquals(Main.USAGE, empty.code());
  }

  @Test
  void segmentUsesTheShippedModelAndTakesOutAsOutput(@TempDir Path dir) throws Exception {
    var s = SyntheticFundus.generate(44, 120, 100);
    Path photo = dir.resolve("photo.png");
    ImageFiles.writePng(photo, Overlay.photo(s.rgb(), s.width(), s.height()));
    Path out = dir.resolve("seg");
    Outcome o = run("segment", photo.toString(), "--out", out.toString(), "--members", "1");
    assertEquals(Main.OK, o.code(), o.err());
    assertTrue(o.out().contains("model: built-in model (jar:"), o.out());
    for (String suffix : List.of("_prob.png", "_mask.png", "_overlay.png")) {
      RgbImage img = ImageFiles.readRgb(out.resolve("photo" + suffix));
      assertEquals(List.of(120, 100), List.of(img.width(), img.height()), suffix);
    }
    Outcome u = run("segment", photo.toString(), "--out", out.toString(), "--members", "2", "--uncertainty");
    assertEquals(Main.OK, u.code(), u.err());
    assertTrue(u.out().contains("photo_uncertainty.png (member disagreement 0."), u.out());
    RgbImage spread = ImageFiles.readRgb(out.resolve("photo_uncertainty.png"));
    assertEquals(List.of(120, 100), List.of(spread.width(), spread.height()));
    Path broken = Files.writeString(dir.resolve("broken.png"), "not a picture");
    Outcome bad = run("segment", broken.toString(), "--output", dir.resolve("seg2").toString());
    assertEquals(Main.DATA, bad.code(), bad.out());
    assertTrue(bad.err().contains("broken.png"), bad.err());
    assertFalse(Files.exists(dir.resolve("seg2")), "nothing left behind, not even the new output folder");
  }

  @Test
  void segmentOnTilesAgreesWithTheWholePhotographAndEvaluateTakesTilesToo(@TempDir Path dir) throws Exception {
    var s = SyntheticFundus.generate(45, 300, 260);
    Path photo = dir.resolve("photo.png");
    ImageFiles.writePng(photo, Overlay.photo(s.rgb(), s.width(), s.height()));
    // --rescale none: the network sees 300x260 (9 tiles of 128), not the photograph brought to DRIVE's scale
    Outcome whole = run("segment", photo.toString(), "--model", "compact", "--rescale", "none", "--out",
        dir.resolve("w").toString());
    Outcome tiled = run("segment", photo.toString(), "--model", "compact", "--rescale", "none", "--tile", "128",
        "--out", dir.resolve("t").toString());
    assertEquals(Main.OK, whole.code(), whole.err());
    assertEquals(Main.OK, tiled.code(), tiled.err());
    RgbImage a = ImageFiles.readRgb(dir.resolve("w/photo_mask.png"));
    RgbImage b = ImageFiles.readRgb(dir.resolve("t/photo_mask.png"));
    long same = 0;
    for (int i = 0; i < a.chw().length; i++) {
      same += a.chw()[i] == b.chw()[i] ? 1 : 0;
    }
    assertTrue(same > 0.99 * a.chw().length, "tiled and whole masks agree on " + same + " of " + a.chw().length);
    assertTrue(same < a.chw().length, "128-pixel tiles are not the whole photograph");
    Outcome eval = run("evaluate", "--model", "compact", "--data", "synthetic", "--rescale", "none", "--tile",
        "96");
    assertEquals(Main.OK, eval.code(), eval.err());
    Outcome bad = run("segment", photo.toString(), "--tile", "10", "--out", dir.resolve("x").toString());
    assertEquals(Main.USAGE, bad.code(), bad.out());
    assertTrue(bad.err().contains("tile 10 must be 0 (whole photographs) or in 64..4096"), bad.err());
    assertFalse(Files.exists(dir.resolve("x")));
  }

  @Test
  void evaluateWritesTheRequiredJsonKeys(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("e.json");
    Outcome o = run("evaluate", "--model", smallModel(dir).toString(), "--data", "synthetic", "--json",
        json.toString());
    assertEquals(Main.OK, o.code(), o.err());
    assertTrue(o.out().contains("pooled"), o.out());
    JsonNode doc = new ObjectMapper().readTree(json.toFile());
    for (String key : List.of("f1", "iou", "accuracy", "sensitivity", "specificity", "mcc", "auc_roc",
        "auc_pr", "threshold", "per_image")) {
      assertTrue(doc.has(key), "key " + key);
    }
    assertEquals(6, doc.get("per_image").size());
    assertTrue(doc.get("precision").isNumber(), "pooled precision (PPV) is a figure: " + doc.get("precision"));
    assertEquals("fp32", doc.get("inference_precision").asText());
  }

  @Test
  void exportCalibratesTtaThresholdsOnTheModelsValidationImagesOnly(@TempDir Path dir) throws Exception {
    List<String> ids = io.vesselseg.data.Datasets.load("synthetic", "training").stream()
        .map(io.vesselseg.data.Sample::id).limit(2).toList();
    Path model = dir.resolve("val.safetensors");
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 3)) {
      Checkpoint.save(model, net, 0.5f,
          Map.of("validation_images", new ObjectMapper().writeValueAsString(ids)), null);
    }
    Path out = dir.resolve("calibrated.safetensors");
    Outcome o = run("export", "--model", model.toString(), "--out", out.toString(), "--calibrate-on",
        "synthetic");
    assertEquals(Main.OK, o.code(), o.err());
    var meta = io.vesselseg.model.SafeTensors.read(out).metadata();
    for (String key : List.of("threshold_flips", "threshold_d8")) {
      float t = Float.parseFloat(meta.get(key));
      assertTrue(t > 0 && t < 1, key + " = " + t);
    }

    Path refused = dir.resolve("refused.safetensors");
    Outcome none = run("export", "--model", smallModel(dir).toString(), "--out", refused.toString(),
        "--calibrate-on", "synthetic");
    assertEquals(Main.USAGE, none.code(), none.err());
    assertTrue(none.err().contains("validation_images"), none.err());
    assertFalse(Files.exists(refused), "no file written when calibration cannot run");

    Path borrowed = dir.resolve("borrowed.safetensors");
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 3)) {
      Checkpoint.save(borrowed, net, Thresholds.fromMetadata(Map.of("threshold", "0.5", "thresholds_from",
          "{\"file\":\"runs/c/best.safetensors\"}")), Map.of("validation_images", "[]"), null);
    }
    Outcome all = run("export", "--model", borrowed.toString(), "--out", refused.toString(),
        "--calibrate-on", "synthetic");
    assertEquals(Main.USAGE, all.code(), all.err());
    assertTrue(all.err().contains("trained on every training image"), all.err());
    assertFalse(Files.exists(refused));
  }

  @Test
  void aCalibratedModelPutsEachImagesMedianFovPixelAtItsOffsetAndEnsemblesKeepIt(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("cal.safetensors");
    String cal = "{\"type\":\"fov-median-logit\",\"offset\":-4.0}";
    Outcome o = run("export", "--model", smallModel(dir).toString(), "--out", out.toString(), "--meta",
        "calibration=" + cal);
    assertEquals(Main.OK, o.code(), o.err());
    var samples = io.vesselseg.data.Datasets.load("synthetic", "test");
    try (Network net = Checkpoint.load(out, ComputeDevice.CPU, Precision.FP32).network()) {
      assertEquals(-4.0, net.calibration().offset());
      for (var s : samples.subList(0, 2)) {
        float[] p = new io.vesselseg.infer.Predictor(net, false).probabilities(s);
        float[] inside = new float[p.length];
        int n = 0;
        for (int i = 0; i < p.length; i++) {
          if (s.fov()[i] != 0) {
            inside[n++] = p[i];
          }
        }
        java.util.Arrays.sort(inside, 0, n);
        assertEquals(1 / (1 + Math.exp(4)), inside[n / 2], 2e-3, s.id() + ": median FOV probability");
      }
    }
    Path ens = dir.resolve("ens.safetensors");
    Outcome e = run("ensemble", out.toString(), out.toString(), "--out", ens.toString());
    assertEquals(Main.OK, e.code(), e.err());
    assertEquals(cal, io.vesselseg.model.SafeTensors.read(ens).metadata().get("calibration"));
    Outcome mixed = run("ensemble", out.toString(), smallModel(dir).toString(), "--out",
        dir.resolve("mixed.safetensors").toString());
    assertEquals(Main.USAGE, mixed.code(), mixed.err());
    assertTrue(mixed.err().contains("calibration"), mixed.err());

    Path bad = dir.resolve("bad.safetensors");
    Outcome nonsense = run("export", "--model", smallModel(dir).toString(), "--out", bad.toString(), "--meta",
        "calibration={\"type\":\"fov-median-logit\"}");
    assertTrue(nonsense.code() != Main.OK, nonsense.err());
    assertTrue(nonsense.err().contains("expected {\"type\":\"fov-median-logit\",\"offset\""), nonsense.err());
    assertFalse(Files.exists(bad), "nothing written for a calibration that is not understood");
  }

  @Test
  void exportGivesARefitTheCrossValidatedThresholds(@TempDir Path dir) throws Exception {
    Path refit = dir.resolve("refit.safetensors");
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 3)) {
      Checkpoint.save(refit, net, Thresholds.fromMetadata(Map.of("threshold", "0.5", "threshold_flips", "0.45",
          "threshold_d8", "0.44", "thresholds_from", "{\"file\":\"runs/j/best.safetensors\"}")),
          Map.of("validation_images", "[]"), null);
    }
    Path cv = dir.resolve("cv.json");
    Files.writeString(cv, "{\"format\":\"vesselseg-crossval-1\",\"weights\":\"last\",\"folds\":["
        + "{\"validation_images\":[\"21_training\",\"22_training\"]},{\"validation_images\":[\"23_training\"]}],"
        + "\"pooled_best\":{\"none\":{\"threshold\":0.42,\"f1\":0.8},\"d8\":{\"threshold\":0.4,\"f1\":0.81}},"
        + "\"recipe\":{}}");
    Path out = dir.resolve("out.safetensors");
    Outcome o = run("export", "--model", refit.toString(), "--out", out.toString(), "--thresholds-from",
        cv.toString());
    assertEquals(Main.OK, o.code(), o.err());
    var meta = io.vesselseg.model.SafeTensors.read(out).metadata();
    assertEquals(0.42f, Float.parseFloat(meta.get("threshold")));
    assertEquals(0.4f, Float.parseFloat(meta.get("threshold_d8")));
    assertFalse(meta.containsKey("threshold_flips"), "the old --tta threshold is not kept beside the new ones");
    var source = new ObjectMapper().readTree(meta.get("thresholds_from"));
    assertEquals(cv.toString(), source.get("file").asText());
    assertEquals(3, source.get("validation_images").size());

    Path held = dir.resolve("held.safetensors");
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 3)) {
      Checkpoint.save(held, net, 0.5f, Map.of("validation_images", "[\"21_training\"]"), null);
    }
    Path refused = dir.resolve("refused.safetensors");
    Outcome h = run("export", "--model", held.toString(), "--out", refused.toString(), "--thresholds-from",
        cv.toString());
    assertEquals(Main.USAGE, h.code(), h.err());
    assertTrue(h.err().contains("held images out"), h.err());
    assertFalse(Files.exists(refused));
    Outcome w = run("crossval", "--data", "synthetic", held.toString(), refit.toString(), "--weights", "first");
    assertEquals(Main.USAGE, w.code(), w.err());
    assertTrue(w.err().contains("expected best or last, found 'first'"), w.err());
  }

  @Test
  void batchSizeAliasTrainsAndResumeContinues(@TempDir Path dir) {
    String out = dir.resolve("run").toString();
    String[] args = {"train", "--data", "synthetic", "--out", out, "--epochs", "1", "--steps-per-epoch",
        "2", "--batch_size", "2", "--patch-size", "32", "--depth", "2", "--base-channels", "4",
        "--precision", "fp32"};
    Outcome o = run(args);
    assertEquals(Main.OK, o.code(), o.err());
    assertTrue(o.out().contains("epoch 1:"), o.out());
    Outcome again = run(args);
    assertEquals(Main.USAGE, again.code());
    assertTrue(again.err().contains("--resume"), again.err());
  }

  @Test
  void aWNetTrainsEvaluatesAndSaysWhatItIs(@TempDir Path dir) throws Exception {
    String out = dir.resolve("w").toString();
    Outcome o = run("train", "--data", "synthetic", "--out", out, "--epochs", "1", "--steps-per-epoch", "2",
        "--batch-size", "2", "--patch-size", "32", "--depth", "2", "--base-channels", "4", "--refine-depth", "2",
        "--refine-channels", "4", "--precision", "fp32");
    assertEquals(Main.OK, o.code(), o.err());
    JsonNode model = new ObjectMapper().readTree(dir.resolve("w/run.json").toFile()).get("model");
    assertEquals("wnet", model.get("architecture").asText(), model.toString());
    assertEquals(2, model.get("refine_depth").asInt());
    Outcome e = run("evaluate", "--model", out, "--data", "synthetic", "--tta");
    assertEquals(Main.OK, e.code(), e.err());
    assertTrue(e.out().contains("pooled"), e.out());
    Outcome bad = run("train", "--data", "synthetic", "--out", dir.resolve("bad").toString(), "--refine-depth",
        "9");
    assertEquals(Main.USAGE, bad.code());
    assertTrue(bad.err().contains("second-stage U-Net (--refine) depth 9"), bad.err());
    assertFalse(Files.exists(dir.resolve("bad")), "nothing written for a refused architecture");
  }

  @Test
  void twoSeedsCombineIntoAnEnsembleThatEvaluates(@TempDir Path dir) throws Exception {
    for (String seed : new String[] {"1", "2"}) {
      Outcome o = run("train", "--data", "synthetic", "--out", dir.resolve("s" + seed).toString(), "--epochs",
          "1", "--steps-per-epoch", "2", "--batch-size", "2", "--patch-size", "32", "--depth", "2",
          "--base-channels", "4", "--precision", "fp32", "--seed", seed, "--split-seed", "5");
      assertEquals(Main.OK, o.code(), o.err());
    }
    String ens = dir.resolve("ens.safetensors").toString();
    Outcome c = run("ensemble", dir.resolve("s1").toString(), dir.resolve("s2").toString(), "--out", ens);
    assertEquals(Main.OK, c.code(), c.err());
    assertTrue(c.out().contains("\"members\":2"), c.out());
    Outcome e = run("evaluate", "--model", ens, "--data", "synthetic", "--json", dir.resolve("e.json").toString());
    assertEquals(Main.OK, e.code(), e.err());
    assertTrue(e.out().contains("pooled"), e.out());
    var members = new ObjectMapper().readTree(SafeTensors.read(Path.of(ens)).metadata().get("ensemble"))
        .get("members");
    assertEquals(List.of(1, 2), List.of(members.get(0).get("seed").asInt(), members.get(1).get("seed").asInt()));
    Outcome bad = run("ensemble", dir.resolve("s1").toString(), dir.resolve("nowhere").toString(), "--out",
        dir.resolve("bad.safetensors").toString());
    assertEquals(Main.USAGE, bad.code());
    assertTrue(bad.err().contains("nowhere does not exist"), bad.err());
    assertFalse(Files.exists(dir.resolve("bad.safetensors")));
  }

  @Test
  void membersTrainsAnEnsembleThatPicksItsThresholdsAndResumesWhereItStopped(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("e");
    String[] args = {"train", "--data", "synthetic", "--out", out.toString(), "--members", "2", "--seed", "5",
        "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "2", "--patch-size", "32", "--depth", "2",
        "--base-channels", "4", "--precision", "fp32", "--loss", "bce+dice,bce"};
    Outcome o = run(args);
    assertEquals(Main.OK, o.code(), o.err());
    ObjectMapper json = new ObjectMapper();
    List<String> losses = List.of("bce+dice", "bce");
    for (int i = 1; i <= 2; i++) {
      JsonNode config = json.readTree(out.resolve("member-" + i + "/run.json").toFile()).get("config");
      assertEquals(4 + i, config.at("/runtime/seed").asInt(), "member " + i + " seed");
      assertEquals(5, config.at("/data/split_seed").asInt(), "one split for every member");
      assertEquals(losses.get(i - 1), config.at("/objective/loss").asText(), "member " + i + " loss");
    }
    var meta = SafeTensors.read(out.resolve("best.safetensors")).metadata();
    assertTrue(meta.get("architecture").contains("\"members\":2"), meta.get("architecture"));
    JsonNode info = json.readTree(meta.get("ensemble"));
    assertEquals(losses, List.of(info.get("members").get(0).get("loss").asText(),
        info.get("members").get(1).get("loss").asText()));
    assertTrue(info.get("threshold").asText().startsWith("picked on the validation images"), info.toString());
    assertTrue(meta.containsKey("val_f1") && meta.containsKey("threshold_d8"), meta.keySet().toString());
    assertTrue(Files.isRegularFile(out.resolve("last.safetensors")));
    Outcome e = run("evaluate", "--model", out.toString(), "--data", "synthetic", "--members", "1");
    assertEquals(Main.OK, e.code(), e.err());

    Outcome again = run(args);
    assertEquals(Main.USAGE, again.code());
    assertTrue(again.err().contains("already holds a model"), again.err());
    // a run stopped during member 2: --resume keeps member 1 and trains member 2
    byte[] member1 = Files.readAllBytes(out.resolve("member-1/best.safetensors"));
    for (Path p : List.of(out.resolve("best.safetensors"), out.resolve("last.safetensors"))) {
      Files.delete(p);
    }
    try (var files = Files.walk(out.resolve("member-2"))) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    String[] resume = java.util.Arrays.copyOf(args, args.length + 1);
    resume[args.length] = "--resume";
    Outcome r = run(resume);
    assertEquals(Main.OK, r.code(), r.err());
    assertTrue(Files.isRegularFile(out.resolve("member-2/best.safetensors")));
    assertTrue(java.util.Arrays.equals(member1, Files.readAllBytes(out.resolve("member-1/best.safetensors"))),
        "a finished member is kept as it is");
    assertTrue(Files.isRegularFile(out.resolve("best.safetensors")));

    Outcome zero = run("train", "--data", "synthetic", "--out", dir.resolve("z").toString(), "--members", "0");
    assertEquals(Main.USAGE, zero.code());
    assertTrue(zero.err().contains("--members 0: expected 2..32"), zero.err());
    assertFalse(Files.exists(dir.resolve("z")));
    Outcome three = run("train", "--data", "synthetic", "--out", dir.resolve("z").toString(), "--members", "3",
        "--loss", "bce+dice,bce");
    assertEquals(Main.USAGE, three.code());
    assertTrue(three.err().contains("names 2 losses for 3 members"), three.err());
    Outcome one = run("train", "--data", "synthetic", "--out", dir.resolve("z").toString(), "--loss", "bce,bce");
    assertEquals(Main.USAGE, one.code());
    assertTrue(one.err().contains("one per member with --members 2"), one.err());
    assertFalse(Files.exists(dir.resolve("z")));
  }

  @Test
  void anUnwritableRunDirectoryIsReportedBeforeTraining(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    Outcome o = run("train", "--data", "synthetic", "--out", file.resolve("run").toString(), "--epochs", "1");
    assertEquals(Main.DATA, o.code(), o.err());
    assertTrue(o.err().contains("cannot create run directory"), o.err());
    assertFalse(o.out().contains("epoch 1"), "no training started: " + o.out());
  }

  @Test
  void aCorruptModelFileIsOneClearError(@TempDir Path dir) throws Exception {
    Path bad = Files.write(dir.resolve("bad.safetensors"), new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
    Outcome o = run("evaluate", "--model", bad.toString(), "--data", "synthetic");
    assertEquals(Main.DATA, o.code(), o.err());
    assertTrue(o.err().contains("error: model file") && o.err().contains("not a valid safetensors"),
        o.err());
  }
}
