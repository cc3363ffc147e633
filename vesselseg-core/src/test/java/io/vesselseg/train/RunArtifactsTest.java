package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.data.ImageFiles;
import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.viz.Report;
import io.vesselseg.viz.Curves;
import io.vesselseg.viz.Overlay;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener that draws curves, validation overlays and the report while a run trains. */
class RunArtifactsTest {

  static TrainListener.Epoch epoch(int e, boolean best) {
    return new TrainListener.Epoch(e, e * 10L, 1.0 / e, 0.5 / e, 0.5 + 0.1 * e, 0.9, 0.5f, 1e-3, 20, 5.0 * e,
        best);
  }

  @Test
  void curvesEveryEpochOverlaysEveryNAndAtTheEndReportAtTheEnd(@TempDir Path dir) throws Exception {
    Sample s = SyntheticFundus.generate(7, 64, 48);
    float[] prob = new float[s.pixels()];
    for (int i = 0; i < prob.length; i++) {
      prob[i] = s.vessel()[i] != 0 && i % 3 != 0 ? 0.9f : (i % 17 == 0 ? 0.6f : 0.1f);
    }
    List<Integer> asked = new ArrayList<>();
    RunDirectory run = new RunDirectory(dir);
    RunArtifacts art = new RunArtifacts(dir, 2, () -> {
      asked.add(1);
      return new RunArtifacts.Validation(List.of(s), List.of(prob));
    });
    run.onStart(null, 1, 30);
    for (int e = 1; e <= 3; e++) {
      var ep = epoch(e, e != 2);
      run.onEpoch(ep, TrainState.fresh());
      art.onEpoch(ep, TrainState.fresh());
      assertTrue(Files.exists(art.curves()), "curves after epoch " + e);
    }
    assertEquals(Curves.WIDTH, ImageFiles.readRgb(art.curves()).width());
    assertEquals(1, asked.size(), "asked for predictions on epoch 2 only so far");
    Path two = art.overlays().resolve("epoch_002_" + s.id() + ".png");
    assertTrue(Files.exists(two));
    var summary = new TrainSummary(3, 30, 3, 0.8, 0.9, 0.5f, 0.25, 20, "epochs");
    run.onEnd(summary);
    art.onEnd(summary);
    assertEquals(2, asked.size(), "and once more after the last epoch");
    Path three = art.overlays().resolve("epoch_003_" + s.id() + ".png");
    assertEquals(List.of(three), art.lastOverlays());
    BufferedImage img = ImageIO.read(three.toFile());
    assertTrue(img.getHeight() > s.height(), "legend strip below the image");
    String html = Files.readString(dir.resolve(Report.FILE));
    assertTrue(html.contains("epoch_003_" + s.id() + ".png"), "latest overlays embedded");
    assertFalse(html.contains("has not finished"), "summary present");
    // overlay pixels keep the photograph's coordinates
    int tp = -1;
    for (int i = 0; i < prob.length && tp < 0; i++) {
      if (s.vessel()[i] != 0 && prob[i] > 0.5f && s.fov()[i] != 0) {
        tp = i;
      }
    }
    assertTrue(tp >= 0);
    assertEquals(Overlay.TP, img.getRGB(tp % s.width(), tp / s.width()) & 0xFFFFFF);
  }

  @Test
  void withoutASourceOnlyCurvesAndReport(@TempDir Path dir) {
    RunArtifacts art = new RunArtifacts(dir, 0, null);
    art.onEpoch(epoch(1, true), TrainState.fresh());
    art.onEnd(new TrainSummary(1, 10, 1, 0.6, 0.9, 0.5f, 0.1, 20, "epochs"));
    assertTrue(Files.exists(art.curves()));
    assertTrue(Files.exists(dir.resolve(Report.FILE)));
    assertFalse(Files.exists(art.overlays()));
  }
}
