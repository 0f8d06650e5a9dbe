package io.nfeval.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.engine.Snapshot;
import io.nfeval.packet.Malformed;
import io.nfeval.packet.PacketView;
import io.nfeval.rules.Chain;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.RulesetParser;
import io.nfeval.rules.Table;
import io.nfeval.source.CaptureReader;
import io.nfeval.source.CaptureReaders;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.ReaderKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The benchmark workload generator: reproducible, readable by nfeval, rulesets of the asked size. */
class WorkloadTest {
  @TempDir Path dir;

  private Workload.Result generate(Path out, String... extra) throws Exception {
    final String[] base = {"--out", out.toString(), "--packets", "3000", "--flows", "200"};
    final String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return Workload.generate(Workload.parse(all));
  }

  @Test
  void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
    generate(dir.resolve("a"), "--rules", "100", "--seed", "7");
    generate(dir.resolve("b"), "--rules", "100", "--seed", "7");
    generate(dir.resolve("c"), "--rules", "100", "--seed", "8");
    for (String f : new String[] {"traffic.pcap", "snapshot/iptables.rules", "snapshot/ip-addr.json",
        "snapshot/ip-route.json", "snapshot/sysctl.txt"}) {
      assertThat(Files.readAllBytes(dir.resolve("a").resolve(f)))
          .as(f).isEqualTo(Files.readAllBytes(dir.resolve("b").resolve(f)));
    }
    assertThat(Files.readAllBytes(dir.resolve("a/traffic.pcap")))
        .isNotEqualTo(Files.readAllBytes(dir.resolve("c/traffic.pcap")));
  }

  @ParameterizedTest
  @CsvSource({"false", "true"})
  void captureReadsBackWithTheAskedCountAllIpv4AndWellFormed(boolean usec) throws Exception {
    final Workload.Result r = usec ? generate(dir, "--rules", "100", "--usec") : generate(dir, "--rules", "100");
    assertThat(r.packets).isEqualTo(3000);
    long n = 0;
    long bytes = 0;
    long lastTs = Long.MIN_VALUE;
    final CapturedPacket p = new CapturedPacket();
    final PacketView v = new PacketView();
    try (CaptureReader reader = CaptureReaders.open(dir.resolve("traffic.pcap"), ReaderKind.MMAP)) {
      while (reader.next(p)) {
        final int code = v.wrap(p.buffer(), p.offset(), p.capLen(), p.wireLen(), p.linkType()).decode();
        assertThat(code).as("packet %d: %s", n, Malformed.name(code)).isEqualTo(Malformed.OK);
        assertThat(v.isIpv4()).isTrue();
        assertThat(v.dstMac()).isIn(Topology.OUTSIDE_MAC, Topology.INSIDE_MAC);
        assertThat(p.tsNanos()).isGreaterThanOrEqualTo(lastTs);
        lastTs = p.tsNanos();
        bytes += p.wireLen();
        n++;
      }
      reader.throwIfFailed();
    }
    assertThat(n).isEqualTo(3000);
    assertThat(bytes).isEqualTo(r.bytes);
    assertThat(r.tcp + r.udp + r.icmp).isEqualTo(3000);
  }

  @ParameterizedTest
  @CsvSource({"10,false", "29,false", "100,false", "1000,false", "10,true", "31,true", "100,true",
      "1000,true", "10000,false", "10000,true"})
  void rulesetParsesWithExactlyTheAskedRuleCount(int rules, boolean stateless) throws Exception {
    final Workload.Args a = Workload.parse("--out", dir.toString(), "--rules", Integer.toString(rules),
        "--packets", "0");
    a.stateless = stateless;
    Workload.generate(a);
    final Ruleset rs = RulesetParser.parse(dir.resolve("snapshot/iptables.rules"), ParseOptions.DEFAULT);
    int n = 0;
    boolean conntrack = false;
    for (Table t : rs.tables()) {
      for (Chain c : t.chains()) {
        n += c.rules().size();
      }
    }
    conntrack = Files.readString(dir.resolve("snapshot/iptables.rules")).contains("conntrack");
    assertThat(n).isEqualTo(rules);
    assertThat(rs.table("nat") != null).isEqualTo(!stateless);
    assertThat(conntrack).isEqualTo(!stateless);
    // and the whole snapshot loads (host model from the ip -j files)
    final Snapshot snap = Snapshot.load(dir.resolve("snapshot"), null, ParseOptions.DEFAULT);
    assertThat(snap.host().byName("eth0")).isNotNull();
    assertThat(snap.host().byName("eth1")).isNotNull();
  }

  @Test
  void mainPrintsOneSummaryLineAndRejectsBadArguments() throws Exception {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final int rc = Workload.run(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), "--out", dir.toString(), "--packets", "500",
        "--flows", "50", "--rules", "10");
    assertThat(rc).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8).trim()).startsWith("workload: 500 packets").doesNotContain("\n");
    assertThat(Workload.run(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), "--rules", "5", "--out", dir.toString())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--rules >= 10");
  }

  /** The real kernel accepts every generated ruleset (needs root, ip netns and iptables-restore). */
  @Test
  void kernelAcceptsTheRuleset() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
        "skipped: needs root to test the ruleset with iptables-restore in a network namespace");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/iptables-restore"))
        || Files.isExecutable(Path.of("/sbin/iptables-restore")), "skipped: iptables-restore not installed");
    final Workload.Args a = Workload.parse("--out", dir.toString(), "--rules", "1000", "--packets", "0");
    Workload.generate(a);
    final String ns = "nfbench" + ProcessHandle.current().pid();
    assertThat(run("ip", "netns", "add", ns)).isZero();
    try {
      final Process p = new ProcessBuilder("ip", "netns", "exec", ns, "iptables-restore", "--test")
          .redirectInput(dir.resolve("snapshot/iptables.rules").toFile()).redirectErrorStream(true).start();
      final String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(msg).isZero();
    } finally {
      run("ip", "netns", "del", ns);
    }
  }

  private static int run(String... cmd) throws Exception {
    final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
  }
}
