package io.nfeval.engine;

import java.util.concurrent.locks.LockSupport;

/**
 * The threads of one run's stages (the replay pipeline's, diff's two rulesets'): waiting for one another,
 * joining, and handing a stage's failure to the caller.
 */
public final class StageThreads {
  private StageThreads() {}

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

  /** Throws a stage's failure on the caller's thread: unchecked as it is, anything else wrapped. */
  public static void rethrow(Throwable f) {
    if (f instanceof RuntimeException) {
      throw (RuntimeException) f;
    }
    if (f instanceof Error) {
      throw (Error) f;
    }
    throw new IllegalStateException(f);
  }
}
