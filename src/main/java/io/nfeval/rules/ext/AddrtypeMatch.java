package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;
import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m addrtype} revision 1 ({@code xt_addrtype.c}): route types of source/destination. */
public final class AddrtypeMatch implements Match {
  /** Route type names in bit order ({@code XT_ADDRTYPE_*} = 1 << RTN_*). */
  public static final List<String> TYPES = List.of("UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST",
      "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE");

  public static final ExtSpec<Match> SPEC = new ExtSpec<>("addrtype",
      List.of(invArg("src-type"), invArg("dst-type"), flag("limit-iface-in"), flag("limit-iface-out")),
      Map.of(), AddrtypeMatch::new);

  private final int srcType;
  private final boolean invSrc;
  private final int dstType;
  private final boolean invDst;
  private final boolean limitIfaceIn;
  private final boolean limitIfaceOut;

  private AddrtypeMatch(Opts o, ExtContext c) {
    o.require("addrtype: you must specify --src-type or --dst-type", "src-type", "dst-type");
    srcType = o.has("src-type") ? types(o.str("src-type")) : 0;
    dstType = o.has("dst-type") ? types(o.str("dst-type")) : 0;
    invSrc = o.inv("src-type");
    invDst = o.inv("dst-type");
    limitIfaceIn = o.has("limit-iface-in");
    limitIfaceOut = o.has("limit-iface-out");
    if (limitIfaceIn && limitIfaceOut) {
      throw new ExtException("you can't specify both --limit-iface-in and --limit-iface-out");
    }
    if (limitIfaceIn && c.hookOutside(ExtContext.PRE_ROUTING | ExtContext.LOCAL_IN | ExtContext.FORWARD)) {
      throw new ExtException("--limit-iface-in is valid only in PREROUTING, INPUT and FORWARD");
    }
    if (limitIfaceOut && c.hookOutside(ExtContext.POST_ROUTING | ExtContext.LOCAL_OUT | ExtContext.FORWARD)) {
      throw new ExtException("--limit-iface-out is valid only in POSTROUTING, OUTPUT and FORWARD");
    }
  }

  private static int types(String s) {
    int v = 0;
    for (String n : s.split(",")) {
      final int i = TYPES.indexOf(n.toUpperCase(java.util.Locale.ROOT));
      if (i < 0) {
        throw new ExtException("addrtype: bad type \"" + n + "\"");
      }
      v |= 1 << i;
    }
    return v;
  }

  private static String text(int v) {
    final StringBuilder sb = new StringBuilder();
    for (int i = 0; i < TYPES.size(); i++) {
      if ((v & (1 << i)) != 0) {
        sb.append(sb.length() == 0 ? "" : ",").append(TYPES.get(i));
      }
    }
    return sb.toString();
  }

  /** Bit set of route types (bit i = {@code TYPES.get(i)}); 0 = not tested. */
  public int srcType() { return srcType; }
  public boolean invSrc() { return invSrc; }
  public int dstType() { return dstType; }
  public boolean invDst() { return invDst; }
  public boolean limitIfaceIn() { return limitIfaceIn; }
  public boolean limitIfaceOut() { return limitIfaceOut; }

  @Override
  public String name() {
    return "addrtype";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m addrtype");
    if (srcType != 0) {
      Save.opt(sb, invSrc, "src-type", text(srcType));
    }
    if (dstType != 0) {
      Save.opt(sb, invDst, "dst-type", text(dstType));
    }
    if (limitIfaceIn) {
      sb.append(" --limit-iface-in");
    }
    if (limitIfaceOut) {
      sb.append(" --limit-iface-out");
    }
  }

  // ---- evaluation (xt_addrtype.c addrtype_mt_v1) ------------------------------------------------

  /**
   * addrtype_mt_v1: {@code 1 << inet_dev_addr_type(addr)} against each mask, the lookup limited to
   * the input or output device with --limit-iface-in/out; source first, destination only if the
   * source test passed.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final String dev = limitIfaceIn ? ctx.inIface() : limitIfaceOut ? ctx.outIface() : null;
    final io.nfeval.packet.PacketView v = ctx.ip();
    if (srcType != 0 && ((srcType & (1 << ctx.addrType(v.srcAddr(), dev))) != 0) == invSrc) {
      return false;
    }
    return dstType == 0 || ((dstType & (1 << ctx.addrType(v.dstAddr(), dev))) != 0) != invDst;
  }
}
