package io.nfeval.engine.classify;

import io.nfeval.rules.IpMatch;
import io.nfeval.rules.Rule;
import io.nfeval.rules.ext.CommentMatch;
import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.MultiportMatch;
import io.nfeval.rules.ext.PortRanges;
import io.nfeval.rules.ext.TcpMatch;
import io.nfeval.rules.ext.UdpMatch;

/**
 * What one rule demands of the classified fields of a packet, read from the rule without evaluating
 * it: a necessary condition for the rule to match. A field the rule does not constrain, or that we
 * cannot read exactly, is left null ("any"), so the condition is never stronger than the rule.
 *
 * <p>Fields of the fixed header ({@code struct ipt_ip}) are always usable: {@code ip_packet_match}
 * runs first and has no side effects. Port fields come from extension matches, which the kernel runs
 * in rule order after {@code ip_packet_match} and stops at the first that fails
 * ({@code ipt_do_table}, {@code xt_ematch_foreach}). A port constraint is therefore used only when
 * every match before it in the rule is pure: it neither keeps state nor can hot-drop on a packet
 * whose ports are readable. Otherwise skipping the rule could skip a side effect (a {@code statistic
 * --mode nth} counter, a {@code limit} bucket, {@code recent}, a hot-drop) that the kernel performs
 * before reaching the port test.
 */
final class RuleConstraints {
  static final int SRC = 0;
  static final int DST = 1;
  static final int PROTO = 2;
  static final int FRAG = 3;
  static final int SPORT = 4;
  static final int DPORT = 5;
  /** Fields whose key is an int looked up in an interval partition. */
  static final int INTERVAL_FIELDS = 6;
  static final int IN = 6;
  static final int OUT = 7;
  static final int FIELDS = 8;

  /** Per interval field: the allowed keys (see {@link Intervals}), null = any. */
  final long[][] keys = new long[INTERVAL_FIELDS][];
  /** Exact input / output interface name required, null = any (wildcards and {@code !} are "any"). */
  final String in;
  final String out;

  RuleConstraints(Rule r) {
    final IpMatch ip = r.ip();
    if (r.unknown()) {
      in = null;
      out = null;
      return;
    }
    keys[SRC] = address(ip.src(), ip.srcMask(), ip.invSrc());
    keys[DST] = address(ip.dst(), ip.dstMask(), ip.invDst());
    if (ip.proto() != 0) {
      final long[] p = Intervals.of(ip.proto(), ip.proto());
      keys[PROTO] = ip.invProto() ? Intervals.complement(p) : p;
    }
    switch (ip.fragment()) {
      case FRAGS -> keys[FRAG] = Intervals.of(1, 1);
      case NOT_FRAGS -> keys[FRAG] = Intervals.of(0, 0);
      default -> { }
    }
    in = exactName(ip.inIface(), ip.invIn());
    out = exactName(ip.outIface(), ip.invOut());
    ports(r);
  }

  /** ip_packet_match: {@code ((addr & mask) != rule) ^ inv} fails the rule. */
  private static long[] address(int addr, int mask, boolean inv) {
    if (mask == 0 && !inv) {
      return null;
    }
    final long[] s = Intervals.prefix(addr, mask);
    if (s == null) {
      return null; // non-contiguous mask: leave it to the full check
    }
    return inv ? Intervals.complement(s) : s;
  }

  private static String exactName(String pattern, boolean inv) {
    if (pattern == null || inv || pattern.endsWith("+")) {
      return null;
    }
    return pattern;
  }

  /**
   * Port sets from tcp, udp and multiport matches reached through pure matches only. The first
   * constraint per field is kept (a later one only narrows further, so ignoring it is safe).
   */
  private void ports(Rule r) {
    for (Match m : r.matches()) {
      final PortRanges pr = m instanceof TcpMatch t ? t.ports() : m instanceof UdpMatch u ? u.ports() : null;
      if (pr != null) {
        portRange(SPORT, pr.sportMin(), pr.sportMax(), pr.invSport());
        portRange(DPORT, pr.dportMin(), pr.dportMax(), pr.invDport());
      } else if (m instanceof MultiportMatch mp && mp.flags() != MultiportMatch.Flags.EITHER) {
        final int f = mp.flags() == MultiportMatch.Flags.SOURCE ? SPORT : DPORT;
        if (keys[f] == null) {
          final long[][] ranges = new long[mp.count()][];
          for (int i = 0; i < ranges.length; i++) {
            ranges[i] = new long[] {mp.portMin(i), mp.portMax(i)};
          }
          final long[] s = Intervals.union(ranges);
          keys[f] = mp.invert() ? Intervals.complement(s) : s;
        }
      }
      if (!pure(m)) {
        return;
      }
    }
  }

  /** xt_tcpudp port_match: {@code (port >= min && port <= max) ^ invert}. */
  private void portRange(int field, int min, int max, boolean inv) {
    if (keys[field] != null || (min == 0 && max == 65535 && !inv)) {
      return;
    }
    final long[] s = min <= max ? Intervals.of(min, max) : Intervals.NONE;
    keys[field] = inv ? Intervals.complement(s) : s;
  }

  /**
   * Matches without state that cannot hot-drop a packet whose TCP/UDP header is present. tcp_mt
   * hot-drops only for fragment offset 1, a missing header, or (with {@code --tcp-option}) a bad data
   * offset or cut options; the classifier never uses ports of a packet without its header, so tcp
   * without an option test is pure here. udp_mt and multiport_mt hot-drop only on a missing header.
   */
  static boolean pure(Match m) {
    if (m instanceof TcpMatch t) {
      return t.option() == 0 && !t.invOption();
    }
    return m instanceof UdpMatch || m instanceof MultiportMatch || m instanceof CommentMatch;
  }
}
