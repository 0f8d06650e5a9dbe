package io.nfeval.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.InputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * A streamed reader ({@link StreamedFile}: read(2) through one reused buffer) must hand out exactly
 * what the memory-mapped reader does on every test capture: bytes, time stamps, lengths, link type,
 * interface, record offset and index, and the same error at the same offset on broken files. Buffers
 * of 4 KiB (the smallest) and the default size, so records straddle refills and outgrow the buffer.
 * Bytes are copied right after each {@code next}, the only time they are promised to be valid.
 */
class StreamedReaderTest {
  record Pkt(byte[] bytes, long ts, int capLen, int wireLen, int linkType, int iface, String ifName,
      long offset, long index) {
    static Pkt of(CapturedPacket p) {
      return new Pkt(p.bytes(), p.tsNanos(), p.capLen(), p.wireLen(), p.linkType(),
          p.interfaceId(), p.interfaceName(), p.recordOffset(), p.packetIndex());
    }

    boolean same(Pkt o) {
      return Arrays.equals(bytes, o.bytes) && ts == o.ts && capLen == o.capLen
          && wireLen == o.wireLen && linkType == o.linkType && iface == o.iface
          && java.util.Objects.equals(ifName, o.ifName) && offset == o.offset && index == o.index;
    }
  }

  record Result(List<Pkt> packets, String error) {}

  static Result read(Path f, int streamBuffer) {
    final List<Pkt> out = new ArrayList<>();
    final CaptureReader r;
    try {
      final CaptureReader probe = CaptureReaders.open(f, ReaderKind.MMAP, 2);
      if (streamBuffer == 0) {
        r = probe;
      } else {
        final boolean ng = probe instanceof PcapngReader;
        probe.close();
        final StreamedFile sf = new StreamedFile(f, streamBuffer);
        r = ng ? new PcapngReader(sf, 2) : new PcapReader(sf, 2);
        assertThat(r.stableBytes()).isFalse();
      }
    } catch (InputException e) {
      return new Result(out, e.getMessage());
    }
    try (r) {
      final CapturedPacket p = new CapturedPacket();
      while (r.next(p)) {
        out.add(Pkt.of(p));
      }
      return new Result(out, r.error() == null ? null : r.error().getMessage());
    }
  }

  @TestFactory
  Stream<DynamicTest> streamedEqualsMapped() {
    final List<Path> files = TestCaptures.capturesUnder(TestCaptures.resourceDir());
    assertThat(files).hasSizeGreaterThan(20);
    return files.stream().map(f -> DynamicTest.dynamicTest(
        TestCaptures.resourceDir().relativize(f).toString(), () -> {
          final Result mapped = read(f, 0);
          for (int buffer : new int[] {4096, StreamedFile.DEFAULT_BUFFER}) {
            final Result streamed = read(f, buffer);
            assertThat(streamed.error).as("error, buffer %d", buffer).isEqualTo(mapped.error);
            assertThat(streamed.packets).as("packets, buffer %d", buffer)
                .hasSameSizeAs(mapped.packets);
            for (int i = 0; i < mapped.packets.size(); i++) {
              assertThat(streamed.packets.get(i).same(mapped.packets.get(i)))
                  .as("packet %d, buffer %d", i, buffer).isTrue();
            }
          }
        }));
  }

  /** Records larger than the buffer (up to libpcap's 256 KiB) make it grow; small ones follow. */
  @org.junit.jupiter.api.Test
  void recordsLargerThanTheBufferGrowIt(@org.junit.jupiter.api.io.TempDir Path dir) {
    final CaptureFiles pcap = new CaptureFiles(java.nio.ByteOrder.LITTLE_ENDIAN)
        .pcapHeader(true, 262144, 1);
    final CaptureFiles ng = new CaptureFiles(java.nio.ByteOrder.BIG_ENDIAN).shb()
        .idb(1, 262144, "eth0", -1);
    final java.util.Random rnd = new java.util.Random(7);
    for (int i = 0; i < 40; i++) {
      final byte[] b = new byte[i % 5 == 0 ? 4000 + rnd.nextInt(258_000) : 14 + rnd.nextInt(1500)];
      rnd.nextBytes(b);
      pcap.pcapRecord(i, i, b, b.length);
      ng.epb(0, i, b, b.length);
    }
    for (Path f : new Path[] {pcap.write(dir, "big.pcap"), ng.write(dir, "big.pcapng")}) {
      final Result mapped = read(f, 0);
      assertThat(mapped.error).isNull();
      assertThat(mapped.packets).hasSize(40);
      final Result streamed = read(f, 4096);
      assertThat(streamed.error).isNull();
      assertThat(streamed.packets).hasSize(40);
      for (int i = 0; i < 40; i++) {
        assertThat(streamed.packets.get(i).same(mapped.packets.get(i))).as("%s packet %d", f, i)
            .isTrue();
      }
    }
  }

  /**
   * Merging streamed inputs: a handed-out packet stays valid until the next call, so the merge must
   * not advance the input it came from before then (it did, and the refill overwrote the bytes).
   */
  @TestFactory
  Stream<DynamicTest> mergingStreamedInputsKeepsEachPacketUntilTheNextCall() {
    // The kernel scenarios' captures: hundreds of kilobytes each, many refills of a 4 KiB buffer.
    final List<Path> files = TestCaptures.capturesUnder(
        TestCaptures.projectDir().resolve("src/test/resources/kernel")).stream()
        .filter(f -> f.getFileName().toString().equals("capture.pcap"))
        .filter(f -> f.toFile().length() > 100_000)
        .limit(4).toList();
    assertThat(files).hasSizeGreaterThanOrEqualTo(2);
    return Stream.of(DynamicTest.dynamicTest(files.size() + " captures merged", () -> {
      final List<Pkt> mapped = merged(files, false);
      final List<Pkt> streamed = merged(files, true);
      assertThat(streamed).hasSameSizeAs(mapped);
      for (int i = 0; i < mapped.size(); i++) {
        assertThat(streamed.get(i).same(mapped.get(i))).as("merged packet %d", i).isTrue();
      }
    }));
  }

  private static List<Pkt> merged(List<Path> files, boolean streamed) {
    final List<CaptureReader> rs = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      rs.add(streamed ? new PcapReader(new StreamedFile(files.get(i), 4096), i)
          : CaptureReaders.open(files.get(i), ReaderKind.MMAP, i));
    }
    final List<Pkt> out = new ArrayList<>();
    try (MergingReader m = new MergingReader(rs)) {
      assertThat(m.stableBytes()).isEqualTo(!streamed);
      final CapturedPacket p = new CapturedPacket();
      while (m.next(p)) {
        out.add(Pkt.of(p));
      }
    }
    return out;
  }
}
