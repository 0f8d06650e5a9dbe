package io.nfeval.rules.ext;

/**
 * The kernel's {@code jiffies} derived from packet time, and the constants the matches that count in
 * jiffies (limit, hashlimit, recent, connlimit) derive from {@code CONFIG_HZ}. One instance per tick
 * rate: a snapshot records its host's ({@code config-hz} in snapshot-info.txt); without it nfeval takes
 * {@link #DEFAULT_HZ}, the value of Debian, Ubuntu and the 6.18 kernel nfeval is checked against
 * (Fedora and RHEL build with 1000). Only differences of jiffies matter, so the epoch is irrelevant;
 * rounding down to whole ticks is what makes "two packets in the same tick" refill nothing, and where
 * the ticks fall is the host's: on multiples of the tick period of its CLOCK_MONOTONIC.
 */
public final class Jiffies {
  /** CONFIG_HZ of the reference kernel, taken when a snapshot does not record its host's. */
  public static final int DEFAULT_HZ = 250;
  /** The lowest and highest CONFIG_HZ taken (Kconfig offers 100, 250, 300 and 1000; some arches 24 to 1200). */
  public static final int MIN_HZ = 10;
  public static final int MAX_HZ = 10_000;

  public static final Jiffies DEFAULT = new Jiffies(DEFAULT_HZ);

  /** CONFIG_HZ. */
  public final int hz;
  /** TICK_NSEC: {@code (NSEC_PER_SEC + HZ/2) / HZ}. */
  final long tickNanos;
  /** xt_limit: {@code CREDITS_PER_JIFFY = POW2_BELOW32(0xFFFFFFFF / (HZ*60*60*24))} (128 at HZ=250). */
  final long limitCreditsPerJiffy;
  /** xt_hashlimit revisions 2 and 3: {@code POW2_BELOW64(~0ULL / (HZ*60*60*24))}. */
  final long hashlimitCreditsPerJiffy;
  /** xt_hashlimit byte mode: {@code CREDITS_PER_JIFFY_BYTES = POW2_BELOW32(0xFFFFFFFF / HZ)}. */
  final long hashlimitCreditsPerJiffyBytes;

  private Jiffies(int hz) {
    this.hz = hz;
    this.tickNanos = (1_000_000_000L + hz / 2) / hz;
    this.limitCreditsPerJiffy = Long.highestOneBit(0xFFFFFFFFL / (hz * 60L * 60 * 24));
    this.hashlimitCreditsPerJiffy = Long.highestOneBit(Long.divideUnsigned(-1L, hz * 60L * 60 * 24));
    this.hashlimitCreditsPerJiffyBytes = Long.highestOneBit(0xffffffffL / hz);
  }

  /** The tick rate {@code hz}; {@link IllegalArgumentException} outside {@link #MIN_HZ}..{@link #MAX_HZ}. */
  public static Jiffies of(int hz) {
    if (hz == DEFAULT_HZ) {
      return DEFAULT;
    }
    if (hz < MIN_HZ || hz > MAX_HZ) {
      throw new IllegalArgumentException("CONFIG_HZ " + hz + " is outside " + MIN_HZ + ".." + MAX_HZ);
    }
    return new Jiffies(hz);
  }

  /**
   * The jiffies of a packet at CLOCK_REALTIME {@code realtimeNanos} on a host whose CLOCK_REALTIME runs
   * {@code realtimeMinusMonotonic} ahead of CLOCK_MONOTONIC, on whose multiples of the tick period the
   * kernel's ticks fall (see {@code HostModel#realtimeMinusMonotonic}); {@code 0} when not known,
   * which puts the ticks on multiples of the tick period of packet time.
   */
  public long at(long realtimeNanos, long realtimeMinusMonotonic) {
    return Math.floorDiv(realtimeNanos - realtimeMinusMonotonic, tickNanos);
  }

  /**
   * Where the tick {@link #at} finds for {@code realtimeNanos} began, in CLOCK_REALTIME nanoseconds:
   * {@code jiffies * TICK_NSEC} moved by the same phase.
   */
  public long tickStart(long realtimeNanos, long realtimeMinusMonotonic) {
    return at(realtimeNanos, realtimeMinusMonotonic) * tickNanos + realtimeMinusMonotonic;
  }

  /** TICK_NSEC. */
  public long tickNanos() {
    return tickNanos;
  }

  /**
   * msecs_to_jiffies: rounds up. For HZ dividing 1000 the kernel divides by {@code 1000/HZ}, for
   * multiples of 1000 it multiplies; otherwise its 32-bit multiply-and-shift is ceil(ms * HZ / 1000).
   */
  public long fromMillis(long ms) {
    if (hz <= 1000 && 1000 % hz == 0) {
      final long per = 1000L / hz;
      return (ms + per - 1) / per;
    }
    if (hz > 1000 && hz % 1000 == 0) {
      return ms * (hz / 1000);
    }
    return (ms * hz + 999) / 1000;
  }

  @Override
  public String toString() {
    return "HZ=" + hz;
  }
}
