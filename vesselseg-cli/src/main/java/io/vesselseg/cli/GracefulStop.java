package io.vesselseg.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Turns Ctrl-C or SIGTERM during a long command into a stop request: a JVM shutdown hook sets the flag the
 * work polls, then holds the shutdown until the work has stopped and released its native memory (at most
 * {@link #WAIT_SECONDS}). Without it the JVM exits while libtorch computes, which can crash in native code and
 * leave a half-run step behind. Close it when the work returns.
 */
final class GracefulStop implements AutoCloseable {

  /** How long a signal waits for the work to stop before the JVM exits anyway. */
  static final long WAIT_SECONDS = 120;

  private final AtomicBoolean requested = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread hook = new Thread(this::onSignal, "graceful-stop");
  private final String message;

  /** {@code message}: what the signal does, printed when one comes. */
  GracefulStop(String message) {
    this.message = message;
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** True once a signal asked the process to stop. */
  BooleanSupplier requested() {
    return requested::get;
  }

  private void onSignal() {
    requested.set(true);
    System.err.println(message);
    System.err.flush();
    try {
      stopped.await(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The work has returned: a pending shutdown may go on, and a later one no longer waits. */
  @Override
  public void close() {
    stopped.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running (a signal came) and returns now that the work has stopped
    }
  }
}
