package io.nfeval.testing;

import java.time.Instant;
import java.util.OptionalLong;

/**
 * The wall-clock deadline a CI run gives the test suites, if any.
 *
 * <p>{@code .ci/run} sets {@code NFEVAL_TEST_DEADLINE} (epoch seconds) so that the suites whose
 * length scales with the machine's speed (the live kernel runs) can stop starting new work in time
 * for the run to finish within its limit, and say what they left out. Without the variable there is
 * no deadline and every suite runs in full, which is what the README's test command does.
 */
public final class TestDeadline {
  public static final String ENV = "NFEVAL_TEST_DEADLINE";

  private TestDeadline() {}

  /** The deadline in epoch seconds, or empty when none is set (or it does not parse). */
  public static OptionalLong epochSeconds() {
    String v = System.getenv(ENV);
    if (v == null || v.isBlank()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(v.trim()));
    } catch (NumberFormatException e) {
      System.err.println("[nfeval tests] ignoring " + ENV + "=" + v + ": not a number of epoch seconds");
      return OptionalLong.empty();
    }
  }

  /** Seconds left before the deadline (negative once past), or {@link Long#MAX_VALUE} without one. */
  public static long secondsLeft() {
    OptionalLong d = epochSeconds();
    return d.isPresent() ? d.getAsLong() - Instant.now().getEpochSecond() : Long.MAX_VALUE;
  }
}
