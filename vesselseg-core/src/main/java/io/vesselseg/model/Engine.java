package io.vesselseg.model;

import org.bytedeco.pytorch.global.torch;

/** Process-wide libtorch settings. */
public final class Engine {

  private Engine() {}

  /** Sets libtorch's intra-op thread count; {@code n <= 0} means one per available core. */
  public static int threads(int n) {
    int t = n > 0 ? n : Runtime.getRuntime().availableProcessors();
    torch.set_num_threads(t);
    return t;
  }
}
