// Is int8 inference reachable from the Java presets, and is it faster? (issue 26, docs/compact.md#int8)
// libtorch's quantised kernels are not in the presets' Java API, but its operator dispatcher is: this probe
// prepacks a 3x3 convolution's int8 weights with quantized::conv2d_prepack, runs quantized::conv2d.new
// (FBGEMM) on a uint8-quantised input, and times it against the fp32 convolution, for the compact model's
// four levels (6/12/24/48 channels on a DRIVE photograph's 584x568 grid and its halvings).
//
//   java -cp "vesselseg-cli/target/lib/*" scripts/Int8Probe.java [THREADS]     # after ./vesselseg --version
import static org.bytedeco.pytorch.global.torch.*;
import org.bytedeco.pytorch.*;
import org.bytedeco.pytorch.global.torch;

public class Int8Probe {
  static GenericList ints(long... v) {
    GenericList l = new GenericList(new Type.TypePtr(IntType.getIntTypePtr().get()));
    for (long x : v) l.push_back(new IValue(x));
    return l;
  }
  public static void main(String[] a) {
    torch.set_num_threads(Integer.parseInt(a.length > 0 ? a[0] : "1"));
    OperatorHandle prepack = Dispatcher.singleton().findSchemaOrThrow("quantized::conv2d_prepack", "");
    OperatorHandle qconv = Dispatcher.singleton().findSchemaOrThrow("quantized::conv2d", "new");
    System.out.println("reachable: " + prepack.schema().name().getString() + ", " + qconv.schema().name().getString()
        + " (threads " + torch.get_num_threads() + ")");
    int[][] levels = {{6, 584, 568}, {12, 292, 284}, {24, 146, 142}, {48, 73, 71}};
    for (int[] l : levels) {
      int c = l[0], h = l[1], w = l[2];
      Tensor x = rand(1, c, h, w);
      Tensor wt = rand(c, c, 3, 3).sub_(new Scalar(0.5));
      Tensor b = zeros(c);
      Tensor wq = quantize_per_tensor(wt, 0.01, 0, ScalarType.QInt8);
      IValueVector s = new IValueVector();
      s.push_back(new IValue(wq)); s.push_back(new IValue(b));
      s.push_back(new IValue(ints(1, 1))); s.push_back(new IValue(ints(1, 1))); s.push_back(new IValue(ints(1, 1)));
      s.push_back(new IValue(1L));
      prepack.callBoxed(s);
      IValue packed = s.get(0);
      Tensor xq = quantize_per_tensor(x, 1.0 / 255, 0, ScalarType.QUInt8);
      Conv2dOptions o = new Conv2dOptions(c, c, new org.bytedeco.javacpp.LongPointer(new long[] {3, 3}));
      o.padding().put(new org.bytedeco.javacpp.LongPointer(new long[] {1, 1}));
      Conv2dImpl conv = new Conv2dImpl(o);
      int reps = 20;
      double[] fp = new double[5], q8 = new double[5];
      for (int round = 0; round < 5; round++) { // interleaved, so load changes hit both alike; medians printed
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) { conv.forward(x); }
        long t1 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
          IValueVector st = new IValueVector();
          st.push_back(new IValue(xq)); st.push_back(packed); st.push_back(new IValue(0.05)); st.push_back(new IValue(64L));
          qconv.callBoxed(st);
          st.get(0).toTensor();
        }
        long t2 = System.nanoTime();
        fp[round] = (t1 - t0) / 1e6 / reps;
        q8[round] = (t2 - t1) / 1e6 / reps;
      }
      java.util.Arrays.sort(fp);
      java.util.Arrays.sort(q8);
      System.out.printf("%2d channels, %dx%d: fp32 conv %.2f ms, int8 conv %.2f ms (median of 5 x %d): %.2fx%n",
          c, h, w, fp[2], q8[2], reps, fp[2] / q8[2]);
    }
  }
}
