package io.nfeval.host;

/**
 * A policy routing rule ({@code struct fib4_rule}, as {@code ip -j rule show} prints it). Matching mirrors
 * {@code fib_rule_match} (iif, oif, fwmark/mask, invert) and {@code fib4_rule_match} (from/to prefix, tos).
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

  boolean matches(int saddr, int daddr, int tos, int mark, int iif, int oif) {
    boolean ret = matchesPlain(saddr, daddr, tos, mark, iif, oif);
    return invert != ret;
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
