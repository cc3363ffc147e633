package io.vesselseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.Checkpoint;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Int8Calibration;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import io.vesselseg.model.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vesselseg quantize} then {@code evaluate --precision int8} on a small trained-shape model: the copy
 * carries the calibration and the same weights, int8 scores within a little of fp32, an uncalibrated model
 * is refused for int8 with the command that fixes it, and a refused run writes nothing.
 */
class QuantizeCommandTest {

  @Test
  void quantizeThenEvaluateInInt8(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("small.safetensors");
    try (Network net = Network.create(new Architecture(2, 8), ComputeDevice.CPU, Precision.FP32,
        new Normalization(new float[] {0.5f, 0.3f, 0.2f}, new float[] {0.3f, 0.2f, 0.1f}), 7)) {
      Checkpoint.save(model, net, 0.5f, Map.of("note", "QuantizeCommandTest"), null);
    }
    Path refused = dir.resolve("refused.json");
    CliTest.Outcome r = CliTest.run("evaluate", "--model", model.toString(), "--precision", "int8", "--device",
        "cpu", "--data", "synthetic", "--json", refused.toString());
    assertEquals(Main.USAGE, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("no int8 calibration") && r.err().contains("vesselseg quantize"), r.err());
    assertFalse(Files.exists(refused));

    Path q = dir.resolve("small-int8.safetensors");
    CliTest.Outcome c = CliTest.run("quantize", "--model", model.toString(), "--data", "synthetic", "--split",
        "training", "--photos", "3", "--out", q.toString());
    assertEquals(Main.OK, c.code(), c.out() + c.err());
    assertTrue(c.out().contains("calibrated 1 network(s) on 3 photographs"), c.out());
    SafeTensors.Contents before = SafeTensors.read(model);
    SafeTensors.Contents after = SafeTensors.read(q);
    assertEquals(before.tensors().keySet(), after.tensors().keySet());
    for (String k : before.tensors().keySet()) {
      assertTrue(java.util.Arrays.equals(before.tensors().get(k).data(), after.tensors().get(k).data()), k);
    }
    JsonNode cal = new ObjectMapper().readTree(after.metadata().get(Int8Calibration.KEY));
    assertEquals(3, cal.path("photographs").asInt());
    assertEquals(1 + 2 * 5 + 2, cal.path("members").get(0).size(), "sites of a 2-level U-Net");

    Path fp = dir.resolve("fp32.json");
    Path i8 = dir.resolve("int8.json");
    assertEquals(Main.OK, CliTest.run("evaluate", "--model", q.toString(), "--data", "synthetic", "--json",
        fp.toString()).code());
    CliTest.Outcome e = CliTest.run("evaluate", "--model", q.toString(), "--precision", "int8", "--device", "cpu",
        "--data", "synthetic", "--json", i8.toString());
    assertEquals(Main.OK, e.code(), e.out() + e.err());
    JsonNode a = new ObjectMapper().readTree(fp.toFile());
    JsonNode b = new ObjectMapper().readTree(i8.toFile());
    assertEquals("int8", b.path("inference_precision").asText());
    assertTrue(Math.abs(a.path("auc_roc").asDouble() - b.path("auc_roc").asDouble()) < 0.01,
        a.path("auc_roc") + " vs " + b.path("auc_roc"));
  }
}
