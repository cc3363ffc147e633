import io.vesselseg.VesselSegmenter;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Segments one photograph with the model inside the jar and writes its vessel mask as a PNG. */
public class SegmentPhotograph {
  public static void main(String[] args) throws Exception {
    try (VesselSegmenter segmenter = VesselSegmenter.builtIn()) {
      var s = segmenter.segment(Path.of(args[0]));
      System.out.printf("%dx%d, threshold %.3f, vessels %.1f%% of the FOV%n",
          s.width(), s.height(), s.threshold(), 100 * s.vesselDensity());
      ImageIO.write(s.maskImage(), "png", Path.of(args[1]).toFile());
    }
  }
}
