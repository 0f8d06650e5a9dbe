package io.nfeval.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nfeval.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code audit} counts what {@code replay} counts: on every committed kernel scenario (NAT port
 * clashes, owners, bridges, REJECT answers...) the audit report's per-rule packets and bytes, in rule
 * order, are the replay's {@code --counters-out}. Both make the same first pass over the captures.
 */
class AuditEqualsReplayTest {
  private static final Pattern RULE = Pattern.compile("^\\[(\\d+):(\\d+)\\] -A ");

  static Stream<Path> scenarios() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("src/test/resources/kernel"))) {
      return s.filter(d -> Files.isRegularFile(d.resolve("capture.pcap"))).sorted()
          .collect(Collectors.toList()).stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void auditCountersAreReplayCounters(Path dir, @TempDir Path tmp) throws IOException {
    final String snap = dir.resolve("snapshot").toString();
    final String pcap = dir.resolve("capture.pcap").toString();
    final Path counters = tmp.resolve("c.rules");
    final Path json = tmp.resolve("a.json");
    run("replay", "--snapshot", snap, "--pcap", pcap, "--counters-out", counters.toString());
    run("audit", "--snapshot", snap, "--pcap", pcap, "--out", json.toString());

    final List<String> fromReplay = new ArrayList<>();
    for (String line : Files.readAllLines(counters)) {
      final Matcher m = RULE.matcher(line);
      if (m.find()) {
        fromReplay.add(m.group(1) + ":" + m.group(2));
      }
    }
    final List<String> fromAudit = new ArrayList<>();
    final JsonNode root = new ObjectMapper().readTree(json.toFile());
    for (JsonNode table : root.get("tables")) {
      for (JsonNode chain : table.get("chains")) {
        for (JsonNode rule : chain.get("rules")) {
          fromAudit.add(rule.get("packets").asLong() + ":" + rule.get("bytes").asLong());
        }
      }
    }
    assertThat(fromAudit).as("per-rule packets:bytes of %s", dir.getFileName()).hasSameSizeAs(fromReplay)
        .containsExactlyInAnyOrderElementsOf(fromReplay);
  }

  private static void run(String... args) {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final int rc = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    assertThat(rc).as("%s exit code; stderr: %s", args[0], err).isZero();
  }
}
