package io.nfeval.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nfeval.InputException;
import io.nfeval.packet.Frames;
import io.nfeval.packet.LinkType;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureReaderTest {
  @TempDir Path dir;

  static final byte[] P1 = Frames.bytes(1, 2, 3, 4, 5);
  static final byte[] P2 = Frames.bytes(9, 8, 7);

  static List<CapturedPacket> readAll(CaptureReader r) {
    final List<CapturedPacket> out = new ArrayList<>();
    CapturedPacket p = new CapturedPacket();
    while (r.next(p)) {
      out.add(p);
      p = new CapturedPacket();
    }
    return out;
  }

  @Test
  void pcapBothByteOrdersMicroAndNano() {
    for (ByteOrder o : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
      for (boolean nanos : new boolean[] {false, true}) {
        final Path f = new CaptureFiles(o).pcapHeader(nanos, 65535, 1)
            .pcapRecord(0xf0000000L, 123, P1, 60).pcapRecord(10, 999, P2, 3)
            .write(dir, "t-" + o + nanos + ".pcap");
        try (CaptureReader r = CaptureReaders.open(f, ReaderKind.MMAP, 3)) {
          final List<CapturedPacket> ps = readAll(r);
          assertThat(r.error()).isNull();
          assertThat(ps).hasSize(2);
          final CapturedPacket a = ps.get(0);
          assertThat(a.bytes()).isEqualTo(P1);
          assertThat(a.capLen()).isEqualTo(5);
          assertThat(a.wireLen()).isEqualTo(60);
          assertThat(a.tsNanos()).isEqualTo(0xf0000000L * 1_000_000_000L + (nanos ? 123 : 123_000));
          assertThat(a.linkType()).isEqualTo(1);
          assertThat(a.fileIndex()).isEqualTo(3);
          assertThat(a.recordOffset()).isEqualTo(24);
          assertThat(ps.get(1).recordOffset()).isEqualTo(24 + 16 + 5);
          assertThat(ps.get(1).packetIndex()).isEqualTo(1);
        }
      }
    }
  }

  @Test
  void truncatedLastRecordIsReportedAfterTheGoodPackets() {
    final byte[] whole = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).pcapHeader(false, 65535, 1)
        .pcapRecord(1, 0, P1, 5).pcapRecord(2, 0, P2, 3).bytes();
    final Path f = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).raw(Arrays.copyOf(whole, whole.length - 1))
        .write(dir, "cut.pcap");
    try (CaptureReader r = CaptureReaders.open(f, ReaderKind.MMAP)) {
      assertThat(readAll(r)).hasSize(1);
      assertThat(r.error()).isNotNull();
      assertThat(r.error().offset()).isEqualTo(24 + 16 + 5);
      assertThat(r.error().getMessage()).contains("cut.pcap: offset 45: truncated record");
      assertThatThrownBy(r::throwIfFailed).isInstanceOf(InputException.class);
    }
    final Path h = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).raw(Arrays.copyOf(whole, 24 + 16 + 5 + 7))
        .write(dir, "cuthdr.pcap");
    try (CaptureReader r = CaptureReaders.open(h, ReaderKind.MMAP)) {
      assertThat(readAll(r)).hasSize(1);
      assertThat(r.error().getMessage()).contains("truncated record header");
    }
  }

  @Test
  void absurdCaplenAndBadFiles() {
    final byte[] ok = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).pcapHeader(false, 65535, 1).bytes();
    final Path big = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).raw(ok)
        .raw(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0}).write(dir, "big.pcap");
    try (CaptureReader r = CaptureReaders.open(big, ReaderKind.MMAP)) {
      assertThat(readAll(r)).isEmpty();
      assertThat(r.error().getMessage()).contains("bigger than maximum of 262144");
    }
    final Path notCapture = new CaptureFiles(ByteOrder.BIG_ENDIAN).raw("hello world".getBytes())
        .write(dir, "x.txt");
    assertThatThrownBy(() -> CaptureReaders.open(notCapture, ReaderKind.MMAP))
        .isInstanceOf(InputException.class).hasMessageContaining("offset 0: not a pcap or pcapng file");
    final Path tiny = new CaptureFiles(ByteOrder.BIG_ENDIAN).raw(new byte[2]).write(dir, "tiny");
    assertThatThrownBy(() -> CaptureReaders.open(tiny, ReaderKind.MMAP))
        .isInstanceOf(InputException.class).hasMessageContaining("too short");
    final Path hdr = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).raw(Arrays.copyOf(ok, 20)).write(dir, "h.pcap");
    assertThatThrownBy(() -> CaptureReaders.open(hdr, ReaderKind.MMAP))
        .isInstanceOf(InputException.class).hasMessageContaining("truncated pcap file header");
    assertThatThrownBy(() -> CaptureReaders.open(dir.resolve("missing.pcap"), ReaderKind.MMAP))
        .isInstanceOf(InputException.class).hasMessageContaining("no such capture file");
  }

  @Test
  void caplenAboveSnaplenIsClampedLikeLibpcap() {
    final Path f = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).pcapHeader(false, 3, 1)
        .pcapRecord(1, 0, P1, 5).write(dir, "snap.pcap");
    try (CaptureReader r = CaptureReaders.open(f, ReaderKind.MMAP)) {
      final List<CapturedPacket> ps = readAll(r);
      assertThat(ps.get(0).capLen()).isEqualTo(3);
      assertThat(ps.get(0).wireLen()).isEqualTo(5);
    }
  }

  @Test
  void smallMapWindowsGiveTheSamePackets() {
    final CaptureFiles cf = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).pcapHeader(false, 65535, 1);
    for (int i = 0; i < 200; i++) {
      cf.pcapRecord(i, 0, Arrays.copyOf(P1, 1 + i % 50), 100);
    }
    final Path f = cf.write(dir, "many.pcap");
    try (PcapReader small = new PcapReader(f, 0, 64); CaptureReader big = CaptureReaders.open(f,
        ReaderKind.MMAP)) {
      final List<CapturedPacket> a = readAll(small);
      final List<CapturedPacket> b = readAll(big);
      assertThat(a).hasSize(200);
      for (int i = 0; i < 200; i++) {
        assertThat(a.get(i).bytes()).isEqualTo(b.get(i).bytes());
        assertThat(a.get(i).tsNanos()).isEqualTo(b.get(i).tsNanos());
      }
    }
  }

  @Test
  void pcapngInterfacesBlocksAndResolutions() {
    for (ByteOrder o : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
      final Path f = new CaptureFiles(o).shb()
          .idb(1, 0, "eth0", -1)
          .idb(LinkType.LINUX_SLL2, 4, "any", 9) // nanoseconds, snaplen 4
          .idb(LinkType.RAW, 65535, null, 0x80 | 20) // 2^-20 s
          .unknownBlock()
          .epb(0, 1_500_000L, P1, 60)
          .epb(1, 2_000_000_007L, P1, 5)
          .epb(2, (3L << 20) | (1L << 19), P2, 3)
          .opb(0, 4_000_001L, P2, 3)
          .spb(P1, 5)
          .shb()
          .idb(LinkType.NFLOG, 0, "nflog", -1)
          .epb(0, 1L, P2, 3)
          .write(dir, "multi-" + o + ".pcapng");
      try (CaptureReader r = CaptureReaders.open(f, ReaderKind.MMAP)) {
        final List<CapturedPacket> ps = readAll(r);
        assertThat(r.error()).isNull();
        assertThat(ps).hasSize(6);
        assertThat(ps.get(0).tsNanos()).isEqualTo(1_500_000_000L);
        assertThat(ps.get(0).interfaceName()).isEqualTo("eth0");
        assertThat(ps.get(0).linkType()).isEqualTo(1);
        assertThat(ps.get(1).tsNanos()).isEqualTo(2_000_000_007L);
        assertThat(ps.get(1).capLen()).isEqualTo(4);
        assertThat(ps.get(1).wireLen()).isEqualTo(5);
        assertThat(ps.get(1).linkType()).isEqualTo(LinkType.LINUX_SLL2);
        assertThat(ps.get(1).interfaceId()).isEqualTo(1);
        assertThat(ps.get(2).tsNanos()).isEqualTo(3_500_000_000L);
        assertThat(ps.get(2).interfaceName()).isNull();
        assertThat(ps.get(3).tsNanos()).isEqualTo(4_000_001_000L);
        assertThat(ps.get(3).bytes()).isEqualTo(P2);
        assertThat(ps.get(4).bytes()).isEqualTo(P1);
        assertThat(ps.get(4).interfaceName()).isEqualTo("eth0");
        assertThat(ps.get(5).linkType()).isEqualTo(LinkType.NFLOG);
        assertThat(ps.get(5).interfaceName()).isEqualTo("nflog");
        assertThat(ps.get(0).interfaceName()).isSameAs(ps.get(4).interfaceName());
      }
    }
  }

  @Test
  void pcapngWithSmallMapWindows() {
    final CaptureFiles cf = new CaptureFiles(ByteOrder.BIG_ENDIAN).shb().idb(1, 0, "x", -1);
    for (int i = 0; i < 100; i++) {
      cf.epb(0, i, Arrays.copyOf(P1, 1 + i % 40), 100);
    }
    final Path f = cf.write(dir, "many.pcapng");
    try (PcapngReader small = new PcapngReader(f, 0, 32)) {
      final List<CapturedPacket> a = readAll(small);
      assertThat(small.error()).isNull();
      assertThat(a).hasSize(100);
      assertThat(a.get(99).bytes()).isEqualTo(Arrays.copyOf(P1, 20));
      assertThat(a.get(0).bytes()).isEqualTo(Arrays.copyOf(P1, 1));
    }
  }

  @Test
  void pcapngErrors() {
    final byte[] good = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).shb().idb(1, 0, null, -1)
        .epb(0, 1, P1, 5).bytes();
    final Path cut = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).raw(good).raw(Arrays.copyOf(
        new CaptureFiles(ByteOrder.LITTLE_ENDIAN).epb(0, 2, P2, 3).bytes(), 20)).write(dir, "cut.pcapng");
    try (CaptureReader r = CaptureReaders.open(cut, ReaderKind.MMAP)) {
      assertThat(readAll(r)).hasSize(1);
      assertThat(r.error().getMessage()).contains("offset " + good.length).contains("truncated block");
    }
    final Path noIdb = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).shb().epb(0, 1, P1, 5).write(dir, "n.pcapng");
    try (CaptureReader r = CaptureReaders.open(noIdb, ReaderKind.MMAP)) {
      assertThat(readAll(r)).isEmpty();
      assertThat(r.error().getMessage()).contains("no interface description block");
    }
    final byte[] odd = good.clone();
    odd[good.length - 40 + 4] = 45; // EPB length field (EPB is the last 40 bytes)
    final Path oddF = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).raw(odd).write(dir, "odd.pcapng");
    try (CaptureReader r = CaptureReaders.open(oddF, ReaderKind.MMAP)) {
      assertThat(readAll(r)).isEmpty();
      assertThat(r.error().getMessage()).contains("not a multiple of 4");
    }
  }

  @Test
  void binaryResolutionConversion() {
    assertThat(PcapngReader.toNanos(1L << 32, true, 32)).isEqualTo(1_000_000_000L);
    assertThat(PcapngReader.toNanos((5L << 30) | (1L << 29), true, 30)).isEqualTo(5_500_000_000L);
    assertThat(PcapngReader.toNanos(123, false, 9)).isEqualTo(123);
    assertThat(PcapngReader.toNanos(123_456, false, 12)).isEqualTo(123);
    assertThat(PcapngReader.toNanos(7, false, 0)).isEqualTo(7_000_000_000L);
  }

  @Test
  void mergingIsByTimestampAndStableForTies() {
    final Path a = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).pcapHeader(false, 65535, 1)
        .pcapRecord(1, 0, P1, 5).pcapRecord(3, 0, P1, 5).pcapRecord(3, 0, Frames.bytes(1), 1)
        .write(dir, "a.pcap");
    final Path b = new CaptureFiles(ByteOrder.BIG_ENDIAN).pcapHeader(true, 65535, 101)
        .pcapRecord(0, 5, P2, 3).pcapRecord(3, 0, P2, 3).pcapRecord(9, 0, P2, 3).write(dir, "b.pcap");
    try (CaptureReader r = CaptureReaders.openMerged(List.of(a, b), ReaderKind.MMAP)) {
      final List<CapturedPacket> ps = readAll(r);
      assertThat(ps).extracting(CapturedPacket::fileIndex).containsExactly(1, 0, 0, 0, 1, 1);
      assertThat(ps).extracting(CapturedPacket::capLen).containsExactly(3, 5, 5, 1, 3, 3);
      assertThat(r.error()).isNull();
    }
  }

  @Test
  void mergingKeepsGoingAfterOneInputFails() {
    final byte[] whole = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).pcapHeader(false, 65535, 1)
        .pcapRecord(1, 0, P1, 5).pcapRecord(2, 0, P1, 5).bytes();
    final Path a = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).raw(Arrays.copyOf(whole, whole.length - 2))
        .write(dir, "a.pcap");
    final Path b = new CaptureFiles(ByteOrder.LITTLE_ENDIAN).pcapHeader(false, 65535, 1)
        .pcapRecord(5, 0, P2, 3).write(dir, "b.pcap");
    try (CaptureReader r = CaptureReaders.openMerged(List.of(a, b), ReaderKind.MMAP)) {
      assertThat(readAll(r)).hasSize(2);
      assertThat(r.error()).isNotNull();
      assertThat(r.error().file()).endsWith("a.pcap");
    }
  }
}
