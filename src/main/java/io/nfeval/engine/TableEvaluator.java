package io.nfeval.engine;

import io.nfeval.engine.classify.CandidateCursor;
import io.nfeval.engine.classify.TableClassifier;
import io.nfeval.rules.IpMatch;
import io.nfeval.rules.Rule;
import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.Target;
import io.nfeval.rules.ext.XtVerdict;

/**
 * The reference evaluator: a plain port of the kernel's {@code ipt_do_table}
 * ({@code net/ipv4/netfilter/ip_tables.c}). It is the executable specification that faster
 * evaluators are proven equal to.
 *
 * <p>Semantics mirrored exactly: entries are tried in order; a matching entry's counters count the
 * packet (skb->len bytes) before its target runs; the standard target's verdicts are absolute
 * (ACCEPT, DROP, QUEUE) or RETURN; a jump pushes the return entry (a goto, {@code -g}, does not);
 * RETURN with an empty stack — or falling off the end of a user chain reached by goto from a built-in
 * chain — lands on the built-in chain's policy entry (the "underflow"), which counts as the policy;
 * a match that hot-drops ends the table with DROP.
 */
public final class TableEvaluator {
  /** Runs targets other than the standard ones (the engine: NAT, REJECT, MARK ...). */
  public interface TargetRunner {
    int run(Rule rule, Target target, Skb skb);
  }

  /** Evaluates extension matches. */
  public interface MatchRunner {
    boolean matches(Match match, int slot, Skb skb);
  }

  private final int[] stack;
  /**
   * Walks of the tables' candidate classifiers, one per table (engine.classify): a cursor keeps its
   * table's resolved lists from packet to packet instead of resetting them at every table switch.
   */
  private CandidateCursor[] cursors = new CandidateCursor[8];

  private CandidateCursor cursorFor(CompiledTable t) {
    if (t.id >= cursors.length) {
      cursors = java.util.Arrays.copyOf(cursors, t.id + 8);
    }
    CandidateCursor c = cursors[t.id];
    if (c == null) {
      c = new CandidateCursor();
      cursors[t.id] = c;
    }
    return c;
  }

  public TableEvaluator(int maxDepth) {
    stack = new int[Math.max(8, maxDepth + 2)];
  }

  /**
   * Traverses the built-in chain of {@code hook} in {@code t}. Returns the verdict (XtVerdict.ACCEPT,
   * DROP, QUEUE, STOLEN). A table without that chain accepts.
   */
  public int run(CompiledTable t, int hook, Skb skb, TableCounters counters, MatchRunner mr,
      TargetRunner tr) {
    int e = t.hookEntry[hook];
    if (e < 0) {
      return XtVerdict.ACCEPT;
    }
    int sp = 0;
    skb.hotdropped = false;
    skb.currentTable = t;
    // Classified evaluation: skip rules that cannot match (same verdicts, counters and side effects).
    final TableClassifier cls = t.classifier;
    final CandidateCursor cursor = cls != null ? cursorFor(t) : null;
    if (cls != null) {
      cursor.begin(cls, skb);
    }
    final int[] b = t.blob;
    while (true) {
      if (cls != null && b[CompiledTable.STRIDE * e + CompiledTable.B_KIND] == CompiledTable.RULE) {
        e = cursor.next(e);
      }
      final int o = CompiledTable.STRIDE * e;
      final int kind = b[o + CompiledTable.B_KIND];
      if (kind == CompiledTable.POLICY) {
        counters.add(e, skb.len);
        skb.traceEntry(t, e);
        return t.policyVerdict[e];
      }
      if (kind == CompiledTable.CHAIN_END) {
        // Implicit RETURN at the end of a user chain.
        if (sp == 0) {
          e = t.underflow[hook];
        } else {
          e = stack[--sp] + 1;
        }
        continue;
      }
      final int flags = b[o + CompiledTable.B_FLAGS];
      if (!ipPacketMatch(b, o, flags, skb)
          || (flags & CompiledTable.F_IFACES) != 0 && !ifacesMatch(t.rules[e].ip(), skb)
          || (flags & CompiledTable.F_MATCHES) != 0 && !extensionsMatch(t, e, skb, mr)) {
        if (skb.hotdropped) {
          return XtVerdict.DROP;
        }
        e++;
        continue;
      }
      counters.add(e, skb.len);
      skb.traceEntry(t, e);
      switch (b[o + CompiledTable.B_TARGET]) {
        case CompiledTable.T_ACCEPT:
          return XtVerdict.ACCEPT;
        case CompiledTable.T_DROP:
          return XtVerdict.DROP;
        case CompiledTable.T_QUEUE:
          return XtVerdict.QUEUE;
        case CompiledTable.T_RETURN:
          if (sp == 0) {
            e = t.underflow[hook];
          } else {
            e = stack[--sp] + 1;
          }
          continue;
        case CompiledTable.T_JUMP:
          if (sp == stack.length) {
            return XtVerdict.DROP; // the kernel drops on jump stack overflow
          }
          stack[sp++] = e;
          e = b[o + CompiledTable.B_JUMP];
          continue;
        case CompiledTable.T_GOTO:
          e = b[o + CompiledTable.B_JUMP];
          continue;
        case CompiledTable.T_NONE:
          e++;
          continue;
        default:
          break;
      }
      final Rule r = t.rules[e];
      final Target target = r.target();
      skb.currentEntry = e;
      int v = tr.run(r, target, skb);
      if (cls != null) {
        cursor.begin(cls, skb); // the target may have rewritten the packet
      }
      if (v == XtVerdict.CONTINUE) {
        e++;
        continue;
      }
      if (v == XtVerdict.RETURN) {
        if (sp == 0) {
          e = t.underflow[hook];
        } else {
          e = stack[--sp] + 1;
        }
        continue;
      }
      return v;
    }
  }

