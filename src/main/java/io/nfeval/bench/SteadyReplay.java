package io.nfeval.bench;

import io.nfeval.engine.Engine;
import io.nfeval.engine.ReplaySummary;
import io.nfeval.engine.Replayer;
import io.nfeval.engine.Snapshot;
import io.nfeval.rules.ParseOptions;
import io.nfeval.source.CaptureReader;
import io.nfeval.source.CaptureReaders;
import io.nfeval.source.PacketOrigins;
import io.nfeval.source.ReaderKind;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;

/**
 * Steady-state replay cost per packet, without JVM start-up and with the JIT warm: replays one
 * capture several times in one JVM, each round through a fresh engine (the reply-port scan done
 * before the timing), and prints wall and evaluator-thread CPU nanoseconds per packet per round.
 *
 * <pre>
 * java -cp target/nfeval.jar io.nfeval.bench.SteadyReplay SNAPSHOT_DIR CAPTURE [ROUNDS=4] [THREADS=2]
 * </pre>
 *
 * <p>The end-to-end ratios to tcpdump come from {@code bench/replay-vs-tcpdump.sh}; this isolates the
 * evaluator (what a profile should be taken of) from fixed costs.
 */
public final class SteadyReplay {
  private SteadyReplay() {}

  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: SteadyReplay SNAPSHOT_DIR CAPTURE [ROUNDS] [THREADS]");
      System.exit(2);
    }
    final Path snapDir = Path.of(args[0]);
    final Path pcap = Path.of(args[1]);
    final int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    final int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    final Snapshot snap = Snapshot.load(snapDir, null, ParseOptions.DEFAULT);
    final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (int round = 0; round < rounds; round++) {
      final Engine engine = new Engine(snap.ruleset(), snap.host(), snap.ipsets(), new Engine.Options());
      final ReplaySummary summary = new ReplaySummary();
      engine.setListener(summary);
      engine.setNatObserver(summary);
      final Replayer replayer = new Replayer(engine, PacketOrigins.fromSnapshot(snapDir, null), 1,
          summary, null);
      if (engine.usesSourceNat()) {
        try (CaptureReader r = CaptureReaders.open(pcap, ReaderKind.MMAP, 0)) {
          replayer.prescan(r, false, engine.replyPortIndex());
        }
      }
      final long cpu0 = mx.getCurrentThreadCpuTime();
      final long t0 = System.nanoTime();
      final long n;
      // Read as replay reads: streamed when a pipeline copies the packets into its slots.
      try (CaptureReader r = CaptureReaders.open(pcap, ReaderKind.MMAP, 0, threads > 1)) {
        n = replayer.run(r, null, threads);
      }
      final long t1 = System.nanoTime();
      final long cpu1 = mx.getCurrentThreadCpuTime();
      System.out.printf("round %d: %d packets, %.0f ns/packet wall, %.0f ns/packet evaluator CPU,"
          + " %.0f packets/s%n", round, n, (t1 - t0) / (double) Math.max(1, n),
          (cpu1 - cpu0) / (double) Math.max(1, n), n / ((t1 - t0) / 1e9));
    }
  }
}
