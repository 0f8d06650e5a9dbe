package io.nfeval.rules.ext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code -m policy} ({@code xt_policy.c}): IPsec policy of the packet. Element options apply to the
 * current element; {@code --next} starts another (order matters, so options are read in sequence).
 */
public final class PolicyMatch implements Match {
  /** One policy element ({@code struct xt_policy_elem}); null/-1 fields are unset. */
  public record Element(long reqid, boolean invReqid, long spi, boolean invSpi, int proto, boolean invProto,
      String mode, boolean invMode, int tunnelSrc, int tunnelSrcMask, boolean hasTunnelSrc,
      boolean invTunnelSrc, int tunnelDst, int tunnelDstMask, boolean hasTunnelDst, boolean invTunnelDst) {}

  private static OptSpec m(String n, boolean inv) {
    return new OptSpec(n, 1, inv, true);
  }

  public static final ExtSpec<Match> SPEC = new ExtSpec<>("policy",
      List.of(OptSpec.arg("dir"), OptSpec.arg("pol"), OptSpec.flag("strict"), m("reqid", true),
          m("spi", true), m("proto", true), m("mode", true), m("tunnel-src", true), m("tunnel-dst", true),
          new OptSpec("next", 0, false, true)),
      Map.of(), PolicyMatch::new);

  private final boolean dirOut;
  private final boolean polNone;
  private final boolean strict;
  private final List<Element> elements;

  private PolicyMatch(Opts o, ExtContext c) {
    o.require("policy match: neither --dir in nor --dir out specified", "dir");
    o.require("policy match: --pol is required", "pol");
    final String d = o.str("dir");
    if (!d.equals("in") && !d.equals("out")) {
      throw new ExtException("policy match: bad --dir \"" + d + "\"");
    }
    dirOut = d.equals("out");
    final String p = o.str("pol");
    if (!p.equals("none") && !p.equals("ipsec")) {
      throw new ExtException("policy match: bad --pol \"" + p + "\"");
    }
    polNone = p.equals("none");
    strict = o.has("strict");
    if (dirOut && c.hookOutside(ExtContext.POST_ROUTING | ExtContext.LOCAL_OUT | ExtContext.FORWARD)
        || !dirOut && c.hookOutside(ExtContext.PRE_ROUTING | ExtContext.LOCAL_IN | ExtContext.FORWARD)) {
      throw new ExtException("policy match: --dir " + d + " is not valid in this chain");
    }
    final List<Element> els = new ArrayList<>();
    Object[] cur = null;
    for (Opts.Given g : o.all()) {
      final String n = g.spec().name();
      if (n.equals("dir") || n.equals("pol") || n.equals("strict")) {
        continue;
      }
      if (n.equals("next")) {
        if (cur == null) {
          throw new ExtException("policy match: empty policy element");
        }
        els.add(build(cur));
        cur = null;
        continue;
      }
      if (cur == null) {
        cur = new Object[] {null, false, null, false, null, false, null, false, null, false, null, false};
      }
      final int idx = switch (n) {
        case "reqid" -> 0;
        case "spi" -> 2;
        case "proto" -> 4;
        case "mode" -> 6;
        case "tunnel-src" -> 8;
        default -> 10;
      };
      if (cur[idx] != null) {
        throw new ExtException("policy match: double --" + n + " option");
      }
      cur[idx] = g.arg();
      cur[idx + 1] = g.inv();
    }
    if (cur != null) {
      els.add(build(cur));
    }
    if (strict && els.isEmpty()) {
      throw new ExtException("policy match: --strict needs at least one element");
    }
    if (!strict && els.size() > 1) {
      throw new ExtException("policy match: multiple elements but no --strict");
    }
    elements = List.copyOf(els);
  }

  private static Element build(Object[] v) {
    final long reqid = v[0] == null ? -1 : Num.parseUnsigned((String) v[0], 0xffffffffL, "reqid");
    final long spi = v[2] == null ? -1 : Num.parseUnsigned((String) v[2], 0xffffffffL, "spi");
    int proto = -1;
    if (v[4] != null) {
      proto = Protocols.parse((String) v[4]);
      if (proto != Protocols.AH && proto != Protocols.ESP && proto != 108) {
        throw new ExtException("policy match: protocol must be ah/esp/ipcomp");
      }
    }
    final String mode = (String) v[6];
    if (mode != null && !mode.equals("tunnel") && !mode.equals("transport")) {
      throw new ExtException("policy match: bad --mode \"" + mode + "\"");
    }
    if ((v[8] != null || v[10] != null) && !"tunnel".equals(mode)) {
      throw new ExtException("policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode");
    }
    final int[] ts = v[8] == null ? new int[2] : Num.addrMask((String) v[8]);
    final int[] td = v[10] == null ? new int[2] : Num.addrMask((String) v[10]);
    return new Element(reqid, (Boolean) v[1], spi, (Boolean) v[3], proto, (Boolean) v[5], mode,
        (Boolean) v[7], ts[0], ts[1], v[8] != null, (Boolean) v[9], td[0], td[1], v[10] != null,
        (Boolean) v[11]);
  }

  /** Hosts print without {@code /32}, like {@code xtables_ipaddr_to_numeric + xtables_ipmask_to_numeric}. */
  private static String addr(int a, int mask) {
    return mask == -1 ? Num.ipv4(a) : Num.addrMask(a, mask);
  }

  public boolean dirOut() { return dirOut; }
  public boolean polNone() { return polNone; }
  public boolean strict() { return strict; }
  public List<Element> elements() { return elements; }

  @Override
  public String name() {
    return "policy";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m policy --dir ").append(dirOut ? "out" : "in").append(" --pol ")
        .append(polNone ? "none" : "ipsec");
    if (strict) {
      sb.append(" --strict");
    }
    for (int i = 0; i < elements.size(); i++) {
      final Element e = elements.get(i);
      if (i > 0) {
        sb.append(" --next");
      }
      if (e.reqid() >= 0) {
        Save.opt(sb, e.invReqid(), "reqid", Long.toString(e.reqid()));
      }
      if (e.spi() >= 0) {
        Save.opt(sb, e.invSpi(), "spi", Num.hex(e.spi()));
      }
      if (e.proto() >= 0) {
        Save.opt(sb, e.invProto(), "proto", Protocols.name(e.proto()));
      }
      if (e.mode() != null) {
        Save.opt(sb, e.invMode(), "mode", e.mode());
      }
      if (e.hasTunnelDst()) {
        Save.opt(sb, e.invTunnelDst(), "tunnel-dst", addr(e.tunnelDst(), e.tunnelDstMask()));
      }
      if (e.hasTunnelSrc()) {
        Save.opt(sb, e.invTunnelSrc(), "tunnel-src", addr(e.tunnelSrc(), e.tunnelSrcMask()));
      }
    }
  }

  /**
   * policy_mt with no IPsec: the packet has no secpath (in) and its route no xfrm bundle (out), so
   * match_policy_in/out return -1: {@code --pol none} matches, {@code --pol ipsec} does not. nfeval
   * models no IPsec; an ESP or AH packet (which the host might decrypt) is flagged as assumed.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final int proto = ctx.ip().protocol();
    if (proto == Protocols.ESP || proto == Protocols.AH) {
      ctx.assume("policy");
    }
    return polNone;
  }
}