  private static boolean extensionsMatch(CompiledTable t, int e, Skb skb, MatchRunner mr) {
    final Match[] ms = t.matches[e];
    int slot = t.matchSlot[e];
    for (int i = 0; i < ms.length; i++) {
      if (!mr.matches(ms[i], slot + i, skb)) {
        return false;
      }
      if (skb.hotdropped) {
        return false;
      }
    }
    return true;
  }

  /**
   * ip_packet_match() on the entry's blob record at {@code o}: addresses, protocol and fragment
   * test; the interfaces, when the rule has any ({@link CompiledTable#F_IFACES}), are
   * {@link #ifacesMatch}.
   */
  static boolean ipPacketMatch(int[] b, int o, int flags, Skb skb) {
    if (((skb.saddr() & b[o + CompiledTable.B_SRC_MASK]) != b[o + CompiledTable.B_SRC])
        ^ (flags & CompiledTable.F_INV_SRC) != 0) {
      return false;
    }
    if (((skb.daddr() & b[o + CompiledTable.B_DST_MASK]) != b[o + CompiledTable.B_DST])
        ^ (flags & CompiledTable.F_INV_DST) != 0) {
      return false;
    }
    final int proto = flags & 0xff;
    if (proto != 0 && ((skb.protocol() != proto) ^ (flags & CompiledTable.F_INV_PROTO) != 0)) {
      return false;
    }
    if ((flags & CompiledTable.F_FRAGS) != 0) {
      return skb.fragOffset() != 0;
    }
    if ((flags & CompiledTable.F_NOT_FRAGS) != 0) {
      return skb.fragOffset() == 0;
    }
    return true;
  }

  /** The interface part of ip_packet_match (-i, -o). */
  static boolean ifacesMatch(IpMatch ip, Skb skb) {
    if (ip.inIface() != null && (!ifaceMatches(ip.inIface(), skb.inIface()) ^ ip.invIn())) {
      return false;
    }
    return ip.outIface() == null || (ifaceMatches(ip.outIface(), skb.outIface()) ^ ip.invOut());
  }

  /**
   * Interface name comparison as ifname_compare_aligned: "eth+" matches every name starting with
   * "eth"; otherwise names must be equal. A packet without that device has the empty name.
   */
  static boolean ifaceMatches(String pattern, String dev) {
    final String name = dev == null ? "" : dev;
    final int n = pattern.length();
    if (n > 0 && pattern.charAt(n - 1) == '+') {
      return name.regionMatches(0, pattern, 0, n - 1);
    }
    return name.equals(pattern);
  }
}
