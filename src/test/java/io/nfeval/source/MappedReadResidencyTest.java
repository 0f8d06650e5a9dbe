package io.nfeval.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a large capture through the memory-mapped reader keeps only a bounded part of it resident:
 * pages already read are given back (PageRelease), so RSS does not grow with the file. Measured with
 * the process's RssFile (Linux /proc/self/status).
 */
class MappedReadResidencyTest {
  private static final int RECORDS = 768 * 256; // whole batches of 256, 296 MB
  private static final int FRAME = 1500;

  @Test
  void residentFilePagesStayBoundedWhileReadingA300MbCapture(@TempDir Path dir) throws IOException {
    final Path status = Path.of("/proc/self/status");
    assumeTrue(Files.isReadable(status) && rssFileKb() >= 0, "needs Linux /proc/self/status; skipped");
    final Path pcap = dir.resolve("big.pcap");
    write(pcap);
    final long before = rssFileKb();
    long peak = before;
    long packets = 0;
    long sum = 0;
    try (CaptureReader r = CaptureReaders.open(pcap, ReaderKind.MMAP, 0)) {
      final CapturedPacket p = new CapturedPacket();
      while (r.next(p)) {
        // touch every page of the frame, as decoding and checksumming do
        for (int o = 0; o < p.capLen(); o += 512) {
          sum += p.buffer().get(p.offset() + o);
        }
        if ((++packets & 4095) == 0) {
          peak = Math.max(peak, rssFileKb());
        }
      }
      assertThat(r.error()).isNull();
    }
    assertThat(packets).isEqualTo(RECORDS);
    assertThat(sum).isZero();
    final long growthMb = (peak - before) / 1024;
    assertThat(growthMb).as("resident growth of file pages while reading %d MB",
        Files.size(pcap) >> 20).isLessThan(200);
  }

  private static void write(Path pcap) throws IOException {
    try (FileChannel ch = FileChannel.open(pcap, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      final ByteBuffer hdr = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
      hdr.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
          .putInt(65535).putInt(1).flip();
      ch.write(hdr);
      final ByteBuffer rec = ByteBuffer.allocate((16 + FRAME) * 256).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < RECORDS; i += 256) {
        rec.clear();
        for (int k = 0; k < 256; k++) {
          rec.putInt(1_700_000_000).putInt(i + k).putInt(FRAME).putInt(FRAME);
          rec.position(rec.position() + FRAME); // zero bytes: an Ethernet frame of type 0
        }
        rec.flip();
        while (rec.hasRemaining()) {
          ch.write(rec);
        }
      }
    }
  }

  private static long rssFileKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("RssFile:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
