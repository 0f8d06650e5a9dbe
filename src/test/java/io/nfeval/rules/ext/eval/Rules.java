package io.nfeval.rules.ext.eval;

import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.Rule;
import io.nfeval.rules.RulesetParser;
import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.Target;

/** Parses one rule of iptables-save text and hands out its matches and target. */
final class Rules {
  private Rules() {}

  static Rule rule(String table, String chain, String rule) {
    final String text = "*" + table + "\n:" + chain + " ACCEPT [0:0]\n-A " + chain + " " + rule
        + "\nCOMMIT\n";
    return RulesetParser.parse(text, "test", ParseOptions.DEFAULT).table(table).chain(chain).rules().get(0);
  }

  /** The last match of a filter INPUT rule. */
  static Match match(String rule) {
    return match("filter", "INPUT", rule);
  }

  static Match match(String table, String chain, String rule) {
    final var ms = rule(table, chain, rule).matches();
    return ms.get(ms.size() - 1);
  }

  static Target target(String table, String chain, String rule) {
    return rule(table, chain, rule).target();
  }

  /** Evaluates a match with its own fresh per-rule state held in the context. */
  static boolean eval(Match m, FakeContext ctx) {
    return m.matches(ctx);
  }
}
