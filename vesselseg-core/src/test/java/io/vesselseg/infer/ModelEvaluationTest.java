package io.vesselseg.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vesselseg.data.Sample;
import io.vesselseg.data.SyntheticFundus;
import io.vesselseg.eval.Evaluation;
import io.vesselseg.eval.ScoredImage;
import io.vesselseg.model.Architecture;
import io.vesselseg.model.ComputeDevice;
import io.vesselseg.model.Network;
import io.vesselseg.model.Normalization;
import io.vesselseg.model.Precision;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ModelEvaluation} streams photographs: each is made, predicted, scored and handed on once. */
class ModelEvaluationTest {

  /** Photographs made on request (as a lazy dataset decodes them), with a 2nd observer: every 7th pixel flipped. */
  private static final class Generated implements Iterable<Sample> {
    int made;

    @Override
    public Iterator<Sample> iterator() {
      return new Iterator<>() {
        int next;

        @Override
        public boolean hasNext() {
          return next < 3;
        }

        @Override
        public Sample next() {
          Sample s = SyntheticFundus.generate(40 + next++, 64, 64);
          made++;
          byte[] second = s.vessel().clone();
          for (int i = 0; i < second.length; i += 7) {
            second[i] ^= 1;
          }
          return new Sample(s.id(), s.width(), s.height(), s.rgb(), s.vessel(), second, s.fov(), false);
        }
      };
    }
  }

  @Test
  void eachPhotographIsScoredOnceAndTheReportsMatchTheListEvaluation() {
    try (Network net = Network.create(new Architecture(2, 4), ComputeDevice.CPU, Precision.FP32,
        Normalization.unit(), 1)) {
      Generated photos = new Generated();
      List<ScoredImage> seen = new ArrayList<>();
      List<ScoredImage> seconds = new ArrayList<>();
      var result = ModelEvaluation.run(new Predictor(net, false), photos, 0.5f, true, 0, (s, p, score) -> {
        assertEquals(s.pixels(), p.length);
        assertEquals(s.id(), score.id());
        assertEquals(seen.size() + 1, photos.made, "handed on before the next photograph is made");
        seen.add(ScoredImage.of(s, p));
        seconds.add(ScoredImage.secondObserver(s));
      });
      assertEquals(3, photos.made, "each photograph made once for the model and the 2nd observer");
      assertEquals(Evaluation.evaluate("model", seen, 0.5f), result.model());
      assertEquals(Evaluation.evaluateBinary("2nd observer", seconds), result.human());
    }
  }
}
