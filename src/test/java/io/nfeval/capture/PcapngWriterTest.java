package io.nfeval.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.packet.LinkType;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.PcapngReader;
import io.nfeval.source.PcapngWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pcapng live writes reads back through nfeval's own reader: names, linktypes, ns stamps, bytes. */
class PcapngWriterTest {
  @TempDir Path dir;

  @Test
  void roundTripThroughPcapngReader() throws Exception {
    final Path f = dir.resolve("live.pcapng");
    final List<byte[]> sent = new ArrayList<>();
    try (PcapngWriter w = new PcapngWriter(f)) {
      assertThat(w.addInterface("eth0", LinkType.ETHERNET, 262144)).isEqualTo(0);
      assertThat(w.addInterface("veth-x1", LinkType.LINUX_SLL2, 65535)).isEqualTo(1);
      assertThat(w.addInterface(null, LinkType.RAW, 1500)).isEqualTo(2);
      for (int i = 0; i < 50; i++) {
        final byte[] b = new byte[i * 3 + 1];
        for (int k = 0; k < b.length; k++) {
          b[k] = (byte) (i + k);
        }
        sent.add(b);
        final ByteBuffer buf = ByteBuffer.allocate(b.length + 10);
        buf.position(7);
        buf.put(b);
        w.writePacket(i % 3, buf, 7, b.length, b.length + i, 1_700_000_000_123_456_789L + i,
            i % 2 == 0 ? 0 : PcapngWriter.FLAG_OUTBOUND);
      }
      assertThat(w.packets()).isEqualTo(50);
    }
    try (PcapngReader r = new PcapngReader(f, 0)) {
      final CapturedPacket p = new CapturedPacket();
      for (int i = 0; i < 50; i++) {
        assertThat(r.next(p)).isTrue();
        assertThat(p.interfaceId()).isEqualTo(i % 3);
        assertThat(p.interfaceName()).isEqualTo(i % 3 == 0 ? "eth0" : i % 3 == 1 ? "veth-x1" : null);
        assertThat(p.linkType()).isEqualTo(i % 3 == 0 ? LinkType.ETHERNET
            : i % 3 == 1 ? LinkType.LINUX_SLL2 : LinkType.RAW);
        assertThat(p.tsNanos()).isEqualTo(1_700_000_000_123_456_789L + i);
        assertThat(p.wireLen()).isEqualTo(sent.get(i).length + i);
        assertThat(p.bytes()).isEqualTo(sent.get(i));
      }
      assertThat(r.next(p)).isFalse();
      assertThat(r.error()).isNull();
    }
  }
}
