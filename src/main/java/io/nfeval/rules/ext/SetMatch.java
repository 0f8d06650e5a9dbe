package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;
import static io.nfeval.rules.ext.OptSpec.invArg;
import static io.nfeval.rules.ext.OptSpec.invFlag;

import java.util.List;
import java.util.Map;

/**
 * {@code -m set --match-set NAME src,dst} revision 4 ({@code xt_set.c}, {@code libxt_set.c}): looks
 * the packet up in an ipset; each flag picks source or destination for one dimension of the set.
 */
public final class SetMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("set",
      List.of(new OptSpec("match-set", 2, true, false), flag("return-nomatch"), invFlag("update-counters"),
          invFlag("update-subcounters"), invArg("packets-eq"), arg("packets-lt"), arg("packets-gt"),
          invArg("bytes-eq"), arg("bytes-lt"), arg("bytes-gt")),
      Map.of("set", "match-set"), SetMatch::new);

  private final String setName;
  private final boolean[] dirSrc;
  private final boolean invert;
  private final boolean returnNomatch;
  private final boolean noUpdateCounters;
  private final boolean noUpdateSubcounters;
  private final Cmp packetsCmp;
  private final long packets;
  private final Cmp bytesCmp;
  private final long bytes;

  /** Counter comparison of {@code --packets-*}/{@code --bytes-*} ({@code IPSET_COUNTER_*}). */
  public enum Cmp { NONE, EQ, NE, LT, GT }

  private SetMatch(Opts o, ExtContext c) {
    o.require("set match: You must specify `--match-set' with proper arguments", "match-set");
    final List<String> a = o.get("match-set").args();
    setName = a.get(0);
    if (setName.length() > 31) {
      throw new ExtException("setname `" + setName + "' too long");
    }
    dirSrc = flags(a.get(1));
    invert = o.inv("match-set");
    returnNomatch = o.has("return-nomatch");
    if (o.has("update-counters") && !o.inv("update-counters")
        || o.has("update-subcounters") && !o.inv("update-subcounters")) {
      throw new ExtException("--update-counters/--update-subcounters can only be negated");
    }
    noUpdateCounters = o.inv("update-counters");
    noUpdateSubcounters = o.inv("update-subcounters");
    final Object[] p = counter(o, "packets");
    packetsCmp = (Cmp) p[0];
    packets = (Long) p[1];
    final Object[] b = counter(o, "bytes");
    bytesCmp = (Cmp) b[0];
    bytes = (Long) b[1];
  }

  private static Object[] counter(Opts o, String what) {
    Object[] r = {Cmp.NONE, 0L};
    for (String op : new String[] {"eq", "lt", "gt"}) {
      final String n = what + "-" + op;
      if (o.has(n)) {
        if (r[0] != Cmp.NONE) {
          throw new ExtException("only one of --" + what + "-eq/-lt/-gt");
        }
        final long v = Num.parseUnsigned(o.str(n), Long.MAX_VALUE, n);
        final Cmp c = op.equals("eq") ? (o.inv(n) ? Cmp.NE : Cmp.EQ) : op.equals("lt") ? Cmp.LT : Cmp.GT;
        r = new Object[] {c, v};
      }
    }
    return r;
  }

  private static void saveCounter(StringBuilder sb, String what, Cmp c, long v) {
    switch (c) {
      case EQ -> sb.append(" --").append(what).append("-eq ").append(v);
      case NE -> sb.append(" ! --").append(what).append("-eq ").append(v);
      case LT -> sb.append(" --").append(what).append("-lt ").append(v);
      case GT -> sb.append(" --").append(what).append("-gt ").append(v);
      default -> { }
    }
  }

  /** Parses {@code src,dst,...} into one boolean per dimension (true = source). */
  public static boolean[] flags(String s) {
    final String[] p = s.split(",", -1);
    if (p.length > 6) {
      throw new ExtException("too many binding flags");
    }
    final boolean[] out = new boolean[p.length];
    for (int i = 0; i < p.length; i++) {
      if (p[i].equals("src")) {
        out[i] = true;
      } else if (!p[i].equals("dst")) {
        throw new ExtException("you must specify (the comma separated list of) 'src' or 'dst'");
      }
    }
    return out;
  }

  static String flagsText(boolean[] f) {
    final StringBuilder sb = new StringBuilder();
    for (int i = 0; i < f.length; i++) {
      sb.append(i == 0 ? "" : ",").append(f[i] ? "src" : "dst");
    }
    return sb.toString();
  }

  public String setName() { return setName; }
  /** Number of dimensions given. */
  public int dimensions() { return dirSrc.length; }
  /** Whether dimension {@code i} takes the packet's source (else destination). */
  public boolean src(int i) { return dirSrc[i]; }
  public boolean invert() { return invert; }
  public boolean returnNomatch() { return returnNomatch; }
  public boolean noUpdateCounters() { return noUpdateCounters; }
  public boolean noUpdateSubcounters() { return noUpdateSubcounters; }
  public Cmp packetsCmp() { return packetsCmp; }
  public long packets() { return packets; }
  public Cmp bytesCmp() { return bytesCmp; }
  public long bytes() { return bytes; }

  @Override
  public String name() {
    return "set";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m set");
    Save.opt(sb, invert, "match-set", setName).append(' ').append(flagsText(dirSrc));
    if (returnNomatch) {
      sb.append(" --return-nomatch");
    }
    if (noUpdateCounters) {
      sb.append(" ! --update-counters");
    }
    if (noUpdateSubcounters) {
      sb.append(" ! --update-subcounters");
    }
    saveCounter(sb, "packets", packetsCmp, packets);
    saveCounter(sb, "bytes", bytesCmp, bytes);
  }

  // ---- evaluation (xt_set.c set_match_v4) -------------------------------------------------------

  /** Bit i set: dimension i takes the source. */
  int srcFlags() {
    int f = 0;
    for (int i = 0; i < dirSrc.length; i++) {
      if (dirSrc[i]) {
        f |= 1 << i;
      }
    }
    return f;
  }

  /**
   * set_match_v4 / match_set: the set test (counting the packet on the element in a set with counters,
   * then checking --packets-* / --bytes-*, as ip_set_match_extensions does), reversed for elements flagged
   * nomatch under --return-nomatch, then the match inversion.
   */
  /** Counter conditions read what earlier packets counted: such a rule ties packets to their order. */
  @Override
  public boolean dependsOnEarlierPackets() {
    return packetsCmp != Cmp.NONE || bytesCmp != Cmp.NONE;
  }

  @Override
  public boolean matches(PacketContext ctx) {
    final int r = ctx.ipsetTest(setName, srcFlags(), dirSrc.length, !noUpdateCounters, !noUpdateSubcounters,
        packetsCmp.ordinal(), packets, bytesCmp.ordinal(), bytes);
    final boolean hit;
    switch (r) {
      case PacketContext.IPSET_YES -> hit = !returnNomatch;
      case PacketContext.IPSET_NOMATCH -> hit = returnNomatch;
      case PacketContext.IPSET_NO -> hit = false;
      default -> {
        ctx.assume("ipset:" + setName);
        hit = false;
      }
    }
    return hit != invert;
  }
}
