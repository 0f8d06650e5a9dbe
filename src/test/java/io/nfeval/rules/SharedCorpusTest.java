package io.nfeval.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every IPv4 ruleset of the shared corpus ({@code ../shared/corpus/rulesets/MANIFEST.tsv}: kube-proxy,
 * moby, Calico, Batfish, net-network, ufw, iptables upstream dumps and restore blocks) parses, or fails
 * with a precise message for input the kernel refuses too. Unsupported modules must be zero. Skips
 * visibly when the corpus is not present.
 */
@Tag("corpus")
class SharedCorpusTest {
  static Path corpus() {
    final Path project = Path.of(System.getProperty("nfeval.projectDir", "."));
    for (Path c : List.of(project.resolve("../shared/corpus"), project.resolve("../../shared/corpus"))) {
      if (Files.isDirectory(c.resolve("rulesets"))) {
        return c.normalize();
      }
    }
    return null;
  }

  static List<String> rulesetFiles(Path corpus) throws IOException {
    final List<String> out = new ArrayList<>();
    for (String row : Files.readAllLines(corpus.resolve("rulesets/MANIFEST.tsv"))) {
      final String[] f = row.split("\t", -1);
      if (f.length < 2 || f[0].equals("path")) {
        continue;
      }
      final boolean ruleset = f[1].startsWith("iptables-save") || f[1].startsWith("iptables-restore")
          || f[1].startsWith("ufw");
      if (ruleset && !CorpusSupport.isIpv6(Path.of(f[0]))) {
        out.add(f[0]);
      }
    }
    return out;
  }

  @Test
  void everyIpv4RulesetParsesOrFailsPrecisely() throws IOException {
    final Path corpus = corpus();
    Assumptions.assumeTrue(corpus != null, "shared corpus not found next to the project: skipped");
    int parsed = 0;
    int expected = 0;
    int identical = 0;
    int modern = 0;
    final List<String> unsupported = new ArrayList<>();
    final List<String> unexpected = new ArrayList<>();
    final List<String> expectedMsgs = new ArrayList<>();
    for (String name : rulesetFiles(corpus)) {
      final Path f = corpus.resolve("rulesets").resolve(name);
      final CorpusSupport.Result r = CorpusSupport.classify(f);
      switch (r.outcome()) {
        case PARSED -> {
          parsed++;
          if (CorpusSupport.isModernSave(f)) {
            modern++;
            if (CorpusSupport.significantLines(f).equals(CorpusSupport.printed(r.ruleset()))) {
              identical++;
            } else {
              unexpected.add("round trip differs: " + name);
            }
          }
        }
        case EXPECTED_ERROR -> {
          expected++;
          expectedMsgs.add(r.message());
        }
        case UNSUPPORTED -> unsupported.add(r.message());
        default -> unexpected.add(r.message());
      }
    }
    System.out.println("shared corpus rulesets: parsed=" + parsed + " expected-errors=" + expected
        + " unsupported=" + unsupported.size() + " unexpected=" + unexpected.size()
        + " modern-save identical=" + identical + "/" + modern);
    expectedMsgs.forEach(m -> System.out.println("  expected error: " + m));
    unsupported.forEach(m -> System.out.println("  UNSUPPORTED: " + m));
    unexpected.forEach(m -> System.out.println("  UNEXPECTED: " + m));
    assertThat(unsupported).isEmpty();
    assertThat(unexpected).isEmpty();
  }
}
