package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m conntrack} revision 3 ({@code xt_conntrack.c}, {@code libxt_conntrack.c}). Unset options
 * are absent from {@link #flags()}; each option can be inverted.
 */
public final class ConntrackMatch implements Match {
  /** State bits as {@code XT_CONNTRACK_STATE_*}: print order INVALID NEW RELATED ESTABLISHED UNTRACKED SNAT DNAT. */
  public static final int STATE_INVALID = 1;
  public static final int STATE_ESTABLISHED = 1 << 1;
  public static final int STATE_RELATED = 1 << 2;
  public static final int STATE_NEW = 1 << 3;
  public static final int STATE_UNTRACKED = 1 << 8;
  public static final int STATE_SNAT = 1 << 9;
  public static final int STATE_DNAT = 1 << 10;

  /** Status bits ({@code IPS_*}). */
  public static final int STATUS_EXPECTED = 1;
  public static final int STATUS_SEEN_REPLY = 1 << 1;
  public static final int STATUS_ASSURED = 1 << 2;
  public static final int STATUS_CONFIRMED = 1 << 3;

  /** {@code match_flags} bits. */
  public static final int F_STATE = 1;
  public static final int F_PROTO = 1 << 1;
  public static final int F_ORIGSRC = 1 << 2;
  public static final int F_ORIGDST = 1 << 3;
  public static final int F_REPLSRC = 1 << 4;
  public static final int F_REPLDST = 1 << 5;
  public static final int F_STATUS = 1 << 6;
  public static final int F_EXPIRES = 1 << 7;
  public static final int F_ORIGSRC_PORT = 1 << 8;
  public static final int F_ORIGDST_PORT = 1 << 9;
  public static final int F_REPLSRC_PORT = 1 << 10;
  public static final int F_REPLDST_PORT = 1 << 11;
  public static final int F_DIRECTION = 1 << 12;

  static final String[] OPTS = {"ctstate", "ctproto", "ctorigsrc", "ctorigdst", "ctreplsrc", "ctrepldst",
      "ctstatus", "ctexpire", "ctorigsrcport", "ctorigdstport", "ctreplsrcport", "ctrepldstport", "ctdir"};

  public static final ExtSpec<Match> SPEC = new ExtSpec<>("conntrack",
      List.of(invArg("ctstate"), invArg("ctproto"), invArg("ctorigsrc"), invArg("ctorigdst"),
          invArg("ctreplsrc"), invArg("ctrepldst"), invArg("ctstatus"), invArg("ctexpire"),
          invArg("ctorigsrcport"), invArg("ctorigdstport"), invArg("ctreplsrcport"),
          invArg("ctrepldstport"), OptSpec.arg("ctdir")),
      Map.of(), ConntrackMatch::new);

  private final int flags;
  private final int invFlags;
  private final int stateMask;
  private final int proto;
  private final int[] addr = new int[4];
  private final int[] mask = new int[4];
  private final int[] portMin = new int[4];
  private final int[] portMax = new int[4];
  private final int statusMask;
  private final long expireMin;
  private final long expireMax;
  private final boolean dirReply;

  private ConntrackMatch(Opts o, ExtContext c) {
    if (o.isEmpty()) {
      throw new ExtException("you must specify one or more options");
    }
    int f = 0;
    int inv = 0;
    for (int i = 0; i < OPTS.length; i++) {
      if (o.has(OPTS[i])) {
        f |= 1 << i;
        if (o.inv(OPTS[i])) {
          inv |= 1 << i;
        }
      }
    }
    flags = f;
    invFlags = inv;
    stateMask = o.has("ctstate") ? parseStates(o.str("ctstate"), true) : 0;
    if (o.has("ctproto")) {
      proto = Protocols.parse(o.str("ctproto"));
      if (proto == 0) {
        throw new ExtException("rule would never match protocol");
      }
    } else {
      proto = 0;
    }
    for (int i = 0; i < 4; i++) {
      final String a = o.str(OPTS[2 + i]);
      if (a != null) {
        final int[] am = Num.addrMask(a);
        addr[i] = am[0];
        mask[i] = am[1];
      }
      final String p = o.str(OPTS[8 + i]);
      if (p != null) {
        final int[] r = Num.portRange(p, ':');
        portMin[i] = r[0];
        portMax[i] = r[1];
      }
    }
    statusMask = o.has("ctstatus") ? parseStatus(o.str("ctstatus")) : 0;
    if (o.has("ctexpire")) {
      final String e = o.str("ctexpire");
      final int colon = e.indexOf(':');
      expireMin = Num.parseUnsigned(colon < 0 ? e : e.substring(0, colon), 0xffffffffL, "expire");
      expireMax = colon < 0 ? expireMin : Num.parseUnsigned(e.substring(colon + 1), 0xffffffffL, "expire");
      if (expireMin > expireMax) {
        throw new ExtException("expire min > max");
      }
    } else {
      expireMin = 0;
      expireMax = 0;
    }
    if (o.has("ctdir")) {
      final String d = o.str("ctdir");
      if (!d.equalsIgnoreCase("ORIGINAL") && !d.equalsIgnoreCase("REPLY")) {
        throw new ExtException("Bad ctdir value \"" + d + "\"");
      }
      dirReply = d.equalsIgnoreCase("REPLY");
    } else {
      dirReply = false;
    }
  }

  /** Parses a state list; {@code withNat} allows SNAT/DNAT (conntrack, not state). */
  static int parseStates(String s, boolean withNat) {
    int v = 0;
    for (String n : s.split(",")) {
      switch (n.toUpperCase(java.util.Locale.ROOT)) {
        case "INVALID" -> v |= STATE_INVALID;
        case "NEW" -> v |= STATE_NEW;
        case "ESTABLISHED" -> v |= STATE_ESTABLISHED;
        case "RELATED" -> v |= STATE_RELATED;
        case "UNTRACKED" -> v |= STATE_UNTRACKED;
        case "SNAT" -> {
          if (!withNat) {
            throw new ExtException("Bad state \"" + n + "\"");
          }
          v |= STATE_SNAT;
        }
        case "DNAT" -> {
          if (!withNat) {
            throw new ExtException("Bad state \"" + n + "\"");
          }
          v |= STATE_DNAT;
        }
        default -> throw new ExtException("Bad ctstate \"" + n + "\"");
      }
    }
    return v;
  }

  static String statesText(int v) {
    final StringBuilder sb = new StringBuilder();
    final int[] bits = {STATE_INVALID, STATE_NEW, STATE_RELATED, STATE_ESTABLISHED, STATE_UNTRACKED,
        STATE_SNAT, STATE_DNAT};
    final String[] names = {"INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT"};
    for (int i = 0; i < bits.length; i++) {
      if ((v & bits[i]) != 0) {
        sb.append(sb.length() == 0 ? "" : ",").append(names[i]);
      }
    }
    return sb.toString();
  }

  private static int parseStatus(String s) {
    int v = 0;
    for (String n : s.split(",")) {
      switch (n.toUpperCase(java.util.Locale.ROOT)) {
        case "NONE" -> v |= 0;
        case "EXPECTED" -> v |= STATUS_EXPECTED;
        case "SEEN_REPLY" -> v |= STATUS_SEEN_REPLY;
        case "ASSURED" -> v |= STATUS_ASSURED;
        case "CONFIRMED" -> v |= STATUS_CONFIRMED;
        default -> throw new ExtException("Bad ctstatus \"" + n + "\"");
      }
    }
    return v;
  }

  private static String statusText(int v) {
    if (v == 0) {
      return "NONE";
    }
    final StringBuilder sb = new StringBuilder();
    final String[] names = {"EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"};
    for (int i = 0; i < names.length; i++) {
      if ((v & (1 << i)) != 0) {
        sb.append(sb.length() == 0 ? "" : ",").append(names[i]);
      }
    }
    return sb.toString();
  }

  /** Which options are set ({@code F_*}). */
  public int flags() { return flags; }
  /** Which options are inverted ({@code F_*}). */
  public int invFlags() { return invFlags; }
  public int stateMask() { return stateMask; }
  public int proto() { return proto; }
  public int origSrc() { return addr[0]; }
  public int origSrcMask() { return mask[0]; }
  public int origDst() { return addr[1]; }
  public int origDstMask() { return mask[1]; }
  public int replSrc() { return addr[2]; }
  public int replSrcMask() { return mask[2]; }
  public int replDst() { return addr[3]; }
  public int replDstMask() { return mask[3]; }
  public int origSrcPortMin() { return portMin[0]; }
  public int origSrcPortMax() { return portMax[0]; }
  public int origDstPortMin() { return portMin[1]; }
  public int origDstPortMax() { return portMax[1]; }
  public int replSrcPortMin() { return portMin[2]; }
  public int replSrcPortMax() { return portMax[2]; }
  public int replDstPortMin() { return portMin[3]; }
  public int replDstPortMax() { return portMax[3]; }
  public int statusMask() { return statusMask; }
  public long expireMin() { return expireMin; }
  public long expireMax() { return expireMax; }
  /** {@code --ctdir REPLY} (true) or ORIGINAL (false); only meaningful when F_DIRECTION is set. */
  public boolean dirReply() { return dirReply; }

  private boolean inv(int f) {
    return (invFlags & f) != 0;
  }

  @Override
  public String name() {
    return "conntrack";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m conntrack");
    if ((flags & F_STATE) != 0) {
      Save.opt(sb, inv(F_STATE), "ctstate", statesText(stateMask));
    }
    if ((flags & F_PROTO) != 0) {
      Save.opt(sb, inv(F_PROTO), "ctproto", Integer.toString(proto));
    }
    for (int i = 0; i < 4; i++) {
      final int f = F_ORIGSRC << i;
      if ((flags & f) != 0) {
        final int len = Num.prefixLen(mask[i]);
        final String a = Num.ipv4(addr[i]) + (len == 32 ? "" : "/" + (len >= 0 ? len : Num.ipv4(mask[i])));
        Save.opt(sb, inv(f), OPTS[2 + i], a);
      }
    }
    for (int i = 0; i < 4; i++) {
      final int f = F_ORIGSRC_PORT << i;
      if ((flags & f) != 0) {
        Save.opt(sb, inv(f), OPTS[8 + i], Num.range(portMin[i], portMax[i]));
      }
    }
    if ((flags & F_STATUS) != 0) {
      Save.opt(sb, inv(F_STATUS), "ctstatus", statusText(statusMask));
    }
    if ((flags & F_EXPIRES) != 0) {
      Save.opt(sb, inv(F_EXPIRES), "ctexpire",
          expireMin == expireMax ? Long.toString(expireMin) : expireMin + ":" + expireMax);
    }
    if ((flags & F_DIRECTION) != 0) {
      Save.opt(sb, false, "ctdir", dirReply ? "REPLY" : "ORIGINAL");
    }
  }

  // ---- evaluation (xt_conntrack.c conntrack_mt, revision 3) -------------------------------------

  /** IPS_SRC_NAT / IPS_DST_NAT of {@code enum ip_conntrack_status}. */
  private static final int IPS_SRC_NAT = 1 << 4;
  private static final int IPS_DST_NAT = 1 << 5;

  /**
   * The state bit of a packet as xt_conntrack computes it: {@code XT_CONNTRACK_STATE_BIT(ctinfo)}
   * (ESTABLISHED, RELATED, NEW; replies fold onto their originals), UNTRACKED for untracked packets,
   * INVALID when conntrack attached nothing.
   */
  static int stateBit(int ctinfo) {
    if (ctinfo == PacketContext.CT_UNTRACKED) {
      return STATE_UNTRACKED;
    }
    if (ctinfo < 0 || ctinfo > 4) {
      return STATE_INVALID;
    }
    return switch (ctinfo % 3) {
      case 0 -> STATE_ESTABLISHED;
      case 1 -> STATE_RELATED;
      default -> STATE_NEW;
    };
  }

  /**
   * conntrack_mt: the state test (SNAT/DNAT bits come from the connection's status, so they match
   * in both directions); without a connection only a state test can match; then direction,
   * addresses ({@code (addr ^ want) & mask == 0}), protocol, ports, status and expiry, each
   * inverted on its own.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final int ctinfo = ctx.ctInfo();
    final boolean hasCt = ctinfo >= 0 && ctinfo <= 4;
    if ((flags & F_STATE) != 0) {
      int bit = stateBit(ctinfo);
      if (hasCt) {
        final int st = ctx.ctStatus();
        if ((st & IPS_SRC_NAT) != 0) {
          bit |= STATE_SNAT;
        }
        if ((st & IPS_DST_NAT) != 0) {
          bit |= STATE_DNAT;
        }
      }
      if (((stateMask & bit) != 0) == inv(F_STATE)) {
        return false;
      }
    }
    if (!hasCt) {
      return (flags & F_STATE) != 0;
    }
    if ((flags & F_DIRECTION) != 0 && (ctx.ctDirection() == 1) != dirReply) {
      return false;
    }
    if (!addrOk(ctx.ctOrigSrc(), 0, F_ORIGSRC) || !addrOk(ctx.ctOrigDst(), 1, F_ORIGDST)
        || !addrOk(ctx.ctReplSrc(), 2, F_REPLSRC) || !addrOk(ctx.ctReplDst(), 3, F_REPLDST)) {
      return false;
    }
    if ((flags & F_PROTO) != 0 && (ctx.ctProto() == proto) == inv(F_PROTO)) {
      return false;
    }
    if (!portOk(ctx.ctOrigSrcPort(), 0, F_ORIGSRC_PORT) || !portOk(ctx.ctOrigDstPort(), 1, F_ORIGDST_PORT)
        || !portOk(ctx.ctReplSrcPort(), 2, F_REPLSRC_PORT) || !portOk(ctx.ctReplDstPort(), 3, F_REPLDST_PORT)) {
      return false;
    }
    if ((flags & F_STATUS) != 0 && ((statusMask & ctx.ctStatus()) != 0) == inv(F_STATUS)) {
      return false;
    }
    if ((flags & F_EXPIRES) != 0) {
      final long left = ctx.ctExpiresSeconds();
      if ((left >= expireMin && left <= expireMax) == inv(F_EXPIRES)) {
        return false;
      }
    }
    return true;
  }

  private boolean addrOk(int have, int i, int f) {
    return (flags & f) == 0 || (((have ^ addr[i]) & mask[i]) == 0) != inv(f);
  }

  private boolean portOk(int have, int i, int f) {
    return (flags & f) == 0 || (have >= portMin[i] && have <= portMax[i]) != inv(f);
  }
}
