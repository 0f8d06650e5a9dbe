package io.nfeval.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nfeval.cli.Main;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.RulesetParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nfeval diff}: exit codes, the flows a rule change affects, rule moves, and the static diff. */
class DiffTest {
  static final Path EX = Path.of("config/examples/docker-host").toAbsolutePath();
  static final Path PCAP = EX.resolve("traffic.pcap");

  @TempDir Path tmp;

  int run(StringWriter out, String... args) {
    final StringWriter err = new StringWriter();
    final int rc = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    out.append(err.toString());
    return rc;
  }

  Path rules(String name, java.util.function.UnaryOperator<String> edit) throws IOException {
    final Path p = tmp.resolve(name);
    Files.writeString(p, edit.apply(Files.readString(EX.resolve("iptables.rules"))));
    return p;
  }

  @Test
  void sameRulesetExitsZero() throws IOException {
    final StringWriter out = new StringWriter();
    final Path json = tmp.resolve("d.json");
    assertThat(run(out, "diff", "--snapshot", EX.toString(), "--rules", EX.resolve("iptables.rules").toString(),
        "--pcap", PCAP.toString(), "--out", json.toString())).as(out.toString()).isEqualTo(0);
    final JsonNode d = new ObjectMapper().readTree(json.toFile());
    assertThat(d.path("changed").asBoolean()).isFalse();
    assertThat(d.path("traffic").path("packets").asLong()).isEqualTo(70);
    assertThat(d.path("traffic").path("changedPackets").asLong()).isZero();
    assertThat(d.path("static").path("regions").size()).isZero();
    assertThat(d.path("static").path("samples").asLong()).isPositive();
  }

  /** Closing the published port 8080 (container port 80): the client's connection is dropped now. */
  @Test
  void droppingPort8080ReportsTheFlow() throws IOException {
    final Path next = rules("no8080.rules", s -> s.replace(
        "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT\n", ""));
    final StringWriter out = new StringWriter();
    final Path json = tmp.resolve("d.json");
    final Path md = tmp.resolve("d.md");
    final Path html = tmp.resolve("d.html");
    assertThat(run(out, "diff", "--snapshot", EX.toString(), "--rules", next.toString(), "--pcap", PCAP.toString(),
        "--out", json.toString(), "--out", md.toString(), "--out", html.toString())).as(out.toString()).isEqualTo(1);
    final JsonNode d = new ObjectMapper().readTree(json.toFile());
    assertThat(d.path("changed").asBoolean()).isTrue();
    assertThat(d.path("rules").path("removed").size()).isEqualTo(1);
    assertThat(d.path("rules").path("removed").get(0).path("text").asText()).contains("--dport 80 -j ACCEPT");
    assertThat(d.path("rules").path("added").size()).isZero();
    JsonNode client = null;
    for (JsonNode f : d.path("traffic").path("flows")) {
      if (f.path("dport").asInt() == 8080 && f.path("src").asText().equals("192.0.2.10")) {
        client = f;
      }
    }
    assertThat(client).as(d.path("traffic").toString()).isNotNull();
    assertThat(client.path("before").path("verdict").asText()).isEqualTo("accept:forward");
    assertThat(client.path("before").path("decidedBy").asText()).contains("DOCKER #3").contains("--dport 80 -j ACCEPT");
    assertThat(client.path("after").path("verdict").asText()).isEqualTo("drop");
    assertThat(client.path("after").path("decidedBy").asText()).isEqualTo("filter FORWARD policy DROP");
    // no other published port is affected
    for (JsonNode f : d.path("traffic").path("flows")) {
      assertThat(f.path("dport").asInt()).isNotIn(9736, 9008, 6776);
      assertThat(f.path("sport").asInt()).isNotIn(9736, 9008, 6776);
    }
    // the static diff finds the region with no capture needed: FORWARD to 172.17.0.2:80, NEW
    final JsonNode region = d.path("static").path("regions").get(0);
    assertThat(region.path("chain").asText()).isEqualTo("FORWARD");
    assertThat(region.path("example").path("dst").asText()).isEqualTo("172.17.0.2");
    assertThat(region.path("example").path("dport").asInt()).isEqualTo(80);
    assertThat(region.path("ctstates").toString()).contains("NEW").doesNotContain("ESTABLISHED");
    assertThat(Files.readString(md)).contains("Changes found").contains("192.0.2.10:40002");
    assertThat(Files.readString(html)).contains("Changes found").doesNotContain("http://").doesNotContain("https://");
  }

  @Test
  void staticOnlyWithoutCapture() throws IOException {
    // a new DROP for ssh from a range, no capture: only the static diff can tell
    final Path next = rules("ssh.rules", s -> s.replace("-A DOCKER-USER -j RETURN", "-A DOCKER-USER -s 203.0.113.0/24 -p tcp -m tcp --dport 22 -j DROP\n"
            + "-A DOCKER-USER -j RETURN"));
    final StringWriter out = new StringWriter();
    assertThat(run(out, "diff", "--snapshot", EX.toString(), "--rules", next.toString())).isEqualTo(1);
    assertThat(out.toString()).contains("1 added").contains("FORWARD: accept → drop")
        .contains("203.0.113.0:");
  }

  @Test
  void movedRulesByCanonicalText() {
    final String a = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + "-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp --dport 80 -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n";
    final String b = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + "-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
        + "-A INPUT -j DROP\nCOMMIT\n";
    final var o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    final int n = RuleChanges.compare(RulesetParser.parse(a, "a", ParseOptions.DEFAULT),
        RulesetParser.parse(b, "b", ParseOptions.DEFAULT), o);
    assertThat(o.path("added").size()).isZero();
    assertThat(o.path("removed").size()).isZero();
    assertThat(o.path("moved").size()).isEqualTo(1);
    assertThat(o.path("policies").get(0).path("to").asText()).isEqualTo("DROP");
    assertThat(n).isEqualTo(2);
    // swapping two ACCEPT rules changes no verdict: the static diff finds no region
    final var s = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    final String b2 = b.replace(":FORWARD DROP", ":FORWARD ACCEPT");
    assertThat(StaticDiff.run(RulesetParser.parse(a, "a", ParseOptions.DEFAULT),
        RulesetParser.parse(b2, "b", ParseOptions.DEFAULT), 1_000_000, s)).isZero();
    assertThat(s.path("undecided").asLong()).isZero();
  }

  @Test
  void unknownMatchesAreUndecidedNotGuessed() {
    final String a = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + "-A INPUT -p tcp -m limit --limit 1/sec -j DROP\nCOMMIT\n";
    final String b = a.replace("-j DROP", "-j ACCEPT");
    final var s = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    StaticDiff.run(RulesetParser.parse(a, "a", ParseOptions.DEFAULT), RulesetParser.parse(b, "b", ParseOptions.DEFAULT),
        1_000_000, s);
    assertThat(s.path("regions").size()).isZero();
    assertThat(s.path("undecided").asLong()).isPositive();
  }
}
