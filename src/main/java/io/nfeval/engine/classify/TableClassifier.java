package io.nfeval.engine.classify;

import io.nfeval.rules.Rule;

/**
 * Candidate classifier of one compiled table: lets the evaluator jump from a rule that did not match
 * straight to the next rule of the chain that <em>can</em> match the packet, instead of trying every
 * rule in turn as {@code ipt_do_table} does. Built once per table; immutable and safe to share
 * between workers (each worker walks it with its own {@link CandidateCursor}).
 *
 * <p>Semantics are unchanged by construction: the evaluator still runs the full reference check
 * (ip_packet_match, then the matches in order) on every candidate, and a rule is left out only when
 * a test with no side effect — the fixed IP header, or a port test reached through pure matches
 * only (see {@link RuleConstraints}) — proves it cannot match. Chain end entries (policy, implicit
 * RETURN) are never skipped.
 *
 * <p>Chains shorter than {@link #MIN_RULES} are not indexed: walking them is as cheap as looking up;
 * nor are chains where more than half the rules are candidates for every packet.
 */
public final class TableClassifier {
  /** Chains with fewer rules than this are walked rule by rule. */
  public static final int MIN_RULES = 8;

  /** Entry index → its chain's classifier, null when that chain is not indexed or for end entries. */
  final ChainClassifier[] byEntry;
  final int chainCount;
  private final ChainClassifier[] chains;

  private TableClassifier(ChainClassifier[] chains, ChainClassifier[] byEntry) {
    this.chains = chains;
    this.byEntry = byEntry;
    this.chainCount = chains.length;
  }

  /**
   * Builds the classifier of a table laid out like {@code CompiledTable}: {@code rules[e]} the rule at
   * entry e (null at end entries), chain c spanning entries {@code [chainStart[c], chainEnd[c])} with
   * its end entry at {@code chainEnd[c]}.
   */
  public static TableClassifier build(Rule[] rules, int[] chainStart, int[] chainEnd) {
    final ChainClassifier[] chains = new ChainClassifier[chainStart.length];
    final ChainClassifier[] byEntry = new ChainClassifier[rules.length];
    for (int c = 0; c < chainStart.length; c++) {
      if (chainEnd[c] - chainStart[c] < MIN_RULES) {
        continue;
      }
      final ChainClassifier cc = new ChainClassifier(c, chainStart[c], chainEnd[c], rules);
      if (2 * cc.alwaysCount() > chainEnd[c] - chainStart[c] || cc.tooLarge) {
        continue; // most rules are candidates for every packet (the plain walk is cheaper), or
                  // one index would be too large to address
      }
      chains[c] = cc;
      for (int e = chainStart[c]; e < chainEnd[c]; e++) {
        byEntry[e] = chains[c];
      }
    }
    return new TableClassifier(chains, byEntry);
  }

  /** Approximate heap bytes of the indexes (for bounding memory on large rulesets). */
  public long bytes() {
    long b = 16 + 4L * byEntry.length;
    for (ChainClassifier c : chains) {
      b += c == null ? 0 : c.bytes();
    }
    return b;
  }

  /**
   * One line per indexed chain: how many rules are filed under each field and how many are always
   * candidates, for diagnostics and tests.
   */
  public String describe() {
    final StringBuilder sb = new StringBuilder();
    final String[] names = {"src", "dst", "proto", "frag", "sport", "dport", "in", "out", "always"};
    for (ChainClassifier c : chains) {
      if (c == null) {
        continue;
      }
      sb.append("chain ").append(c.index).append(':');
      final int[] k = c.filedCounts();
      for (int f = 0; f < k.length; f++) {
        if (k[f] > 0) {
          sb.append(' ').append(names[f]).append('=').append(k[f]);
        }
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
