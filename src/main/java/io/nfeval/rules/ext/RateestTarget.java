package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/**
 * {@code -j RATEEST --rateest-name N --rateest-interval T --rateest-ewmalog T} ({@code xt_RATEEST.c}):
 * feeds the packet to the named rate estimator that {@code -m rateest} reads; the packet continues.
 * Times are in microseconds as iptables stores them ({@code TIME_UNITS_PER_SEC}); the interval is kept as
 * the kernel's exponent ({@code 250ms << (interval + 2)}).
 */
public final class RateestTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("RATEEST",
      List.of(arg("rateest-name"), arg("rateest-interval"), arg("rateest-ewmalog")), Map.of(),
      RateestTarget::new);

  private static final long UNITS = 1_000_000L;

  private final String estName;
  /** struct xt_rateest_target_info.interval (-2..3). */
  private final int interval;
  private final int ewmaLog;

  private RateestTarget(Opts o, ExtContext c) {
    o.require("RATEEST: option \"--rateest-name\" must be specified", "rateest-name");
    estName = o.str("rateest-name");
    if (estName.length() >= 16) {
      throw new ExtException("RATEEST: --rateest-name must be shorter than 16 characters");
    }
    final long iv = o.has("rateest-interval") ? time(o.str("rateest-interval"), "interval") : 0;
    final long ewma = o.has("rateest-ewmalog") ? time(o.str("rateest-ewmalog"), "ewmalog") : 0;
    // RATEEST_final_check
    int i = 0;
    while (i <= 5 && iv > (1L << i) * (UNITS / 4)) {
      i++;
    }
    if (i > 5) {
      throw new ExtException("RATEEST: interval value is too large");
    }
    interval = i - 2;
    int e = 1;
    for (; e < 32; e++) {
      final double w = 1.0 - 1.0 / (1L << e);
      if (iv / (-Math.log(w)) > ewma) {
        break;
      }
    }
    e--;
    if (e == 0 || e >= 31) {
      throw new ExtException("RATEEST: ewmalog value is out of range");
    }
    ewmaLog = e;
  }

  /** RATEEST_get_time: strtod and a unit (s, ms, us), truncated to whole microseconds. */
  private static long time(String s, String what) {
    final java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("([0-9]*\\.?[0-9]*(?:[eE][-+]?[0-9]+)?)(.*)").matcher(s);
    if (!m.matches() || m.group(1).isEmpty() || m.group(1).equals(".")) {
      throw new ExtException("RATEEST: bad " + what + " value \"" + s + "\"");
    }
    double t = Double.parseDouble(m.group(1));
    final String u = m.group(2).toLowerCase(java.util.Locale.ROOT);
    switch (u) {
      case "" -> { }
      case "s", "sec", "secs" -> t *= UNITS;
      case "ms", "msec", "msecs" -> t *= UNITS / 1000;
      case "us", "usec", "usecs" -> { }
      default -> throw new ExtException("RATEEST: bad " + what + " value \"" + s + "\"");
    }
    if (t > 0xffffffffL) {
      throw new ExtException("RATEEST: " + what + " value \"" + s + "\" is too large");
    }
    return (long) t;
  }

  public String estimatorName() { return estName; }
  public int interval() { return interval; }
  public int ewmaLog() { return ewmaLog; }

  @Override
  public String name() {
    return "RATEEST";
  }

  /** RATEEST_save: both times recomputed from the exponents, in 32-bit arithmetic as iptables. */
  @Override
  public void save(StringBuilder sb) {
    final long local = (UNITS << (interval + 2)) / 4;
    sb.append(" -j RATEEST --rateest-name ").append(estName).append(" --rateest-interval");
    printTime(sb, local);
    sb.append(" --rateest-ewmalog");
    printTime(sb, (local * (1L << ewmaLog)) & 0xffffffffL);
  }

  private static void printTime(StringBuilder sb, long t) {
    if (t >= UNITS) {
      sb.append(' ').append(String.format(java.util.Locale.ROOT, "%.1fs", t / (double) UNITS));
    } else if (t >= UNITS / 1000) {
      sb.append(' ').append(String.format(java.util.Locale.ROOT, "%.1fms", t / (double) (UNITS / 1000)));
    } else {
      sb.append(' ').append(t).append("us");
    }
  }

  /** xt_rateest_tg: updates the estimator's counters (read by -m rateest, not modelled); continue. */
  @Override
  public int execute(PacketContext ctx) {
    return XtVerdict.CONTINUE;
  }
}
