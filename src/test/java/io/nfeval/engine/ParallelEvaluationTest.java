package io.nfeval.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nfeval.packet.LinkType;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.RulesetParser;
import io.nfeval.source.CaptureReader;
import io.nfeval.source.CaptureReaders;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.PacketOrigins;
import io.nfeval.source.PcapngWriter;
import io.nfeval.source.ReaderKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several engines sharing out the packets of a ruleset whose packets do not depend on one another
 * (Replayer#runPipelined with replicas) give exactly the sequential replay's counters, summary and
 * decode summary: on random stateless workloads (user chains, CIDRs, ports, multiport, REJECT with
 * the kernel's ICMP answers and their per-destination rate limit) with 2 to 4 evaluators and rings
 * small enough to wrap hundreds of times; and when an NFLOG capture joins in the middle of a run,
 * from which point one engine evaluates in order; with a trace, its lines are the same bytes in the
 * same order. Which rulesets qualify is checked rule by rule.
 */
class ParallelEvaluationTest {

  @Property(tries = 30)
  void shardedEqualsSequentialOnRandomStatelessWorkloads(@ForAll long seed,
      @ForAll @IntRange(min = 2, max = 4) int evaluators,
      @ForAll @IntRange(min = 0, max = 3) int ringChoice, @ForAll boolean trace) throws IOException {
    final Random rnd = new Random(seed);
    final Path dir = Files.createTempDirectory("nfeval-par");
    try {
      final String[] args = {"--out", dir.toString(), "--packets", "" + (500 + rnd.nextInt(8000)),
          "--flows", "" + (5 + rnd.nextInt(500)), "--rules", "" + (10 + rnd.nextInt(400)),
          "--seed", "" + (seed & 0xffff), "--stateless"};
      PipelineDeterminismTest.generate(args);
      final Path snap = dir.resolve("snapshot");
      final Path pcap = dir.resolve("traffic.pcap");
      final int slots = new int[] {64, 128, 256, 1024}[ringChoice];
      final long[] perShard = new long[evaluators];
      final String sharded = replay(snap, pcap, evaluators, slots, perShard, trace);
      assertThat(sharded).as("%s; %d evaluators, ring of %d, trace %s", String.join(" ", args),
          evaluators, slots, trace).isEqualTo(replay(snap, pcap, 0, 0, null, trace));
      // the first engine also decodes: from 4 engines on it evaluates none of the packets
      for (int k = Replayer.firstShardEnd(evaluators) > 0 ? 0 : 1; k < evaluators; k++) {
        assertThat(perShard[k]).as("packets evaluated by engine %d of %d", k, evaluators).isPositive();
      }
    } finally {
      PipelineDeterminismTest.deleteTree(dir);
    }
  }

  /**
   * A router that rejects nearly everything it forwards: every source meets the kernel's ICMP rate
   * limit (6 answers, then one per second), which two engines sharing the packets by source keep
   * exactly. Fewer answers than rejections prove the limit was met.
   */
  @Test
  void rateLimitedAnswersAreKeptWithTheirSources(@TempDir Path tmp) throws IOException {
    PipelineDeterminismTest.generate(new String[] {"--out", tmp.toString(), "--packets", "20000",
        "--flows", "300", "--rules", "10", "--seed", "21", "--stateless"});
    final Path snap = tmp.resolve("snapshot");
    Files.writeString(snap.resolve("iptables.rules"), "*filter\n:INPUT ACCEPT [0:0]\n"
        + ":FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -p tcp --dport 443 -j ACCEPT\n"
        + "-A FORWARD -j REJECT\nCOMMIT\n");
    final Path pcap = tmp.resolve("traffic.pcap");
    final String sequential = replay(snap, pcap, 0, 0, null);
    final java.util.regex.Matcher rejected = java.util.regex.Pattern
        .compile("\\[(\\d+):\\d+\\] -A FORWARD -j REJECT").matcher(sequential);
    final java.util.regex.Matcher answered = java.util.regex.Pattern
        .compile(":OUTPUT ACCEPT \\[(\\d+):").matcher(sequential);
    assertThat(rejected.find() && answered.find()).as(sequential).isTrue();
    assertThat(Long.parseLong(answered.group(1))).as("answers sent")
        .isPositive().isLessThan(Long.parseLong(rejected.group(1)) / 2);
    assertThat(replay(snap, pcap, 2, 256, new long[2])).isEqualTo(sequential);
    // each answer's trace line follows the line of the packet it answers
    assertThat(replay(snap, pcap, 2, 256, new long[2], true))
        .isEqualTo(replay(snap, pcap, 0, 0, null, true));
  }

  /**
   * Arrivals on Ethernet, then the NFLOG capture of the routing-drops kernel scenario, then Ethernet
   * again, in one pcapng. The first NFLOG packet tells the engine the captures hold the host's own
   * packets (its REJECT answers are in them, so it stops building its own): from there on one
   * engine evaluates everything, so the answers of the later REJECTs are absent in both runs.
   */
  @Test
  void anNflogCaptureInTheMiddleIsEvaluatedInOrder(@TempDir Path tmp) throws IOException {
    PipelineDeterminismTest.generate(new String[] {"--out", tmp.toString(), "--packets", "6000",
        "--flows", "200", "--rules", "200", "--seed", "11", "--stateless"});
    final Path mixed = tmp.resolve("mixed.pcapng");
    final Path nflog = Path.of("src/test/resources/kernel/routing-drops/capture.pcap");
    try (PcapngWriter w = new PcapngWriter(mixed);
        CaptureReader eth = CaptureReaders.open(tmp.resolve("traffic.pcap"), ReaderKind.MMAP, 0);
        CaptureReader log = CaptureReaders.open(nflog, ReaderKind.MMAP, 0)) {
      final int ethIf = w.addInterface("eth", LinkType.ETHERNET, 65535);
      final int logIf = w.addInterface("nflog", LinkType.NFLOG, 65535);
      final CapturedPacket p = new CapturedPacket();
      int n = 0;
      while (n < 3000 && eth.next(p)) {
        write(w, ethIf, p);
        n++;
      }
      while (log.next(p)) {
        assertThat(p.linkType()).isEqualTo(LinkType.NFLOG);
        write(w, logIf, p);
      }
      while (eth.next(p)) {
        write(w, ethIf, p);
      }
    }
    final Path snap = tmp.resolve("snapshot");
    final long[] perShard = new long[2];
    final String sharded = replay(snap, mixed, 2, 128, perShard);
    assertThat(sharded).isEqualTo(replay(snap, mixed, 0, 0, null));
    assertThat(replay(snap, mixed, 2, 128, new long[2], true))
        .isEqualTo(replay(snap, mixed, 0, 0, null, true));
    assertThat(perShard[1]).as("arrivals before the NFLOG packets shared out").isPositive();
    assertThat(perShard[1]).as("... and none after").isLessThan(3000);
  }

  /**
   * Through the CLI: the summary and counters of --threads 1, 2 and 3 are the same, and the default
   * (0: one per processor) gives them too.
   */
  @Test
  void cliThreadsGiveIdenticalSummaryAndCounters(@TempDir Path tmp) throws IOException {
    PipelineDeterminismTest.generate(new String[] {"--out", tmp.toString(), "--packets", "20000",
        "--flows", "2000", "--rules", "1000", "--seed", "5", "--stateless"});
    final String one = cli(tmp, 1);
    assertThat(one).contains("Top rules by packets");
    assertThat(cli(tmp, 2)).isEqualTo(one);
    assertThat(cli(tmp, 3)).isEqualTo(one);
    assertThat(cli(tmp, 0)).isEqualTo(one);
    final StringWriter err = new StringWriter();
    final int rc = io.nfeval.cli.Main.run(new PrintWriter(new StringWriter(), true),
        new PrintWriter(err, true), new String[] {"replay", "--threads", "-1", "--snapshot",
            tmp.resolve("snapshot").toString(), "--pcap", tmp.resolve("traffic.pcap").toString()});
    assertThat(rc).isEqualTo(2);
    assertThat(err.toString()).contains("--threads must be 0 (one per processor) or more");
  }

  private static String cli(Path dir, int threads) throws IOException {
    final Path counters = dir.resolve("c" + threads + ".rules");
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final String[] common = {"replay", "--threads", "" + threads, "--snapshot",
        dir.resolve("snapshot").toString(), "--pcap", dir.resolve("traffic.pcap").toString()};
    int rc = io.nfeval.cli.Main.run(new PrintWriter(out, true), new PrintWriter(err, true), common);
    assertThat(rc).as("exit code; stderr: %s", err).isZero();
    final String[] withCounters = java.util.Arrays.copyOf(common, common.length + 2);
    withCounters[common.length] = "--counters-out";
    withCounters[common.length + 1] = counters.toString();
    rc = io.nfeval.cli.Main.run(new PrintWriter(out, true), new PrintWriter(err, true), withCounters);
    assertThat(rc).as("exit code; stderr: %s", err).isZero();
    return out + "\n" + err + "\n" + Files.readString(counters);
  }

  private static void write(PcapngWriter w, int iface, CapturedPacket p) throws IOException {
    w.writePacket(iface, p.buffer(), p.offset(), p.capLen(), p.wireLen(), p.tsNanos(), 0);
  }

  @Test
  void rulesetsWhosePacketsDependOnEarlierOnesAreEvaluatedByOneEngine(@TempDir Path tmp)
      throws IOException {
    host = tmp.resolve("host.json");
    Files.writeString(host, EngineSemanticsTest.HOST);
    assertThat(dependence("-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j REJECT\n")).isNull();
    assertThat(dependence("-A INPUT -m bpf --bytecode \"1,6 0 0 1\" -j ACCEPT\n")).isNull();
    assertThat(dependence("-A INPUT -m state --state ESTABLISHED -j ACCEPT\n")).contains("conntrack");
    assertThat(dependence("-A INPUT -m limit --limit 1/sec -j ACCEPT\n")).contains("match limit");
    assertThat(dependence("-A INPUT -m recent --name x --set\n")).contains("match recent");
    assertThat(dependence("-A INPUT -m quota --quota 100 -j ACCEPT\n")).contains("match quota");
    assertThat(dependence("-A INPUT -m statistic --mode nth --every 2 -j DROP\n"))
        .contains("match statistic");
    assertThat(dependence("-A OUTPUT -m owner --uid-owner 0 -j ACCEPT\n")).contains("match owner");
    assertThat(dependence("-A INPUT -j SET --add-set s src\n")).contains("target SET");
    assertThat(dependence("-A INPUT -m socket -j ACCEPT\n")).contains("defragmentation");
    final Engine e = engine("-A INPUT -m limit --limit 1/sec -j ACCEPT\n");
    assertThatThrownBy(e::replica).isInstanceOf(IllegalStateException.class);
  }

  private Path host;

  private String dependence(String rules) {
    return engine(rules).orderDependence();
  }

  private Engine engine(String rules) {
    final String text = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + rules + "COMMIT\n";
    return new Engine(RulesetParser.parse(text, "test.rules", ParseOptions.DEFAULT),
        io.nfeval.host.HostModel.fromDescription(host),
        new io.nfeval.ipset.IpsetRegistry(java.util.List.of()), new Engine.Options());
  }

  /**
   * Counters, summary and decode summary of one replay: {@code evaluators} 0 sequential, else a
   * pipelined run with that many engines; {@code perShard} receives each engine's packet count.
   */
  static String replay(Path snapDir, Path pcap, int evaluators, int slots, long[] perShard)
      throws IOException {
    return replay(snapDir, pcap, evaluators, slots, perShard, false);
  }

  /**
   * {@link #replay(Path, Path, int, int, long[])}, with {@code trace} the trace appended: with several
   * engines each writes its packets' lines into their slots, which the decode stage copies out in
   * packet order.
   */
  static String replay(Path snapDir, Path pcap, int evaluators, int slots, long[] perShard,
      boolean trace) throws IOException {
    final Snapshot snap = Snapshot.load(snapDir, null, ParseOptions.DEFAULT);
    final Engine engine = new Engine(snap.ruleset(), snap.host(), snap.ipsets(), new Engine.Options());
    final ReplaySummary summary = new ReplaySummary();
    final java.io.ByteArrayOutputStream traceBytes = new java.io.ByteArrayOutputStream();
    final TraceWriter tw = trace ? new TraceWriter(traceBytes, engine.conntrackEnabled()) : null;
    engine.setListener(trace ? new SummaryAndTrace(summary, tw) : summary);
    final Replayer replayer = new Replayer(engine, PacketOrigins.fromSnapshot(snapDir, null), 1,
        summary, tw);
    final long n;
    try (CaptureReader r = CaptureReaders.open(pcap, ReaderKind.MMAP, 0)) {
      if (evaluators == 0) {
        n = replayer.run(r, null);
      } else {
        assertThat(replayer.parallelObstacle()).isNull();
        n = replayer.runPipelined(r, null, slots, evaluators);
        System.arraycopy(replayer.lastRunShardPackets, 0, perShard, 0, evaluators);
      }
    }
    final String report = PipelineDeterminismTest.report(n, engine, summary, replayer);
    if (trace) {
      assertThat(traceBytes.size()).as("trace written").isPositive();
    }
    return trace ? report + "\n" + traceBytes.toString(java.nio.charset.StandardCharsets.UTF_8)
        : report;
  }
}
