package io.nfeval.report;

import io.nfeval.rules.Chain;
import io.nfeval.rules.Rule;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.Table;
import io.nfeval.rules.ext.VerdictTarget;
import java.util.ArrayList;
import java.util.List;

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
      for (Chain c : t.chains()) {
        chain(t.name(), c, out);
      }
    }
    return out;
  }

  private static void chain(String table, Chain c, List<Finding> out) {
    final List<Rule> rules = c.rules();
    final int n = rules.size();
    final RuleSpace[] sp = new RuleSpace[n];
    final boolean[] terminal = new boolean[n];
    final String[] targets = new String[n];
    for (int i = 0; i < n; i++) {
      final StringBuilder t = new StringBuilder();
      rules.get(i).target().save(t);
      targets[i] = RuleSpace.terminal(rules.get(i)) ? t.toString() : null;
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
      for (int i = 0; i < j && f == null; i++) {
        final Rule ri = rules.get(i);
        if (terminal[i] && sp[i].covers(sp[j])) {
          f = targets[i].equals(targets[j])
              ? finding(table, c, rj, REDUNDANT, ri, "rule " + ri.number() + " before it matches all its"
                  + " packets with the same target")
              : finding(table, c, rj, SHADOWED, ri, "rule " + ri.number() + " before it matches all its"
                  + " packets and ends the chain with " + ri.target().name());
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
