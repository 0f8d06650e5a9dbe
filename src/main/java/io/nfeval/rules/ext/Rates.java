package io.nfeval.rules.ext;

/**
 * Rate parsing and printing shared by limit and hashlimit ({@code parse_rate} / {@code print_rate} in
 * {@code libxt_limit.c} and {@code libxt_hashlimit.c}): a rate {@code N/unit} is stored as the average
 * interval between packets in units of 1/{@code scale} seconds.
 */
final class Rates {
  private static final String[] NAMES = {"day", "hour", "min", "sec"};
  private static final long[] SECONDS = {86400, 3600, 60, 1};

  private Rates() {}

  /** Returns the interval for {@code N[/second|minute|hour|day]} (prefixes allowed). */
  static long parse(String s, long scale) {
    final int slash = s.indexOf('/');
    long mult = 1;
    if (slash >= 0) {
      final String unit = s.substring(slash + 1).toLowerCase(java.util.Locale.ROOT);
      if (unit.isEmpty()) {
        throw new ExtException("bad rate \"" + s + "\"");
      }
      if ("second".startsWith(unit)) {
        mult = 1;
      } else if ("minute".startsWith(unit)) {
        mult = 60;
      } else if ("hour".startsWith(unit)) {
        mult = 3600;
      } else if ("day".startsWith(unit)) {
        mult = 86400;
      } else {
        throw new ExtException("bad rate \"" + s + "\"");
      }
    }
    final long r = Num.tryUnsigned(slash >= 0 ? s.substring(0, slash) : s);
    if (r <= 0) {
      throw new ExtException("bad rate \"" + s + "\"");
    }
    if (r > scale * mult) {
      throw new ExtException("Rate too fast \"" + s + "\"");
    }
    return scale * mult / r;
  }

  /** Prints an interval as the largest unit that keeps it exact enough, like {@code print_rate}. */
  /** The seconds of a rate's unit as given (parse_rate's {@code ud->mult}): 1 without one. */
  static long unitSeconds(String s) {
    final int slash = s.indexOf('/');
    if (slash < 0) {
      return 1;
    }
    final String unit = s.substring(slash + 1).toLowerCase(java.util.Locale.ROOT);
    return "second".startsWith(unit) ? 1 : "minute".startsWith(unit) ? 60 : "hour".startsWith(unit) ? 3600 : 86400;
  }

  /**
   * print_rate's return value in libxt_hashlimit.c: the unit {@link #print} chooses, in milliseconds.
   * It is the default --hashlimit-htable-expire, which iptables-save then leaves out.
   */
  static long quantumMillis(long period, long scale) {
    return SECONDS[unit(period, scale)] * 1000;
  }

  static String print(long period, long scale) {
    final int u = unit(period, scale);
    return (SECONDS[u] * scale / period) + "/" + NAMES[u];
  }

  /** print_rate's choice: the largest unit that shows the rate as a whole number of packets. */
  private static int unit(long period, long scale) {
    int i;
    for (i = 1; i < NAMES.length; i++) {
      final long m = SECONDS[i] * scale;
      if (period > m || m / period < m % period) {
        break;
      }
    }
    return i - 1;
  }
}
