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

  /**
   * The default thread count of one of {@code localWorldSize} processes sharing a machine (torchrun's and
   * Kubernetes' {@code LOCAL_WORLD_SIZE}): {@code cores / localWorldSize}, at least 1; 0 (one per core) when it
   * is not set or not a positive number.
   */
  public static int threadsPerProcess(String localWorldSize, int cores) {
    try {
      int n = localWorldSize == null ? 0 : Integer.parseInt(localWorldSize.trim());
      return n > 0 ? Math.max(1, cores / n) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
