package io.nfeval.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Real rulesets copied into the test resources (moby goldens, Calico, Batfish, kube-proxy; see
 * PROVENANCE.md): each parses (or fails with the expected message), and every modern iptables-save
 * output prints back line for line.
 */
class CorpusRulesetsTest {
  static List<Path> files() throws IOException, URISyntaxException {
    final Path root = Path.of(CorpusRulesetsTest.class.getResource("/rules/corpus").toURI());
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".md")).sorted()
          .toList();
    }
  }

  @Test
  void everyFileParsesOrFailsAsExpected() throws Exception {
    int parsed = 0;
    int expected = 0;
    final List<String> bad = new ArrayList<>();
    for (Path f : files()) {
      final CorpusSupport.Result r = CorpusSupport.classify(f);
      switch (r.outcome()) {
        case PARSED -> parsed++;
        case EXPECTED_ERROR -> expected++;
        default -> bad.add(r.outcome() + " " + r.message());
      }
    }
    System.out.println("core corpus: parsed=" + parsed + " expected-errors=" + expected + " bad=" + bad.size());
    assertThat(bad).isEmpty();
    assertThat(expected).isEqualTo(2); // the two batfish negatives
  }

  @Test
  void modernSaveOutputPrintsBackUnchanged() throws Exception {
    int same = 0;
    final List<String> diffs = new ArrayList<>();
    for (Path f : files()) {
      if (!CorpusSupport.isModernSave(f)) {
        continue;
      }
      final Ruleset rs = RulesetParser.parse(f);
      final List<String> in = CorpusSupport.significantLines(f);
      final List<String> out = CorpusSupport.printed(rs);
      if (in.equals(out)) {
        same++;
      } else {
        diffs.add(f.getFileName().toString());
      }
    }
    System.out.println("core corpus round trip: identical=" + same + " differ=" + diffs);
    assertThat(diffs).isEmpty();
    assertThat(same).isGreaterThan(180);
  }
}
