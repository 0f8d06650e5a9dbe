package io.nfeval.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nfeval.engine.Engine;
import io.nfeval.rules.Chain;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.Rule;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.RulesetParser;
import io.nfeval.rules.Table;
import io.nfeval.source.ReaderKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Golden files of the audit report (JSON and Markdown) for the bundled Docker-host example and the
 * kernel scenario user-chains; regenerate with {@code -Dnfeval.updateGolden=true} and review the diff.
 * The per-rule packet/byte counts are also checked against the kernel's own counters of the scenario
 * ({@code expected.rules}, iptables-save -c from the real kernel).
 */
class AuditGoldenTest {
  static final Path ROOT = Path.of("").toAbsolutePath();
  static final Path GOLDEN = ROOT.resolve("src/test/resources/report");

  static JsonNode audit(Path snapshot, Path pcap) {
    return Audit.run(new Audit.Request(snapshot, null, List.of(pcap), List.of(), null, ParseOptions.DEFAULT,
        new Engine.Options(), ReaderKind.MMAP, 20)).data();
  }

  @ParameterizedTest
  @CsvSource({
      "docker-host, config/examples/docker-host, config/examples/docker-host/traffic.pcap,",
      "user-chains, src/test/resources/kernel/user-chains/snapshot, src/test/resources/kernel/user-chains/capture.pcap,"
          + " src/test/resources/kernel/user-chains/expected.rules",
      "kernel-docker-host, src/test/resources/kernel/docker-host/snapshot,"
          + " src/test/resources/kernel/docker-host/capture.pcap, src/test/resources/kernel/docker-host/expected.rules"})
  void goldenJsonAndMarkdown(String name, String snapshot, String pcap, String expectedRules) throws IOException {
    final JsonNode data = audit(ROOT.resolve(snapshot), ROOT.resolve(pcap));
    golden(name + ".audit.json", Reports.renderAudit(data, "json"));
    golden(name + ".audit.md", Reports.renderAudit(data, "md"));
    if (expectedRules != null) {
      kernelCounters(data, RulesetParser.parse(ROOT.resolve(expectedRules)));
    }
  }

  /** Every rule's and policy's packets/bytes in the report equal the kernel's counters. */
  private static void kernelCounters(JsonNode data, Ruleset kernel) {
    int checked = 0;
    for (JsonNode t : data.path("tables")) {
      final Table kt = kernel.table(t.path("table").asText());
      for (JsonNode c : t.path("chains")) {
        final Chain kc = kt.chain(c.path("chain").asText());
        for (JsonNode r : c.path("rules")) {
          final Rule kr = kc.rules().get(r.path("rule").asInt() - 1);
          assertThat(r.path("text").asText()).isEqualTo(kr.save());
          assertThat(r.path("packets").asLong()).as(kr.save()).isEqualTo(kr.packets());
          assertThat(r.path("bytes").asLong()).as(kr.save()).isEqualTo(kr.bytes());
          checked++;
        }
        if (c.has("policyHits")) {
          assertThat(c.path("policyHits").path("packets").asLong()).isEqualTo(kc.packets());
        }
      }
    }
    assertThat(checked).isGreaterThan(10);
  }

  static void golden(String file, String actual) throws IOException {
    final Path p = GOLDEN.resolve(file);
    if (Boolean.getBoolean("nfeval.updateGolden") || !Files.exists(p)) {
      Files.writeString(p, actual, StandardCharsets.UTF_8);
      if (!Boolean.getBoolean("nfeval.updateGolden")) {
        throw new AssertionError("golden file " + p + " was missing: written, review and commit it");
      }
    }
    assertThat(actual).as("golden " + file + " (regenerate with -Dnfeval.updateGolden=true)")
        .isEqualTo(Files.readString(p, StandardCharsets.UTF_8));
  }
}
