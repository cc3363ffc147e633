package io.vesselseg.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightAverageTest {

  private static final String KEY = "enc0.c1.weight";

  private static float[] floats(SafeTensors.Contents c, String key) {
    byte[] d = c.tensors().get(key).data();
    float[] f = new float[d.length / 4];
    ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
    return f;
  }

  private static float[] random(int n, long seed, boolean binary) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = binary ? (r.nextFloat() < 0.2f ? 1 : 0) : r.nextFloat();
    }
    return a;
  }

  @Test
  void theAverageTrailsTheTrainedWeightsAndTravelsInTheCheckpoint(@TempDir Path dir) {
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 5);
        TrainStep step = new TrainStep(net, 1e-2, 0, true)) {
      Path f = dir.resolve("start.safetensors");
      Checkpoint.save(f, net, 0.5f, Map.of(), null);
      float[] w0 = floats(SafeTensors.read(f), KEY);
      WeightAverage avg = step.averageWeights(0.5);
      for (int s = 0; s < 30; s++) {
        step.step(random(2 * 3 * 16 * 16, s, false), random(2 * 16 * 16, 100 + s, true), 2, 16, 1e-2);
      }
      assertEquals(30, avg.updates());
      Path last = dir.resolve("last.safetensors");
      Checkpoint.save(last, net, 0.5f, Map.of(), step);
      SafeTensors.Contents c = SafeTensors.read(last);
      float[] trained = floats(c, KEY);
      float[] averaged = floats(c, "average." + KEY);
      double moved = 0;
      double gap = 0;
      for (int i = 0; i < trained.length; i++) {
        moved += Math.abs(trained[i] - w0[i]);
        gap += Math.abs(trained[i] - averaged[i]);
      }
      assertTrue(moved > 0 && gap > 0 && gap < moved, "trained moved " + moved + ", average gap " + gap);
      Path best = dir.resolve("best.safetensors");
      Checkpoint.save(best, step.validated(), 0.5f, Map.of(), null);
      assertArrayEquals(averaged, floats(SafeTensors.read(best), KEY), "the model file holds the average");

      try (Network again = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
          Normalization.unit(), 9);
          TrainStep resumed = new TrainStep(again, 1e-2, 0, true)) {
        resumed.averageWeights(0.5);
        assertTrue(Checkpoint.restoreAverage(c, "last", resumed));
        Path back = dir.resolve("back.safetensors");
        Checkpoint.save(back, resumed.validated(), 0.5f, Map.of(), null);
        assertArrayEquals(averaged, floats(SafeTensors.read(back), KEY), "--resume restores the average");
      }
    }
  }
}
