package io.nfeval.engine.classify;

import io.nfeval.rules.Chain;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.Rule;
import io.nfeval.rules.RulesetParser;
import io.nfeval.rules.Table;
import java.util.List;

/** A filter table laid out as CompiledTable does: chains back to back, each followed by its end entry. */
final class Layout {
  final Rule[] rules;
  final int[] chainStart;
  final int[] chainEnd;
  final TableClassifier classifier;

  Layout(String rulesetText) {
    final Table t = RulesetParser.parse(rulesetText, "test.rules", ParseOptions.DEFAULT).table("filter");
    final List<Chain> chains = t.chains();
    int n = 0;
    for (Chain c : chains) {
      n += c.rules().size() + 1;
    }
    rules = new Rule[n];
    chainStart = new int[chains.size()];
    chainEnd = new int[chains.size()];
    int e = 0;
    for (int c = 0; c < chains.size(); c++) {
      chainStart[c] = e;
      for (Rule r : chains.get(c).rules()) {
        rules[e++] = r;
      }
      chainEnd[c] = e++;
    }
    classifier = TableClassifier.build(rules, chainStart, chainEnd);
  }

  /** A filter table with FORWARD holding {@code lines} (each "-A FORWARD ..."). */
  static Layout forward(List<String> lines) {
    return new Layout("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + String.join("\n", lines) + "\nCOMMIT\n");
  }

  static Rule rule(String spec) {
    return forward(List.of("-A FORWARD " + spec)).rules[1];
  }
}
