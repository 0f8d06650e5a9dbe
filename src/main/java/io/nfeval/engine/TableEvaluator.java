package io.nfeval.engine;

import io.nfeval.engine.classify.CandidateCursor;
import io.nfeval.engine.classify.TableClassifier;
import io.nfeval.rules.IpMatch;
import io.nfeval.rules.Rule;
import io.nfeval.rules.ext.JumpTarget;
import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.NoTarget;
import io.nfeval.rules.ext.Target;
import io.nfeval.rules.ext.VerdictTarget;
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
    while (true) {
      if (cls != null && t.kind[e] == CompiledTable.RULE) {
        e = cursor.next(e);
      }
      final int kind = t.kind[e];
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
      final Rule r = t.rules[e];
      if (!ipPacketMatch(r.ip(), skb) || !extensionsMatch(t, e, skb, mr)) {
        if (skb.hotdropped) {
          return XtVerdict.DROP;
        }
        e++;
        continue;
      }
      counters.add(e, skb.len);
      skb.traceEntry(t, e);
      final Target target = r.target();
      if (target instanceof VerdictTarget) {
        switch (((VerdictTarget) target).verdict()) {
          case ACCEPT:
            return XtVerdict.ACCEPT;
          case DROP:
            return XtVerdict.DROP;
          case QUEUE:
            return XtVerdict.QUEUE;
          default:
            break; // RETURN
        }
        if (sp == 0) {
          e = t.underflow[hook];
        } else {
          e = stack[--sp] + 1;
        }
        continue;
      }
      if (target instanceof JumpTarget) {
        if (!((JumpTarget) target).isGoto()) {
          if (sp == stack.length) {
            return XtVerdict.DROP; // the kernel drops on jump stack overflow
          }
          stack[sp++] = e;
        }
        e = t.jump[e];
        continue;
      }
      if (target instanceof NoTarget) {
        e++;
        continue;
      }
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

  /** ip_packet_match(): the fixed IPv4 header part of every rule. */
  static boolean ipPacketMatch(IpMatch ip, Skb skb) {
    if (((skb.saddr() & ip.srcMask()) != ip.src()) ^ ip.invSrc()) {
      return false;
    }
    if (((skb.daddr() & ip.dstMask()) != ip.dst()) ^ ip.invDst()) {
      return false;
    }
    if (ip.inIface() != null && (!ifaceMatches(ip.inIface(), skb.inIface()) ^ ip.invIn())) {
      return false;
    }
    if (ip.outIface() != null && (!ifaceMatches(ip.outIface(), skb.outIface()) ^ ip.invOut())) {
      return false;
    }
    if (ip.proto() != 0 && ((skb.protocol() != ip.proto()) ^ ip.invProto())) {
      return false;
    }
    switch (ip.fragment()) {
      case FRAGS:
        return skb.fragOffset() != 0;
      case NOT_FRAGS:
        return skb.fragOffset() == 0;
      default:
        return true;
    }
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
