package io.nfeval.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class PacketRingTest {
  private static byte[] pkt(int len, int seed) {
    final byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (seed * 31 + i);
    }
    return b;
  }

  private static byte[] read(PacketRing r, int rec) {
    final int n = r.capLen(rec);
    final byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = r.buffer().get(PacketRing.dataOffset(rec) + i);
    }
    return b;
  }

  @Test
  void emptyRingHasNothing() {
    final PacketRing r = new PacketRing(1 << 16);
    assertThat(r.peek()).isEqualTo(-1);
  }

  @Test
  void fullRingDropsAndCountsInsteadOfBlocking() {
    final PacketRing r = new PacketRing(1 << 16);
    int ok = 0;
    for (int i = 0; i < 100; i++) {
      if (r.offer(pkt(1500, i), 1500, 1500, i)) {
        ok++;
      }
    }
    // 1500 + 24 header -> 1528 bytes per record: 42 fit in 64 KiB.
    assertThat(ok).isEqualTo(65536 / 1528);
    assertThat(r.dropped()).isEqualTo(100 - ok);
    assertThat(r.highWaterPackets()).isEqualTo(ok);
    for (int i = 0; i < ok; i++) {
      final int rec = r.peek();
      assertThat(r.tsNanos(rec)).isEqualTo(i);
      assertThat(read(r, rec)).isEqualTo(pkt(1500, i));
      r.release();
    }
    assertThat(r.peek()).isEqualTo(-1);
    assertThat(r.consumed()).isEqualTo(ok);
  }

  @Test
  void oversizedPacketIsTruncatedKeepingItsWireLength() {
    final PacketRing r = new PacketRing(1 << 16);
    assertThat(r.offer(pkt(40000, 1), 40000, 40000, 5)).isTrue();
    final int rec = r.peek();
    assertThat(r.capLen(rec)).isEqualTo(r.maxPacket());
    assertThat(r.wireLen(rec)).isEqualTo(40000);
  }

  /** Any sequence of offers and polls delivers exactly the accepted packets, in order, intact. */
  @Property(tries = 200)
  void fifoAcrossWrapAround(@ForAll @Size(max = 300) List<@IntRange(min = 0, max = 9000) Integer> lens,
      @ForAll @Size(max = 300) List<@IntRange(min = 0, max = 3) Integer> polls) {
    final PacketRing r = new PacketRing(1 << 16);
    final List<Integer> accepted = new ArrayList<>();
    int next = 0;
    for (int i = 0; i < lens.size(); i++) {
      final int len = lens.get(i);
      if (r.offer(pkt(len, i), len, len + 4, i)) {
        accepted.add(i);
      }
      final int n = i < polls.size() ? polls.get(i) : 1;
      for (int k = 0; k < n; k++) {
        final int rec = r.peek();
        if (rec < 0) {
          break;
        }
        final int id = accepted.get(next++);
        assertThat(r.tsNanos(rec)).isEqualTo(id);
        assertThat(r.wireLen(rec)).isEqualTo(lens.get(id) + 4);
        assertThat(read(r, rec)).isEqualTo(pkt(lens.get(id), id));
        r.release();
      }
    }
    int rec;
    while ((rec = r.peek()) >= 0) {
      final int id = accepted.get(next++);
      assertThat(read(r, rec)).isEqualTo(pkt(lens.get(id), id));
      r.release();
    }
    assertThat(next).isEqualTo(accepted.size());
    assertThat(r.dropped()).isEqualTo(lens.size() - accepted.size());
  }

  /** One producer thread, one consumer thread: every accepted packet arrives intact and in order. */
  @Test
  void concurrentProducerAndConsumer() throws Exception {
    final PacketRing r = new PacketRing(1 << 16);
    final int total = 200_000;
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final Thread producer = new Thread(() -> {
      final byte[] b = new byte[2000];
      for (int i = 0; i < total; i++) {
        final int len = 20 + (i * 7919) % 1900;
        b[0] = (byte) i;
        b[len - 1] = (byte) (i >>> 8);
        r.offer(b, len, len, i);
      }
    });
    final long[] got = {0};
    final Thread consumer = new Thread(() -> {
      try {
        long last = -1;
        while (true) {
          final int rec = r.peek();
          if (rec < 0) {
            if (!producer.isAlive() && r.peek() < 0) {
              break;
            }
            Thread.onSpinWait();
            continue;
          }
          final long i = r.tsNanos(rec);
          final int len = r.capLen(rec);
          if (i <= last || len != 20 + (i * 7919) % 1900
              || r.buffer().get(PacketRing.dataOffset(rec)) != (byte) i
              || r.buffer().get(PacketRing.dataOffset(rec) + len - 1) != (byte) (i >>> 8)) {
            throw new AssertionError("packet " + i + " after " + last + " damaged");
          }
          last = i;
          got[0]++;
          r.release();
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    producer.start(); // first: the consumer stops when it sees the producer dead and the ring empty
    consumer.start();
    producer.join();
    consumer.join();
    assertThat(failure.get()).isNull();
    assertThat(got[0] + r.dropped()).isEqualTo(total);
  }
}
