package io.nfeval.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.InputException;
import io.nfeval.engine.Engine;
import io.nfeval.engine.ReplaySummary;
import io.nfeval.engine.Replayer;
import io.nfeval.engine.Snapshot;
import io.nfeval.kernel.KernelScenarios;
import io.nfeval.rules.ParseOptions;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.MergingReader;
import io.nfeval.source.PacketOrigins;
import io.nfeval.source.ReaderKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * diff's two engines on two threads ({@link Replays#runPair}) see what a lockstep feed shows them: on
 * kernel scenarios with NAT, helpers, bridges and answers, against the same ruleset with its filter
 * INPUT and FORWARD policies flipped, every packet's outcome on each side (verdict, tuple, whether the
 * engine generated it) is the lockstep run's, in order, however far ahead the second thread may run.
 */
class ReplaysPairTest {
  @TempDir Path dir;

  static Stream<String> scenarios() {
    return Stream.of("nat-router", "docker-host", "kube-proxy", "snat-port-clash", "ftp-helper",
        "bridge-netfilter", "reject-icmp", "amanda-helper", "bulk-transfer-loss");
  }

  /** One side: an engine on the snapshot (or the flipped ruleset) recording every packet it finishes. */
  private static final class Side {
    final Engine engine;
    final Replayer replayer;
    final List<String> seen = new ArrayList<>();
    long index;

    Side(Path snapshot, Path rules) {
      final Snapshot s = Snapshot.load(snapshot, rules, ParseOptions.DEFAULT);
      final Engine.Options o = new Engine.Options();
      o.trace = true;
      engine = new Engine(s.ruleset(), s.host(), s.ipsets(), o);
      engine.setListener((skb, d, info) -> seen.add(index + " " + d + " " + info.generated + " "
          + info.origSrc + ":" + info.origSport + ">" + info.origDst + ":" + info.origDport + "/" + info.origProto
          + " " + skb.ip().srcAddr() + ">" + skb.ip().dstAddr()));
      replayer = new Replayer(engine, PacketOrigins.fromSnapshot(snapshot, null), 1, new ReplaySummary(), null);
    }
  }

  private Path flipped(Path snapshot) throws Exception {
    final Path f = dir.resolve("proposed.rules");
    final String rules = Files.readString(snapshot.resolve("iptables.rules"))
        .replaceAll("(?m)^:(INPUT|FORWARD) ACCEPT", ":$1 XX")
        .replaceAll("(?m)^:(INPUT|FORWARD) DROP", ":$1 ACCEPT")
        .replaceAll("(?m)^:(INPUT|FORWARD) XX", ":$1 DROP");
    Files.writeString(f, rules);
    return f;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void twoThreadsSeeWhatLockstepShows(String name) throws Exception {
    final Path data = KernelScenarios.dataRoot().resolve(name);
    final Path snapshot = data.resolve("snapshot");
    final List<Path> files = List.of(data.resolve("capture.pcap"));
    final Path proposed = flipped(snapshot);

    // the reference: both engines fed each packet in turn on this thread, after replay's first pass
    final Side a0 = new Side(snapshot, null);
    final Side b0 = new Side(snapshot, proposed);
    final long[] lockstep = new long[1];
    final List<Replayer.ScanHandle> scans = Replays.firstPasses(files, ReaderKind.MMAP,
        List.of(a0.engine, b0.engine), List.of(a0.replayer, b0.replayer));
    try (MergingReader r = new MergingReader(Replays.openReaders(files, ReaderKind.MMAP, new InputException[1], false))) {
      final CapturedPacket p = new CapturedPacket();
      while (r.next(p)) {
        a0.index = lockstep[0];
        b0.index = lockstep[0];
        a0.replayer.feed(p, lockstep[0]);
        b0.replayer.feed(p, lockstep[0]);
        lockstep[0]++;
      }
    } finally {
      Replays.close(scans);
    }
    assertThat(lockstep[0]).isPositive();
    assertThat(a0.seen).isNotEqualTo(b0.seen); // the flip changes something

    for (int ahead : new int[] {1, 3, Replays.PAIR_AHEAD}) {
      final Side a = new Side(snapshot, null);
      final Side b = new Side(snapshot, proposed);
      final long[] done = new long[1];
      Replays.runPair(files, ReaderKind.MMAP, List.of(a.engine, b.engine), List.of(a.replayer, b.replayer),
          new Replays.PairSink() {
            @Override
            public void before(int side, long index) {
              (side == 0 ? a : b).index = index;
            }

            @Override
            public void done(long index) {
              assertThat(index).isEqualTo(done[0]);
              done[0] = index + 1;
            }
          }, ahead);
      assertThat(done[0]).as("packets compared").isEqualTo(lockstep[0]);
      assertThat(a.seen).as("current ruleset, ahead " + ahead).isEqualTo(a0.seen);
      assertThat(b.seen).as("proposed ruleset, ahead " + ahead).isEqualTo(b0.seen);
    }
  }
}
