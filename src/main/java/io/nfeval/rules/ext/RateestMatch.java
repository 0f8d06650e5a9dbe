package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;
import static io.nfeval.rules.ext.OptSpec.optArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m rateest} ({@code xt_rateest.c}): compares the rate estimates of {@code -j RATEEST} estimators
 * (absolute: one estimator against a rate; relative: two estimators; {@code --rateest-delta}: a rate
 * minus a threshold). The estimators are kernel EWMA state over wall-clock intervals that nfeval does not
 * model: the answer is assumed ({@link PacketContext#assumeUnknowableMatches()}) and flagged.
 */
public final class RateestMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("rateest",
      List.of(optArg("rateest1"), optArg("rateest2"), optArg("rateest-bps1"), optArg("rateest-pps1"),
          optArg("rateest-bps2"), optArg("rateest-pps2"), flag("rateest-delta"), OptSpec.invFlag("rateest-lt"),
          OptSpec.invFlag("rateest-gt"), OptSpec.invFlag("rateest-eq")),
      Map.of("rateest", "rateest1", "rateest-bps", "rateest-bps2", "rateest-pps", "rateest-pps2"),
      RateestMatch::new);

  private static final String[][] SUFFIXES = {{"bit", "1"}, {"Kibit", "1024"}, {"kbit", "1000"},
      {"Mibit", "1048576"}, {"mbit", "1e6"}, {"Gibit", "1073741824"}, {"gbit", "1e9"},
      {"Tibit", "1099511627776"}, {"tbit", "1e12"}, {"Bps", "8"}, {"KiBps", "8192"}, {"KBps", "8000"},
      {"MiBps", "8388608"}, {"MBps", "8e6"}, {"GiBps", "8589934592"}, {"GBps", "8e9"},
      {"TiBps", "8796093022208"}, {"TBps", "8e12"}};

  private final String name1;
  private final String name2;
  private final boolean delta;
  private final boolean bps;
  private final boolean pps;
  /** Bytes per second, as struct xt_rateest_match_info keeps them. */
  private final long bps1;
  private final long bps2;
  private final long pps1;
  private final long pps2;
  /** "lt", "gt" or "eq". */
  private final String mode;
  private final boolean invert;

  private RateestMatch(Opts o, ExtContext c) {
    if (o.isEmpty()) {
      throw new ExtException("rateest match: you need to specify some flags");
    }
    String n1 = "";
    String n2 = null;
    long b1 = 0;
    long b2 = 0;
    long p1 = 0;
    long p2 = 0;
    boolean hasBps = false;
    boolean hasPps = false;
    String m = null;
    boolean inv = false;
    for (Opts.Given g : o.all()) {
      final String a = g.arg();
      switch (g.spec().name()) {
        case "rateest1" -> n1 = estimator(a);
        case "rateest2" -> n2 = estimator(a);
        case "rateest-bps1" -> { hasBps = true; b1 = a == null ? 0 : rate(a); }
        case "rateest-bps2" -> { hasBps = true; b2 = a == null ? 0 : rate(a); }
        case "rateest-pps1" -> { hasPps = true; p1 = a == null ? 0 : pps(a); }
        case "rateest-pps2" -> { hasPps = true; p2 = a == null ? 0 : pps(a); }
        case "rateest-delta" -> { }
        default -> {
          m = g.spec().name().substring("rateest-".length());
          inv = g.inv();
        }
      }
    }
    if (m == null) {
      throw new ExtException("rateest: one of --rateest-lt, --rateest-gt, --rateest-eq is required");
    }
    if (n1.isEmpty()) {
      throw new ExtException("rateest: --rateest1 (or --rateest) is required");
    }
    if (!hasBps && !hasPps) {
      throw new ExtException("rateest: --rateest-bps or --rateest-pps is required");
    }
    name1 = n1;
    name2 = n2;
    delta = o.has("rateest-delta");
    bps = hasBps;
    pps = hasPps;
    bps1 = b1;
    bps2 = b2;
    pps1 = p1;
    pps2 = p2;
    mode = m;
    invert = inv;
  }

  private static String estimator(String a) {
    if (a == null || a.isEmpty()) {
      throw new ExtException("rateest: an estimator name is required");
    }
    return a.length() > 15 ? a.substring(0, 15) : a;
  }

  /** rateest_get_rate: strtod with an optional unit suffix (none: bits per second); stored in bytes/s. */
  private static long rate(String s) {
    final java.util.regex.Matcher mt = java.util.regex.Pattern
        .compile("([0-9]+\\.?[0-9]*|\\.[0-9]+)(.*)").matcher(s);
    if (!mt.matches()) {
      throw new ExtException("rateest: could not parse rate `" + s + "'");
    }
    final double v = Double.parseDouble(mt.group(1));
    if (mt.group(2).isEmpty()) {
      return (long) (v / 8.0);
    }
    for (String[] suf : SUFFIXES) {
      if (suf[0].equalsIgnoreCase(mt.group(2))) {
        return (long) (v * Double.parseDouble(suf[1]) / 8.0) & 0xffffffffL;
      }
    }
    throw new ExtException("rateest: could not parse rate `" + s + "'");
  }

  private static long pps(String s) {
    final long v = Num.tryUnsigned(s);
    if (v < 0 || v > 0xffffffffL) {
      throw new ExtException("rateest: could not parse pps `" + s + "'");
    }
    return v;
  }

  public String estimator1() { return name1; }
  /** The second estimator (relative mode), or null. */
  public String estimator2() { return name2; }

  @Override
  public String name() {
    return "rateest";
  }

  /** rateest_save. */
  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m rateest");
    if (delta) {
      sb.append(" --rateest-delta");
    }
    sb.append(name2 != null ? " --rateest1 " : " --rateest ").append(name1);
    if (bps) {
      saveRate(sb, "bps", bps1, bps2, false);
    }
    if (pps) {
      saveRate(sb, "pps", pps1, pps2, true);
    }
    if (name2 != null) {
      sb.append(" --rateest2 ").append(name2);
    }
  }

  private void saveRate(StringBuilder sb, String what, long r1, long r2, boolean numeric) {
    if (delta) {
      sb.append(" --rateest-").append(what).append('1');
      printRate(sb, r1, numeric);
      printMode(sb);
      sb.append(" --rateest-").append(what).append('2');
    } else {
      printMode(sb);
      sb.append(" --rateest-").append(what);
    }
    if (name2 == null || delta) {
      printRate(sb, r2, numeric);
    }
  }

  private void printMode(StringBuilder sb) {
    sb.append(invert ? " ! --rateest-" : " --rateest-").append(mode);
  }

  private static void printRate(StringBuilder sb, long rate, boolean numeric) {
    final double bits = rate * 8.0;
    if (numeric) {
      sb.append(' ').append(rate);
    } else if (bits >= 1000.0 * 1000000.0) {
      sb.append(' ').append(Math.round(bits / 1000000.0)).append("Mbit");
    } else if (bits >= 1000.0 * 1000.0) {
      sb.append(' ').append(Math.round(bits / 1000.0)).append("Kbit");
    } else {
      sb.append(' ').append(Math.round(bits)).append("bit");
    }
  }

  /** xt_rateest_mt: the estimators' rates are not modelled; assumed and flagged. */
  @Override
  public boolean matches(PacketContext ctx) {
    ctx.assume("rateest");
    return ctx.assumeUnknowableMatches();
  }
}
