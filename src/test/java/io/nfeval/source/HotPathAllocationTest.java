package io.nfeval.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.packet.Frames;
import io.nfeval.packet.PacketView;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;

/** Reading (mmap pcap, mapped or streamed) and decoding allocate nothing per packet after warm-up. */
class HotPathAllocationTest {
  @TempDir Path dir;

  @org.junit.jupiter.params.ParameterizedTest(name = "streamed {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void readAndDecodeAllocateNothingPerPacket(boolean streamed) {
    final java.lang.management.ThreadMXBean tm = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(tm instanceof com.sun.management.ThreadMXBean,
        "no com.sun.management.ThreadMXBean: allocation test skipped");
    final com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) tm;
    final byte[] frame = Frames.eth(0x0800, Frames.ipv4(6,
        Frames.tcp(1, 2, 0x12, Frames.bytes(2, 4, 5, 0xb4, 1, 1, 4, 2), new byte[100])));
    final CaptureFiles cf = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).pcapHeader(true, 65535, 1);
    for (int i = 0; i < 20_000; i++) {
      cf.pcapRecord(i, i, frame, frame.length);
    }
    final Path f = cf.write(dir, "alloc.pcap");
    final CapturedPacket p = new CapturedPacket();
    final PacketView v = new PacketView();
    long sink = 0;
    for (int round = 0; round < 6; round++) {
      // 20,000 records of 170 bytes: a streamed reader refills its 256 KiB buffer 13 times.
      try (CaptureReader r = CaptureReaders.open(f, ReaderKind.MMAP, 0, streamed)) {
        r.next(p); // opening and the first mapping may allocate
        final long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        int n = 0;
        while (r.next(p)) {
          v.wrap(p.buffer(), p.offset(), p.capLen(), p.wireLen(), p.linkType()).decode();
          sink += v.dstPort() + v.tcpMss() + (v.l4ChecksumOk() ? 1 : 0) + (v.headerChecksumOk() ? 1 : 0);
          n++;
        }
        final long allocated = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        if (round == 5) {
          assertThat(n).isEqualTo(19_999);
          assertThat(allocated).as("bytes allocated for %d packets (sink %d)", n, sink)
              .isLessThan(2_000);
        }
      }
    }
  }
}
