package io.nfeval.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.bench.Workload;
import io.nfeval.cli.Main;
import io.nfeval.rules.ParseOptions;
import io.nfeval.source.CaptureReader;
import io.nfeval.source.CaptureReaders;
import io.nfeval.source.PacketOrigins;
import io.nfeval.source.ReaderKind;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replay with a decode thread ({@link ReplayPipeline}) gives exactly what the sequential replay
 * gives: the same counters, the same per-packet trace (verdict, path, NAT rewrite, conntrack state),
 * the same summary and decode summary, whatever the ring size. Checked on random workloads (random
 * site rulesets with user chains, ct state and NAT; random TCP/UDP/ICMP traffic whose flows overlap
 * and whose replies come back through NAT) with rings small enough to wrap hundreds of times, and on
 * every committed kernel scenario through the CLI's {@code --threads}.
 */
class PipelineDeterminismTest {

  @Property(tries = 40)
  void pipelinedEqualsSequentialOnRandomWorkloads(@ForAll long seed,
      @ForAll @IntRange(min = 0, max = 3) int ringChoice) throws IOException {
    final Random rnd = new Random(seed);
    final Path dir = Files.createTempDirectory("nfeval-pipe");
    try {
      final int packets = 300 + rnd.nextInt(6000);
      final int flows = 5 + rnd.nextInt(400);
      final int rules = 10 + rnd.nextInt(300);
      final boolean stateless = rnd.nextInt(4) == 0;
      final String[] args = stateless
          ? new String[] {"--out", dir.toString(), "--packets", "" + packets, "--flows", "" + flows,
              "--rules", "" + rules, "--seed", "" + (seed & 0xffff), "--stateless"}
          : new String[] {"--out", dir.toString(), "--packets", "" + packets, "--flows", "" + flows,
              "--rules", "" + rules, "--seed", "" + (seed & 0xffff)};
      generate(args);
      final Path snap = dir.resolve("snapshot");
      final Path pcap = dir.resolve("traffic.pcap");
      final String sequential = replay(snap, pcap, 0);
      assertThat(replay(snap, pcap, 0, true, e -> { }, true))
          .as("%s; one thread, streamed", String.join(" ", args)).isEqualTo(sequential);
      final int slots = new int[] {64, 128, 256, 1024}[ringChoice];
      final String pipelined = replay(snap, pcap, slots);
      assertThat(pipelined).as("%s; ring of %d slots", String.join(" ", args), slots)
          .isEqualTo(sequential);
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * The per-connection routing memo (Engine.Options.routeMemo) changes nothing: the same random
   * workloads and kernel scenarios give the same output with and without it.
   */
  @Property(tries = 15)
  void routeMemoChangesNothing(@ForAll long seed) throws IOException {
    final Random rnd = new Random(seed);
    final Path dir = Files.createTempDirectory("nfeval-memo");
    try {
      final String[] args = {"--out", dir.toString(), "--packets", "" + (300 + rnd.nextInt(5000)),
          "--flows", "" + (5 + rnd.nextInt(300)), "--rules", "" + (10 + rnd.nextInt(200)),
          "--seed", "" + (seed & 0xffff)};
      generate(args);
      final Path snap = dir.resolve("snapshot");
      final Path pcap = dir.resolve("traffic.pcap");
      assertThat(replay(snap, pcap, 256, true)).as(String.join(" ", args))
          .isEqualTo(replay(snap, pcap, 0, false));
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * The decode stage routes arrivals ahead (RouteHint) and the engine uses that decision: on a
   * stateless forwarding workload nearly every arrival takes it, and the output is the sequential
   * one (which routes every packet itself).
   */
  @Test
  void routeHintsAreUsedAndChangeNothing() throws IOException {
    final Path dir = Files.createTempDirectory("nfeval-hint");
    try {
      generate(new String[] {"--out", dir.toString(), "--packets", "4000", "--flows", "300",
          "--rules", "100", "--seed", "7", "--stateless"});
      final Path snap = dir.resolve("snapshot");
      final Path pcap = dir.resolve("traffic.pcap");
      final long[] used = new long[1];
      final String pipelined = replay(snap, pcap, 128, true, e -> used[0] = e.routeHintsUsed);
      assertThat(pipelined).isEqualTo(replay(snap, pcap, 0));
      assertThat(used[0]).as("arrivals routed by the decode stage's hint").isGreaterThan(3500);
    } finally {
      deleteTree(dir);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void routeMemoChangesNothingOnKernelScenarios(Path dir) throws IOException {
    final Path snap = dir.resolve("snapshot");
    final Path pcap = dir.resolve("capture.pcap");
    assertThat(replay(snap, pcap, 64, true)).as(dir.getFileName().toString())
        .isEqualTo(replay(snap, pcap, 0, false));
  }

  static Stream<Path> scenarios() throws IOException {
    final Path root = Path.of("src/test/resources/kernel");
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(d -> Files.isRegularFile(d.resolve("capture.pcap"))).sorted()
          .collect(Collectors.toList()).stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void threadsGiveIdenticalOutputOnKernelScenarios(Path dir, @TempDir Path tmp) throws IOException {
    final String one = cli(dir, tmp, 1);
    final String two = cli(dir, tmp, 2);
    assertThat(two).as("--threads 2 vs --threads 1 on " + dir.getFileName()).isEqualTo(one);
    assertThat(one).contains("\"verdict\"");
  }

  private static String cli(Path dir, Path tmp, int threads) throws IOException {
    final Path counters = tmp.resolve("c" + threads + ".rules");
    final Path trace = tmp.resolve("t" + threads + ".jsonl");
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final int rc = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "replay",
        "--threads", "" + threads, "--snapshot", dir.resolve("snapshot").toString(),
        "--pcap", dir.resolve("capture.pcap").toString(), "--counters-out", counters.toString(),
        "--trace-out", trace.toString());
    assertThat(rc).as("exit code; stderr: %s", err).isZero();
    return Files.readString(counters) + "\n" + Files.readString(trace) + "\n" + out + err;
  }

  /** Counters, trace, summary and decode summary of one replay; {@code slots} 0 = sequential. */
  static String replay(Path snapDir, Path pcap, int slots) throws IOException {
    return replay(snapDir, pcap, slots, true);
  }

  static String replay(Path snapDir, Path pcap, int slots, boolean routeMemo) throws IOException {
    return replay(snapDir, pcap, slots, routeMemo, e -> { });
  }

  static String replay(Path snapDir, Path pcap, int slots, boolean routeMemo,
      java.util.function.Consumer<Engine> after) throws IOException {
    return replay(snapDir, pcap, slots, routeMemo, after, slots != 0);
  }

  /**
   * {@code streamed}: read as `replay` does, through one buffer (the pipeline copies each packet into
   * its slot: the reader's bytes are overwritten long before a ring of 64+ slots is evaluated); else
   * through the memory map.
   */
  static String replay(Path snapDir, Path pcap, int slots, boolean routeMemo,
      java.util.function.Consumer<Engine> after, boolean streamed) throws IOException {
    final Snapshot snap = Snapshot.load(snapDir, null, ParseOptions.DEFAULT);
    final Engine.Options opts = new Engine.Options();
    opts.trace = true;
    opts.routeMemo = routeMemo;
    final Engine engine = new Engine(snap.ruleset(), snap.host(), snap.ipsets(), opts);
    final ReplaySummary summary = new ReplaySummary();
    final StringWriter traceText = new StringWriter();
    final TraceWriter trace = new TraceWriter(traceText, engine.conntrackEnabled());
    engine.setListener((skb, d, info) -> {
      summary.packetDone(skb, d, info);
      trace.packetDone(skb, d, info);
    });
    engine.setNatObserver(summary);
    final Replayer replayer = new Replayer(engine, PacketOrigins.fromSnapshot(snapDir, null), 1,
        summary, trace);
    Replayer.ScanHandle scan = null;
    if (engine.usesSourceNat()) {
      if (slots == 0) {
        try (CaptureReader r = CaptureReaders.open(pcap, ReaderKind.MMAP, 0)) {
          replayer.prescan(r, false, engine.replyPortIndex());
        }
      } else {
        scan = replayer.scanReplyPortsOnDemand(CaptureReaders.open(pcap, ReaderKind.MMAP, 0),
            engine.replyPortIndex());
      }
    }
    final long n;
    try (CaptureReader r = CaptureReaders.open(pcap, ReaderKind.MMAP, 0, streamed)) {
      n = slots == 0 ? replayer.run(r, null) : replayer.runPipelined(r, null, slots);
    } finally {
      if (scan != null) {
        scan.close();
      }
    }
    after.accept(engine);
    return report(n, engine, summary, replayer) + "\n" + traceText;
  }

  /** What a replay reports: its packet count, counters, summary and decode summary. */
  static String report(long packets, Engine engine, ReplaySummary summary, Replayer replayer)
      throws IOException {
    final StringWriter all = new StringWriter();
    final PrintWriter pw = new PrintWriter(all);
    pw.println("packets " + packets);
    CountersWriter.write(engine, pw, null);
    summary.print(pw, engine, engine.conntrackEnabled());
    replayer.decodeSummary().print(pw);
    pw.flush();
    return all.toString();
  }

  /** Runs io.nfeval.bench.Workload with these arguments, its report line silenced. */
  static void generate(String[] args) {
    final PrintStream saved = System.out;
    try (PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream())) {
      System.setOut(quiet);
      Workload.main(args);
    } finally {
      System.setOut(saved);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

}
