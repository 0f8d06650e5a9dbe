package io.nfeval.report;

import io.nfeval.rules.Chain;
import io.nfeval.rules.Rule;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.Table;
import io.nfeval.rules.ext.VerdictTarget;
import io.nfeval.rules.ext.JumpTarget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Static analysis of a ruleset over the header space ({@link RuleSpace}): per chain, rules that can never
 * match because an earlier rule with a terminating target covers their whole match space (the kernel's
 * {@code ipt_do_table} walks a chain in order and never reaches them), and redundant rules (removing them
 * changes no verdict). Conservative: a rule with a match outside the model never covers another, so
 * every claim holds for every packet; rules it cannot reason about are simply not claimed.
 */
public final class ShadowAnalysis {
  /** Kinds of findings. */
  public static final String SHADOWED = "shadowed";
  public static final String REDUNDANT = "redundant";
  public static final String EMPTY = "never-matches";

  /** One finding: {@code rule} in {@code table}/{@code chain}, because of rule {@code by} (0: policy/none). */
  public record Finding(String table, String chain, int rule, String ruleText, String source, String kind,
      int by, String byText, String reason) {
  }

  private ShadowAnalysis() {
  }

  public static List<Finding> analyse(Ruleset rs) {
    final List<Finding> out = new ArrayList<>();
    for (Table t : rs.tables()) {
      final Map<String, Boolean> mutating = new HashMap<>();
      for (Chain c : t.chains()) {
        chain(t, c, out, mutating);
      }
    }
    return out;
  }

  /** Targets that change none of the fields the model reads (or end the chain). */
  private static final Set<String> SAFE = Set.of("", "LOG", "NFLOG", "ULOG", "TRACE", "NFACCT", "AUDIT", "TCPMSS",
      "TTL", "TOS", "DSCP", "CLASSIFY", "CHECKSUM", "SET", "ACCEPT", "DROP", "RETURN", "QUEUE", "REJECT", "DNAT",
      "SNAT", "MASQUERADE", "REDIRECT", "NETMAP", "NFQUEUE", "TPROXY");

  /**
   * Whether a rule may change what later rules of the chain see (MARK, CONNMARK, CT/NOTRACK, or a jump
   * into a chain that might): then an earlier rule's verdict no longer tells about later rules.
   */
  private static boolean mutates(Table t, Rule r, Map<String, Boolean> memo) {
    if (r.target() instanceof JumpTarget j) {
      if (j.isGoto()) {
        return false; // never comes back to this chain
      }
      final Boolean known = memo.get(j.chain());
      if (known != null) {
        return known;
      }
      memo.put(j.chain(), Boolean.TRUE); // loops (refused by the kernel anyway): assume the worst
      final Chain c = t.chain(j.chain());
      boolean m = c == null;
      if (c != null) {
        for (Rule x : c.rules()) {
          if (mutates(t, x, memo)) {
            m = true;
            break;
          }
        }
      }
      memo.put(j.chain(), m);
      return m;
    }
    return !SAFE.contains(r.target().name());
  }

  private static void chain(Table tbl, Chain c, List<Finding> out, Map<String, Boolean> memo) {
    final String table = tbl.name();
    final List<Rule> rules = c.rules();
    final int n = rules.size();
    final RuleSpace[] sp = new RuleSpace[n];
    final boolean[] terminal = new boolean[n];
    final boolean[] mutating = new boolean[n];
    final String[] targets = new String[n];
    for (int i = 0; i < n; i++) {
      final StringBuilder t = new StringBuilder();
      rules.get(i).target().save(t);
      targets[i] = RuleSpace.terminal(rules.get(i)) ? t.toString() : null;
      mutating[i] = mutates(tbl, rules.get(i), memo);
      sp[i] = RuleSpace.of(rules.get(i));
      terminal[i] = RuleSpace.terminal(rules.get(i)) && sp[i].exact();
    }
    for (int j = 0; j < n; j++) {
      final Rule rj = rules.get(j);
      if (empty(sp[j])) {
        out.add(finding(table, c, rj, EMPTY, null, "its matches select no packet"));
        continue;
      }
      Finding f = null;
      // nearest earlier rule first; stop at a rule that may change the packet for the rules after it
      for (int i = j - 1; i >= 0 && f == null; i--) {
        final Rule ri = rules.get(i);
        if (terminal[i] && sp[i].covers(sp[j])) {
          f = targets[i].equals(targets[j])
              ? finding(table, c, rj, REDUNDANT, ri, "rule " + ri.number() + " before it matches all its"
                  + " packets with the same target")
              : finding(table, c, rj, SHADOWED, ri, "rule " + ri.number() + " before it matches all its"
                  + " packets and ends the chain with " + ri.target().name());
        }
        if (mutating[i]) {
          break;
        }
      }
      if (f == null && RuleSpace.terminal(rj)) {
        f = laterRedundant(table, c, rules, sp, targets, j);
      }
      if (f != null) {
        out.add(f);
      }
    }
  }

  /** A later rule with the same target covers it and nothing in between can see its packets. */
  private static Finding laterRedundant(String table, Chain c, List<Rule> rules, RuleSpace[] sp, String[] targets,
      int j) {
    final Rule rj = rules.get(j);
    for (int k = j + 1; k < rules.size(); k++) {
      final Rule rk = rules.get(k);
      if (targets[j].equals(targets[k]) && sp[k].covers(sp[j])) {
        return finding(table, c, rj, REDUNDANT, rk, "rule " + rk.number() + " after it would do the same"
            + " to all its packets, and no rule in between can match them");
      }
      if (!sp[k].disjoint(sp[j])) {
        return null;
      }
    }
    if (c.builtin() && rj.target() instanceof VerdictTarget v
        && (v.verdict() == VerdictTarget.Verdict.ACCEPT || v.verdict() == VerdictTarget.Verdict.DROP)
        && v.verdict().name().equals(c.policy())) {
      return finding(table, c, rj, REDUNDANT, null, "the chain policy " + c.policy() + " does the same, and no"
          + " later rule can match its packets");
    }
    return null;
  }

  private static boolean empty(RuleSpace s) {
    return s.src.isEmpty() || s.dst.isEmpty() || s.proto.isEmpty() || s.sport.isEmpty()
        || s.dport.isEmpty() || s.icmp.isEmpty() || s.states == 0 || s.frag == 0;
  }

  private static Finding finding(String table, Chain c, Rule r, String kind, Rule by, String reason) {
    return new Finding(table, c.name(), r.number(), r.save(), AuditCollector.source(r),
        kind, by == null ? 0 : by.number(), by == null ? null : by.save(), reason);
  }
}
