package io.nfeval.rules.ext;

/**
 * The kernel's {@code jiffies} derived from packet time, for the matches whose arithmetic is in
 * jiffies (limit, hashlimit, recent). {@link #HZ} is the tick rate of the reference kernel
 * ({@code CONFIG_HZ=250}, the value of Debian, Ubuntu and the 6.18 kernel nfeval is checked
 * against; Fedora/RHEL use 1000). Only differences of jiffies matter, so the epoch is irrelevant;
 * rounding down to whole ticks is what makes "two packets in the same tick" refill nothing.
 */
final class Jiffies {
  /** CONFIG_HZ of the reference kernel. */
  static final int HZ = 250;

  private Jiffies() {}

  /** Packet time in nanoseconds as jiffies. */
  static long of(long nanos) {
    return Math.floorDiv(nanos, 1_000_000_000L / HZ);
  }

  /** msecs_to_jiffies for HZ dividing 1000: rounds up. */
  static long fromMillis(long ms) {
    final long per = 1000L / HZ;
    return (ms + per - 1) / per;
  }
}
