package io.nfeval.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.packet.LinkType;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.MergingReader;
import io.nfeval.source.PcapngReader;
import io.nfeval.source.PcapngWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Live with {@code --direction inout} writes arrivals and the host's own packets to two files, each in
 * evaluation order, and replay merges them by time stamp. Whatever order live evaluated packets in
 * (captures are merged by stamp, but a late capture can still hand over an earlier-stamped packet), the
 * stamps it writes ({@link LiveSession#evaluationStamp}) make the real MergingReader give that order
 * back.
 */
class EvaluationStampProperties {

  @Property(tries = 300)
  void replayMergeGivesBackLivesOrder(
      @ForAll @Size(min = 1, max = 60) List<@IntRange(min = 0, max = 8) Integer> stamps,
      @ForAll @Size(min = 60, max = 60) List<Boolean> local) throws Exception {
    final Path dir = Files.createTempDirectory("nfeval-stamps");
    try {
      final Path arrivals = dir.resolve("a.pcapng");
      final Path locals = dir.resolve("l.pcapng");
      final ByteBuffer frame = ByteBuffer.allocate(4);
      long last = Long.MIN_VALUE;
      boolean lastLocal = false;
      final List<Long> written = new ArrayList<>();
      try (PcapngWriter a = new PcapngWriter(arrivals); PcapngWriter l = new PcapngWriter(locals)) {
        a.addInterface("x", LinkType.ETHERNET, 64);
        l.addInterface("x", LinkType.ETHERNET, 64);
        for (int i = 0; i < stamps.size(); i++) {
          // coarse stamps, so that ties and going back in time are common
          final long ts = 1_000_000_000L + stamps.get(i) * 1000L;
          final long st = LiveSession.evaluationStamp(ts, last, lastLocal, local.get(i));
          assertThat(st).isGreaterThanOrEqualTo(ts); // only ever moved later, and only when needed
          frame.putInt(0, i); // the evaluation index, as the payload
          (local.get(i) ? l : a).writePacket(0, frame, 0, 4, 4, st, 0);
          written.add(st);
          last = st;
          lastLocal = local.get(i);
        }
      }
      final List<Integer> order = new ArrayList<>();
      try (MergingReader m = new MergingReader(List.of(new PcapngReader(arrivals, 0),
          new PcapngReader(locals, 1)))) {
        final CapturedPacket p = new CapturedPacket();
        while (m.next(p)) {
          order.add(p.buffer().duplicate().order(java.nio.ByteOrder.BIG_ENDIAN).getInt(p.offset()));
        }
        assertThat(m.error()).isNull();
      }
      final List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < stamps.size(); i++) {
        expected.add(i);
      }
      assertThat(order).as("stamps written %s", written).isEqualTo(expected);
    } finally {
      try (var s = Files.list(dir)) {
        for (Path f : (Iterable<Path>) s::iterator) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  @Property(tries = 200)
  void inOrderStampsAreKept(@ForAll @IntRange(min = 0, max = 1000) int gap, @ForAll boolean lastLocal,
      @ForAll boolean local) {
    final long last = 5_000_000_000L;
    final long ts = last + gap;
    final long st = LiveSession.evaluationStamp(ts, last, lastLocal, local);
    if (gap > 0 || !(lastLocal && !local)) {
      assertThat(st).isEqualTo(ts);
    } else {
      assertThat(st).isEqualTo(last + 1);
    }
  }
}
