package io.nfeval.host;

/**
 * A policy routing rule ({@code struct fib4_rule}, as {@code ip -j rule show} prints it). Matching mirrors
 * {@code fib_rule_match} (iif, oif, fwmark/mask, ipproto, sport/dport ranges, uidrange, l3mdev, tun_id,
 * invert) and {@code fib4_rule_match} (from/to prefix, tos). nfeval models no VRF and no tunnel metadata,
 * so {@code l3mdev} and {@code tun_id} rules match no packet.
 */
public final class PolicyRule {
  /** FR_ACT_* of include/uapi/linux/fib_rules.h. */
  public static final int ACT_TO_TBL = 1;
  public static final int ACT_GOTO = 2;
  public static final int ACT_NOP = 3;
  public static final int ACT_BLACKHOLE = 6;
  public static final int ACT_UNREACHABLE = 7;
  public static final int ACT_PROHIBIT = 8;

  final int priority;
  final boolean invert;
  final int src;
  final int srcLen;
  final int dst;
  final int dstLen;
  final int tos;
  final int mark;
  final int markMask;
  final String iifName;
  final String oifName;
  /** Resolved at load: 0 = any, -1 = named but absent (matches nothing, like a detached rule). */
  final int iifIndex;
  final int oifIndex;
  final int table;
  final int action;
  final int gotoPriority;
  /** -1 when not set. */
  final int suppressPrefixLen;
  /** The flow selectors: ipproto (0 any), port ranges (0..0 unset), uid range (0..0xffffffff unset). */
  int ipProto;
  int sportLo;
  int sportHi;
  int dportLo;
  int dportHi;
  int uidLo;
  int uidHi = -1;
  /** l3mdev or tun_id: matches only VRF slaves or tunnel-metadata packets, which nfeval does not model. */
  boolean neverMatches;

  public PolicyRule(int priority, boolean invert, int src, int srcLen, int dst, int dstLen, int tos, int mark,
      int markMask, String iifName, int iifIndex, String oifName, int oifIndex, int table, int action,
      int gotoPriority, int suppressPrefixLen) {
    this.priority = priority;
    this.invert = invert;
    this.src = src & Inet4.mask(srcLen);
    this.srcLen = srcLen;
    this.dst = dst & Inet4.mask(dstLen);
    this.dstLen = dstLen;
    this.tos = tos;
    this.mark = mark;
    this.markMask = markMask;
    this.iifName = iifName;
    this.iifIndex = iifIndex;
    this.oifName = oifName;
    this.oifIndex = oifIndex;
    this.table = table;
    this.action = action;
    this.gotoPriority = gotoPriority;
    this.suppressPrefixLen = suppressPrefixLen;
  }

  /** The three rules the kernel starts with (fib_default_rules_init): 0 local, 32766 main, 32767 default. */
  static PolicyRule toTable(int priority, int table) {
    return new PolicyRule(priority, false, 0, 0, 0, 0, 0, 0, 0, null, 0, null, 0, table, ACT_TO_TBL, 0, -1);
  }

  public int priority() {
    return priority;
  }

  public int table() {
    return table;
  }

  public int action() {
    return action;
  }

  /** Sets the flow selectors (ipproto, sport/dport ranges, uid range), l3mdev and tun_id. */
  PolicyRule selectors(int proto, int sLo, int sHi, int dLo, int dHi, int uLo, int uHi, boolean never) {
    ipProto = proto;
    sportLo = sLo;
    sportHi = sHi;
    dportLo = dLo;
    dportHi = dHi;
    uidLo = uLo;
    uidHi = uHi;
    neverMatches = never;
    return this;
  }

  /** Whether the rule looks at the flow's protocol, ports or uid (fib_rules_require_fldissect). */
  boolean hasFlowSelectors() {
    return ipProto != 0 || (sportLo != 0 && sportHi != 0) || (dportLo != 0 && dportHi != 0);
  }

  boolean hasUidRange() {
    return uidLo != 0 || uidHi != -1;
  }

  boolean matches(int saddr, int daddr, int tos, int mark, int iif, int oif, int proto, int sport, int dport,
      int uid) {
    boolean ret = matchesPlain(saddr, daddr, tos, mark, iif, oif) && matchesFlow(proto, sport, dport, uid);
    return invert != ret;
  }

  /** fib_rule_match's ip_proto, port ranges (fib_rule_port_inrange, when both ends are set) and uid range. */
  private boolean matchesFlow(int proto, int sport, int dport, int uid) {
    if (neverMatches) {
      return false;
    }
    if (ipProto != 0 && ipProto != proto) {
      return false;
    }
    if (sportLo != 0 && sportHi != 0 && (sport < sportLo || sport > sportHi)) {
      return false;
    }
    if (dportLo != 0 && dportHi != 0 && (dport < dportLo || dport > dportHi)) {
      return false;
    }
    return Integer.compareUnsigned(uid, uidLo) >= 0 && Integer.compareUnsigned(uid, uidHi) <= 0;
  }

  private boolean matchesPlain(int saddr, int daddr, int flowTos, int flowMark, int iif, int oif) {
    if (iifIndex != 0 && iifIndex != iif) {
      return false;
    }
    if (oifIndex != 0 && oifIndex != oif) {
      return false;
    }
    if (((mark ^ flowMark) & markMask) != 0) {
      return false;
    }
    if (((saddr ^ src) & Inet4.mask(srcLen)) != 0 || ((daddr ^ dst) & Inet4.mask(dstLen)) != 0) {
      return false;
    }
    return tos == 0 || tos == (flowTos & 0xfc);
  }

  @Override
  public String toString() {
    return priority + ": from " + Inet4.format(src) + "/" + srcLen + " to " + Inet4.format(dst) + "/" + dstLen
        + " action " + action + " table " + table;
  }
}
