package io.vesselseg.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training curves from a hand-written metrics.csv, and the parser's errors. */
class CurvesTest {

  static final String HEADER = "epoch,step,train_loss,val_loss,val_f1,val_auc,threshold,lr,patches_per_s,"
      + "elapsed_s,best\n";
  static final String ROWS = """
      1,100,1.239450,0.359937,0.734466,0.941806,0.732657,9.826e-04,15.70,103.6,true
      2,200,0.808662,0.228678,0.772864,0.952213,0.768936,1.829e-03,12.89,229.4,true
      3,300,0.526533,0.241102,0.746443,0.928027,0.850027,1.591e-03,12.34,360.5,false
      """;

  static Path csv(Path dir, String body) throws Exception {
    Path f = dir.resolve("metrics.csv");
    Files.writeString(f, HEADER + body);
    return f;
  }

  static int colours(BufferedImage img) {
    Set<Integer> c = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        c.add(img.getRGB(x, y) & 0xFFFFFF);
      }
    }
    return c.size();
  }

  @Test
  void readsTheRowsAndRendersFourPanels(@TempDir Path dir) throws Exception {
    List<MetricsRow> rows = MetricsRow.read(csv(dir, ROWS));
    assertEquals(3, rows.size());
    assertEquals(new MetricsRow(2, 200, 0.808662, 0.228678, 0.772864, 0.952213, 0.768936, 1.829e-3, 12.89,
        229.4, true), rows.get(1));
    assertEquals(2, Curves.best(rows).epoch());
    BufferedImage img = Curves.render(rows);
    assertEquals(Curves.WIDTH, img.getWidth());
    assertEquals(Curves.HEIGHT, img.getHeight());
    int n = colours(img);
    assertTrue(n > 50, "anti-aliased lines and text give many colours, got " + n);
    assertTrue(containsColour(img, Curves.GREEN.getRGB()), "the F1 line is drawn");
  }

  @Test
  void oneEpochAndNoEpochRender(@TempDir Path dir) throws Exception {
    List<MetricsRow> one = MetricsRow.read(csv(dir, ROWS.lines().findFirst().orElseThrow() + "\n"));
    assertEquals(1, one.size());
    assertTrue(colours(Curves.render(one)) > 50);
    assertEquals(Curves.WIDTH, Curves.render(List.of()).getWidth());
  }

  @Test
  void malformedLinesAreNamed(@TempDir Path dir) throws Exception {
    String bad = ROWS.replace("0.772864", "abc");
    var e = assertThrows(VesselsegException.Data.class, () -> MetricsRow.read(csv(dir, bad)));
    assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    assertTrue(e.getMessage().contains("val_f1"), e.getMessage());
    assertTrue(e.getMessage().contains("abc"), e.getMessage());
    var shortLine = assertThrows(VesselsegException.Data.class,
        () -> MetricsRow.read(csv(dir, "1,100,0.5\n")));
    assertTrue(shortLine.getMessage().contains("line 2"), shortLine.getMessage());
    Path noHeader = dir.resolve("h.csv");
    Files.writeString(noHeader, ROWS);
    var h = assertThrows(VesselsegException.Data.class, () -> MetricsRow.read(noHeader));
    assertTrue(h.getMessage().contains("line 1"), h.getMessage());
  }

  @Test
  void ticksAreNiceAndLabelsReadable() {
    double[] t = Chart.ticks(0.0, 1.0, 5, false);
    assertEquals(0.0, t[0]);
    assertEquals(1.0, t[t.length - 1], 1e-12);
    assertEquals("0.2", Chart.format(t[1], t));
    assertEquals(List.of(1.0), java.util.Arrays.stream(Chart.ticks(0.5, 1.5, 8, true)).boxed().toList());
    double[] lr = Chart.ticks(0, 0.002, 5, false);
    assertEquals("1.0e-3", Chart.format(0.001, lr));
  }

  static boolean containsColour(BufferedImage img, int argb) {
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        if (img.getRGB(x, y) == argb) {
          return true;
        }
      }
    }
    return false;
  }
}
