package io.nfeval.engine;

import java.util.concurrent.locks.LockSupport;

/** Waiting between threads of one run: the replay pipeline's stages, diff's two rulesets. */
public final class Backoff {
  private Backoff() {}

  /**
   * One step of waiting, the {@code n}-th in a row: spin, then yield, then park. The other side is
   * usually only a moment behind. Returns {@code n + 1}.
   */
  public static int idle(int n) {
    if (n < 32) {
      Thread.onSpinWait();
    } else if (n < 40) {
      Thread.yield();
    } else {
      LockSupport.parkNanos(n < 60 ? 10_000 : 100_000);
    }
    return n + 1;
  }

  /** Joins {@code t}, keeping an interrupt for the caller. */
  public static void join(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
