package io.nfeval.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nfeval.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nfeval audit} from the command line: outputs by extension, bad input, what was assumed. */
class AuditCliTest {
  static final Path EX = Path.of("config/examples/docker-host").toAbsolutePath();

  @TempDir Path tmp;

  int run(StringWriter out, String... args) {
    final StringWriter err = new StringWriter();
    final int rc = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    out.append(err.toString());
    return rc;
  }

  @Test
  void writesEveryFormatAsked() throws Exception {
    final StringWriter out = new StringWriter();
    final Path html = tmp.resolve("sub/r.html");
    final Path md = tmp.resolve("r.md");
    final Path json = tmp.resolve("r.json");
    assertThat(run(out, "audit", "--snapshot", EX.toString(), "--pcap", EX.resolve("traffic.pcap").toString(),
        "--out", html.toString(), "--out", md.toString(), "--out", json.toString())).as(out.toString()).isZero();
    assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>");
    assertThat(Files.readString(md)).startsWith("## nfeval audit: docker-host").hasSizeLessThan(20_000);
    final JsonNode d = new ObjectMapper().readTree(json.toFile());
    assertThat(d.path("schema").asText()).isEqualTo("nfeval-audit/1");
    assertThat(d.path("totals").path("packets").asLong()).isEqualTo(70);
  }

  @Test
  void unknownExtensionIsUsageError() {
    final StringWriter out = new StringWriter();
    assertThat(run(out, "audit", "--snapshot", EX.toString(), "--pcap", EX.resolve("traffic.pcap").toString(),
        "--out", tmp.resolve("r.pdf").toString())).isEqualTo(2);
    assertThat(out.toString()).contains(".json, .md or .html");
    assertThat(tmp.resolve("r.pdf")).doesNotExist();
  }

  @Test
  void missingCaptureIsInputError() {
    final StringWriter out = new StringWriter();
    assertThat(run(out, "audit", "--snapshot", EX.toString(), "--pcap", tmp.resolve("nope.pcap").toString(),
        "--out", tmp.resolve("r.json").toString())).isEqualTo(2);
    assertThat(out.toString()).contains("nope.pcap");
  }

  @Test
  void brokenCaptureWritesWhatWasReadThenFails() throws Exception {
    final byte[] all = Files.readAllBytes(EX.resolve("traffic.pcap"));
    final Path cut = tmp.resolve("cut.pcap");
    Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
    final Path json = tmp.resolve("r.json");
    final StringWriter out = new StringWriter();
    assertThat(run(out, "audit", "--snapshot", EX.toString(), "--pcap", cut.toString(), "--out", json.toString()))
        .isEqualTo(2);
    assertThat(out.toString()).contains("cut.pcap");
    final long n = new ObjectMapper().readTree(json.toFile()).path("totals").path("packets").asLong();
    assertThat(n).isBetween(1L, 69L);
  }

  @Test
  void unknownModulesAreListedAsAssumed() throws Exception {
    final Path rules = tmp.resolve("unknown.rules");
    Files.writeString(rules, Files.readString(EX.resolve("iptables.rules")).replace("-A FORWARD -j DOCKER-USER\n",
        "-A FORWARD -m frobnicate --zap 1 -j DOCKER-USER\n"));
    final Path json = tmp.resolve("r.json");
    final Path md = tmp.resolve("r.md");
    final StringWriter out = new StringWriter();
    assertThat(run(out, "audit", "--snapshot", EX.toString(), "--rules", rules.toString(), "--unknown", "match",
        "--pcap", EX.resolve("traffic.pcap").toString(), "--out", json.toString(), "--out", md.toString()))
        .as(out.toString()).isZero();
    final JsonNode a = new ObjectMapper().readTree(json.toFile()).path("assumed");
    assertThat(a.path("unknownRules").size()).isEqualTo(1);
    assertThat(a.path("unknownRules").get(0).path("text").asText()).contains("frobnicate");
    assertThat(a.path("unknownRules").get(0).path("source").asText()).isEqualTo("unknown.rules:14");
    assertThat(a.path("unknownRulePackets").asLong()).isPositive();
    assertThat(Files.readString(md)).contains("1 rules with unknown modules");
  }
}
