package io.nfeval.rules.ext;

/**
 * The kernel's {@code jiffies} derived from packet time, for the matches whose arithmetic is in
 * jiffies (limit, hashlimit, recent). {@link #HZ} is the tick rate of the reference kernel
 * ({@code CONFIG_HZ=250}, the value of Debian, Ubuntu and the 6.18 kernel nfeval is checked
 * against; Fedora/RHEL use 1000). Only differences of jiffies matter, so the epoch is irrelevant;
 * rounding down to whole ticks is what makes "two packets in the same tick" refill nothing, and
 * where the ticks fall is the host's: on multiples of the tick period of its CLOCK_MONOTONIC.
 */
public final class Jiffies {
  /** CONFIG_HZ of the reference kernel. */
  public static final int HZ = 250;

  private static final long TICK_NANOS = 1_000_000_000L / HZ;

  private Jiffies() {}

  /**
   * The jiffies of a packet at CLOCK_REALTIME {@code realtimeNanos} on a host whose CLOCK_REALTIME runs
   * {@code realtimeMinusMonotonic} ahead of CLOCK_MONOTONIC, on whose multiples of the tick period the
   * kernel's ticks fall (see {@code HostModel#realtimeMinusMonotonic}); {@code 0} when not known,
   * which puts the ticks on multiples of the tick period of packet time.
   */
  public static long at(long realtimeNanos, long realtimeMinusMonotonic) {
    return Math.floorDiv(realtimeNanos - realtimeMinusMonotonic, TICK_NANOS);
  }

  /** msecs_to_jiffies for HZ dividing 1000: rounds up. */
  static long fromMillis(long ms) {
    final long per = 1000L / HZ;
    return (ms + per - 1) / per;
  }
}
