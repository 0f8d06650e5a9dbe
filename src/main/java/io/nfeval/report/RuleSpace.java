package io.nfeval.report;

import io.nfeval.rules.IpMatch;
import io.nfeval.rules.Rule;
import io.nfeval.rules.ext.CommentMatch;
import io.nfeval.rules.ext.ConntrackMatch;
import io.nfeval.rules.ext.IcmpMatch;
import io.nfeval.rules.ext.IprangeMatch;
import io.nfeval.rules.ext.JumpTarget;
import io.nfeval.rules.ext.MarkMatch;
import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.MultiportMatch;
import io.nfeval.rules.ext.StateMatch;
import io.nfeval.rules.ext.TcpMatch;
import io.nfeval.rules.ext.UdpMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The set of packets a rule's matches select, as a product of per-field sets over the header space:
 * source and destination address (prefixes, ranges, inversion), protocol, source and destination port,
 * ICMP type/code, input and output interface (with iptables' {@code +} wildcard), conntrack state,
 * mark, and first-fragment-or-not. This mirrors what {@code ip_packet_match} and the tcp/udp/icmp,
 * multiport, iprange, state/conntrack and mark matches test.
 *
 * <p>Matches outside that model (rate limits, recent, owner, addrtype, strings, sets, ...) are listed in
 * {@link #unmodeled()}: the rule's real set is then a subset of {@link #space} (an over-approximation),
 * which is sound for "is covered by" on the covered side but never lets such a rule cover another.
 */
final class RuleSpace {
  static final long ADDR_MAX = 0xffffffffL;
  static final int PORT_MAX = 65535;
  /** ctstate universe: INVALID, ESTABLISHED, RELATED, NEW, UNTRACKED (ConntrackMatch bits). */
  static final int STATES = ConntrackMatch.STATE_INVALID | ConntrackMatch.STATE_ESTABLISHED
      | ConntrackMatch.STATE_RELATED | ConntrackMatch.STATE_NEW | ConntrackMatch.STATE_UNTRACKED;
  /** Fragment universe: bit 1 = unfragmented or first fragment, bit 2 = later fragment. */
  static final int FRAG_FIRST = 1;
  static final int FRAG_LATER = 2;

  IntervalSet src = IntervalSet.all(ADDR_MAX);
  IntervalSet dst = IntervalSet.all(ADDR_MAX);
  IntervalSet proto = IntervalSet.all(255);
  IntervalSet sport = IntervalSet.all(PORT_MAX);
  IntervalSet dport = IntervalSet.all(PORT_MAX);
  /** type * 256 + code. */
  IntervalSet icmp = IntervalSet.all(PORT_MAX);
  Iface in = Iface.ANY;
  Iface out = Iface.ANY;
  int states = STATES;
  int frag = FRAG_FIRST | FRAG_LATER;
  final List<int[]> marks = new ArrayList<>(); // {value, mask, invert(0/1)}
  private final List<String> unmodeled = new ArrayList<>();

  /** Matches the model does not describe (their rule is over-approximated). */
  List<String> unmodeled() {
    return unmodeled;
  }

  boolean exact() {
    return unmodeled.isEmpty();
  }

  static RuleSpace of(Rule r) {
    final RuleSpace s = new RuleSpace();
    if (r.unknown()) {
      s.unmodeled.add("unknown module");
    }
    s.ip(r.ip());
    for (Match m : r.matches()) {
      s.match(m);
    }
    return s;
  }

  private void ip(IpMatch ip) {
    src = prefix(ip.src(), ip.srcMask(), ip.invSrc(), "-s");
    dst = prefix(ip.dst(), ip.dstMask(), ip.invDst(), "-d");
    if (ip.proto() != 0 || ip.invProto()) {
      final IntervalSet p = IntervalSet.range(255, ip.proto(), ip.proto());
      proto = ip.invProto() ? p.complement() : p;
    }
    in = Iface.of(ip.inIface(), ip.invIn());
    out = Iface.of(ip.outIface(), ip.invOut());
    if (ip.fragment() == IpMatch.Fragment.FRAGS) {
      frag = FRAG_LATER;
    } else if (ip.fragment() == IpMatch.Fragment.NOT_FRAGS) {
      frag = FRAG_FIRST;
    }
  }

  private IntervalSet prefix(int addr, int mask, boolean inv, String what) {
    final long m = mask & ADDR_MAX;
    final long host = ~m & ADDR_MAX;
    if ((host & (host + 1)) != 0) {
      unmodeled.add(what + " with a non-contiguous mask");
      return IntervalSet.all(ADDR_MAX);
    }
    final long lo = addr & m;
    final IntervalSet s = IntervalSet.range(ADDR_MAX, lo, lo | host);
    return inv ? s.complement() : s;
  }

  private static IntervalSet ports(int lo, int hi, boolean inv) {
    final IntervalSet s = IntervalSet.range(PORT_MAX, lo, hi);
    return inv ? s.complement() : s;
  }

  private void intersectPorts(io.nfeval.rules.ext.PortRanges p) {
    sport = sport.intersect(ports(p.sportMin(), p.sportMax(), p.invSport()));
    dport = dport.intersect(ports(p.dportMin(), p.dportMax(), p.invDport()));
  }

  private void match(Match m) {
    if (m instanceof CommentMatch) {
      return;
    }
    if (m instanceof TcpMatch t) {
      intersectPorts(t.ports());
      frag &= FRAG_FIRST; // tcp_mt: no match on non-first fragments
      if (t.flagsMask() != 0 || t.invFlags() || t.option() != 0) {
        unmodeled.add("tcp flags/option");
      }
    } else if (m instanceof UdpMatch u) {
      intersectPorts(u.ports());
      frag &= FRAG_FIRST;
    } else if (m instanceof MultiportMatch mp && mp.flags() != MultiportMatch.Flags.EITHER) {
      final long[] pairs = new long[mp.count() * 2];
      for (int i = 0; i < mp.count(); i++) {
        pairs[2 * i] = mp.portMin(i);
        pairs[2 * i + 1] = mp.portMax(i);
      }
      IntervalSet s = IntervalSet.of(PORT_MAX, pairs);
      s = mp.invert() ? s.complement() : s;
      if (mp.flags() == MultiportMatch.Flags.SOURCE) {
        sport = sport.intersect(s);
      } else {
        dport = dport.intersect(s);
      }
      frag &= FRAG_FIRST;
    } else if (m instanceof IcmpMatch ic) {
      final IntervalSet s = ic.type() == 255 ? IntervalSet.all(PORT_MAX)
          : IntervalSet.range(PORT_MAX, ic.type() * 256L + ic.codeMin(), ic.type() * 256L + ic.codeMax());
      icmp = icmp.intersect(ic.invert() ? s.complement() : s);
      frag &= FRAG_FIRST;
    } else if (m instanceof StateMatch st) {
      states &= st.invert() ? STATES & ~st.stateMask() : st.stateMask();
    } else if (m instanceof ConntrackMatch ct && ct.flags() == ConntrackMatch.F_STATE
        && (ct.stateMask() & ~STATES) == 0) {
      final boolean inv = (ct.invFlags() & ConntrackMatch.F_STATE) != 0;
      states &= inv ? STATES & ~ct.stateMask() : ct.stateMask();
    } else if (m instanceof MarkMatch mk && "mark".equals(mk.name())) {
      marks.add(new int[] {mk.mark(), mk.mask(), mk.invert() ? 1 : 0});
    } else if (m instanceof IprangeMatch ir) {
      if (ir.hasSrc()) {
        final IntervalSet s = IntervalSet.range(ADDR_MAX, ir.srcMin() & ADDR_MAX, ir.srcMax() & ADDR_MAX);
        src = src.intersect(ir.invSrc() ? s.complement() : s);
      }
      if (ir.hasDst()) {
        final IntervalSet s = IntervalSet.range(ADDR_MAX, ir.dstMin() & ADDR_MAX, ir.dstMax() & ADDR_MAX);
        dst = dst.intersect(ir.invDst() ? s.complement() : s);
      }
    } else {
      unmodeled.add("-m " + m.name());
    }
  }

  /**
   * True when every packet this (modeled) space holds is also in {@code this}: only claimed when this
   * rule's matches are all modeled. {@code o} may be over-approximated (that only shrinks the truth).
   */
  boolean covers(RuleSpace o) {
    return exact() && src.containsAll(o.src) && dst.containsAll(o.dst) && proto.containsAll(o.proto)
        && sport.containsAll(o.sport) && dport.containsAll(o.dport) && icmp.containsAll(o.icmp)
        && (o.states & ~states) == 0 && (o.frag & ~frag) == 0 && in.covers(o.in) && out.covers(o.out)
        && marksCover(o);
  }

  /** True when no packet can be in both (decided on modeled fields only: a safe "disjoint"). */
  boolean disjoint(RuleSpace o) {
    return !src.intersects(o.src) || !dst.intersects(o.dst)
        || !proto.intersects(o.proto) || !sport.intersects(o.sport)
        || !dport.intersects(o.dport) || !icmp.intersects(o.icmp)
        || (states & o.states) == 0 || (frag & o.frag) == 0 || in.disjoint(o.in)
        || out.disjoint(o.out) || marksDisjoint(o);
  }

  private boolean marksCover(RuleSpace o) {
    for (int[] a : marks) {
      boolean implied = false;
      for (int[] b : o.marks) {
        if (a[0] == b[0] && a[1] == b[1] && a[2] == b[2]) {
          implied = true;
        } else if (a[2] == 0 && b[2] == 0 && (a[1] & ~b[1]) == 0 && (b[0] & a[1]) == a[0]) {
          implied = true;
        }
      }
      if (!implied) {
        return false;
      }
    }
    return true;
  }

  private boolean marksDisjoint(RuleSpace o) {
    for (int[] a : marks) {
      for (int[] b : o.marks) {
        if (a[2] == 0 && b[2] == 0 && ((a[0] ^ b[0]) & a[1] & b[1]) != 0) {
          return true;
        }
        if (a[2] != b[2] && a[0] == b[0] && a[1] == b[1]) {
          return true;
        }
      }
    }
    return false;
  }

  /** Match of a concrete point: TRUE/FALSE on modeled fields, UNKNOWN when only unmodeled ones remain. */
  Boolean matches(Point p) {
    final boolean ports = p.proto == 6 || p.proto == 17 || p.proto == 132;
    if (!src.contains(p.src) || !dst.contains(p.dst) || !proto.contains(p.proto)
        || (states & p.state) == 0 || (frag & p.frag) == 0 || !in.matches(p.in) || !out.matches(p.out)) {
      return Boolean.FALSE;
    }
    if (!sport.isAll() || !dport.isAll()) {
      if (!ports || !sport.contains(p.sport) || !dport.contains(p.dport)) {
        return Boolean.FALSE;
      }
    }
    if (!icmp.isAll() && (p.proto != 1 || !icmp.contains(p.icmp))) {
      return Boolean.FALSE;
    }
    for (int[] m : marks) {
      if (((p.mark & m[1]) == m[0]) == (m[2] != 0)) {
        return Boolean.FALSE;
      }
    }
    return exact() ? Boolean.TRUE : null;
  }

  /** Values worth sampling per field (interval boundaries), for the static diff. */
  void boundaries(Set<Long> srcs, Set<Long> dsts, Set<Long> protos, Set<Long> sports, Set<Long> dports,
      Set<Long> icmps, Set<String> ifaces, Set<Integer> markValues) {
    src.boundaries(srcs);
    dst.boundaries(dsts);
    proto.boundaries(protos);
    sport.boundaries(sports);
    dport.boundaries(dports);
    icmp.boundaries(icmps);
    in.samples(ifaces);
    out.samples(ifaces);
    for (int[] m : marks) {
      markValues.add(m[0]);
      markValues.add(m[0] ^ m[1]);
    }
  }

  /** Whether a target ends the chain for the packets it matches (no return to the next rule). */
  static boolean terminal(Rule r) {
    if (r.target() instanceof JumpTarget j) {
      return j.isGoto();
    }
    return switch (r.target().name()) {
      case "ACCEPT", "DROP", "RETURN", "QUEUE", "REJECT", "DNAT", "SNAT", "MASQUERADE", "REDIRECT",
          "NETMAP", "NFQUEUE", "TPROXY" -> true;
      default -> false;
    };
  }

  /** One interface field: any, a name pattern, or its negation. */
  record Iface(String pattern, boolean negated) {
    static final Iface ANY = new Iface(null, false);

    static Iface of(String name, boolean inv) {
      if (name == null || (!inv && "+".equals(name))) {
        return ANY;
      }
      return new Iface(name, inv);
    }

    boolean matches(String name) {
      if (pattern == null) {
        return true;
      }
      return nameMatches(pattern, name == null ? "" : name) != negated;
    }

    static boolean nameMatches(String pattern, String name) {
      return pattern.endsWith("+") ? name.startsWith(pattern.substring(0, pattern.length() - 1))
          : pattern.equals(name);
    }

    /** Every name matching q matches p. */
    static boolean subset(String q, String p) {
      if (p.endsWith("+")) {
        return q.startsWith(p.substring(0, p.length() - 1));
      }
      return !q.endsWith("+") && q.equals(p);
    }

    /** No name matches both. */
    static boolean apart(String q, String p) {
      final boolean qw = q.endsWith("+");
      final boolean pw = p.endsWith("+");
      final String qs = qw ? q.substring(0, q.length() - 1) : q;
      final String ps = pw ? p.substring(0, p.length() - 1) : p;
      if (!qw && !pw) {
        return !qs.equals(ps);
      }
      if (qw && pw) {
        return !qs.startsWith(ps) && !ps.startsWith(qs);
      }
      return qw ? !ps.startsWith(qs) : !qs.startsWith(ps);
    }

    boolean covers(Iface o) {
      if (pattern == null) {
        return true;
      }
      if (o.pattern == null) {
        return false;
      }
      if (!negated) {
        return !o.negated && subset(o.pattern, pattern);
      }
      return o.negated ? subset(pattern, o.pattern) : apart(o.pattern, pattern);
    }

    boolean disjoint(Iface o) {
      if (pattern == null || o.pattern == null || (negated && o.negated)) {
        return false;
      }
      if (!negated && !o.negated) {
        return apart(pattern, o.pattern);
      }
      return negated ? subset(o.pattern, pattern) : subset(pattern, o.pattern);
    }

    void samples(Set<String> into) {
      if (pattern != null) {
        into.add(pattern.endsWith("+") ? pattern.substring(0, pattern.length() - 1) + "0" : pattern);
      }
    }

    @Override
    public String toString() {
      return pattern == null ? "any" : (negated ? "!" : "") + pattern;
    }
  }

  /** One concrete packet of the header space. */
  static final class Point {
    long src;
    long dst;
    int proto;
    int sport;
    int dport;
    int icmp;
    String in;
    String out;
    int state;
    int mark;
    int frag = FRAG_FIRST;

    Point copy() {
      final Point p = new Point();
      p.src = src;
      p.dst = dst;
      p.proto = proto;
      p.sport = sport;
      p.dport = dport;
      p.icmp = icmp;
      p.in = in;
      p.out = out;
      p.state = state;
      p.mark = mark;
      p.frag = frag;
      return p;
    }
  }
}
