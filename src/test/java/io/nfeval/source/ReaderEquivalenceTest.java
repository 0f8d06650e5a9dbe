package io.nfeval.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.InputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The memory-mapped readers and libpcap (through pcap4j) must yield identical packets — bytes, time
 * stamps, caplen, wire length, linktype — on every test capture, and agree on whether the file is
 * broken. Documented exceptions are listed in {@link #LIBPCAP_LIMITS}.
 */
class ReaderEquivalenceTest {
  /**
   * Files where libpcap is known to stop early while the mmap reader continues; the packets libpcap did
   * deliver must still equal the mmap reader's first packets.
   */
  static final Set<String> LIBPCAP_LIMITS = Set.of(
      // pcapng with interfaces of different linktypes: libpcap gives one linktype per file and stops
      "ldap__modify-request.pcapng",
      // usec field >= 1e6: pcap4j's java.sql.Timestamp.setNanos rejects the fraction; mmap delivers it
      "timestamp_invalid_micro.pcap",
      "timestamp_invalid_nano.pcap");

  /**
   * Files the mmap readers reject while this libpcap opens them: the reserved bits 0x03ff0000 of the
   * link-type field are set (newer libpcap rejects it too; libpcap 1.10 opens it with a bogus DLT and
   * no packets, and tcpdump then fails with "unknown data link type").
   */
  static final Set<String> MMAP_STRICTER = Set.of("linktype-reserved-field-not-zero.pcap");

  record Pkt(byte[] bytes, long ts, int capLen, int wireLen, int linkType) {
    boolean same(Pkt o) {
      return Arrays.equals(bytes, o.bytes) && ts == o.ts && capLen == o.capLen
          && wireLen == o.wireLen && linkType == o.linkType;
    }

    @Override
    public String toString() {
      return "ts=" + ts + " cap=" + capLen + " wire=" + wireLen + " lt=" + linkType;
    }
  }

  record Result(List<Pkt> packets, InputException error) {}

  static Result readAll(Path file, ReaderKind kind) {
    final List<Pkt> out = new ArrayList<>();
    final CaptureReader r;
    try {
      r = CaptureReaders.open(file, kind);
    } catch (InputException e) {
      return new Result(out, e);
    }
    try (r) {
      final CapturedPacket p = new CapturedPacket();
      while (r.next(p)) {
        out.add(new Pkt(p.bytes(), p.tsNanos(), p.capLen(), p.wireLen(), p.linkType()));
      }
      return new Result(out, r.error());
    }
  }

  @BeforeAll
  static void libpcap() {
    Assumptions.assumeTrue(LibpcapReader.available(),
        "libpcap cannot be loaded through JNA (" + LibpcapReader.version()
            + "): install libpcap (see native-notes/README.md); equivalence test skipped");
  }

  @TestFactory
  Stream<DynamicTest> mmapAndLibpcapAgree() {
    return TestCaptures.capturesUnder(TestCaptures.resourceDir()).stream()
        .map(f -> DynamicTest.dynamicTest(TestCaptures.resourceDir().relativize(f).toString(),
            () -> compare(f)));
  }

  static void compare(Path f) {
    final Result mm = readAll(f, ReaderKind.MMAP);
    final Result lp = readAll(f, ReaderKind.LIBPCAP);
    final boolean limited = LIBPCAP_LIMITS.contains(f.getFileName().toString());
    final int n = Math.min(mm.packets.size(), lp.packets.size());
    for (int i = 0; i < n; i++) {
      final Pkt a = mm.packets.get(i);
      final Pkt b = lp.packets.get(i);
      assertThat(a.same(b)).as("packet %d: mmap %s vs libpcap %s", i, a, b).isTrue();
    }
    if (MMAP_STRICTER.contains(f.getFileName().toString())) {
      assertThat(mm.error).isNotNull();
      assertThat(lp.packets).isEmpty();
      return;
    }
    if (limited) {
      assertThat(lp.error).as("libpcap is expected to fail on %s", f).isNotNull();
      return;
    }
    assertThat(mm.packets.size()).as("packet count (mmap error %s, libpcap error %s)",
        mm.error, lp.error).isEqualTo(lp.packets.size());
    assertThat(mm.error == null).as("both fail or neither: mmap %s / libpcap %s", mm.error, lp.error)
        .isEqualTo(lp.error == null);
  }
}
