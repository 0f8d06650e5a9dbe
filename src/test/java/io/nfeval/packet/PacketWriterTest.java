package io.nfeval.packet;

import static io.nfeval.packet.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class PacketWriterTest {
  private final PacketView v = new PacketView();

  private PacketView view(byte[] ip) {
    assertThat(v.wrap(ByteBuffer.wrap(ip), 0, ip.length, ip.length, LinkType.IPV4).decode())
        .isEqualTo(Malformed.OK);
    return v;
  }

  @Test
  void natRewriteKeepsChecksumsRight() {
    for (int proto : new int[] {6, 17}) {
      final byte[] l4 = proto == 6 ? tcp(1234, 80, PacketView.TCP_SYN, new byte[0], bytes(9, 8, 7))
          : udp(1234, 53, bytes(1, 2, 3, 4, 5));
      final byte[] ip = ipv4(proto, l4);
      final PacketView p = view(ip);
      PacketWriter.setSrcAddr(p, 0xc6336401);
      PacketWriter.setDstAddr(p, 0x08080808);
      PacketWriter.setSrcPort(p, 61000);
      PacketWriter.setDstPort(p, 8080);
      PacketWriter.setTtl(p, 63);
      PacketWriter.setTos(p, 0x10);
      view(ip);
      assertThat(v.srcAddr()).isEqualTo(0xc6336401);
      assertThat(v.dstPort()).isEqualTo(8080);
      assertThat(v.ttl()).isEqualTo(63);
      assertThat(v.tos()).isEqualTo(0x10);
      assertThat(v.headerChecksumOk()).as("ip proto %d", proto).isTrue();
      assertThat(v.l4ChecksumOk()).as("l4 proto %d", proto).isTrue();
      final byte[] copy = ip.clone();
      PacketWriter.fillIpv4HeaderChecksum(ByteBuffer.wrap(copy), 0, 20);
      PacketWriter.fillL4Checksum(view(copy));
      assertThat(copy).isEqualTo(ip);
    }
  }

  @Test
  void udpZeroChecksumStaysZero() {
    final byte[] ip = ipv4(17, udp(1, 2, bytes(1, 2)));
    ip[20 + 6] = 0;
    ip[20 + 7] = 0;
    final PacketView p = view(ip);
    PacketWriter.setSrcAddr(p, 0x01020304);
    PacketWriter.setSrcPort(p, 999);
    assertThat(ip[26]).isZero();
    assertThat(ip[27]).isZero();
    view(ip);
    assertThat(v.headerChecksumOk()).isTrue();
    assertThat(v.l4ChecksumOk()).isTrue();
  }

  @Test
  void icmpIdRewrite() {
    final byte[] ip = ipv4(1, icmp(8, 0, 100, 1, bytes(1, 2, 3)));
    final PacketView p = view(ip);
    PacketWriter.setIcmpId(p, 5000);
    PacketWriter.setSrcAddr(p, 0x0b0b0b0b);
    view(ip);
    assertThat(v.icmpId()).isEqualTo(5000);
    assertThat(v.l4ChecksumOk()).isTrue();
    assertThat(v.headerChecksumOk()).isTrue();
  }

  @Test
  void rfc1624Example() {
    // RFC 1624 section 4: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000
    assertThat(Checksums.replace16(0xdd2f, 0x5555, 0x3285)).isEqualTo(0x0000);
  }

  @Test
  void tcpPayloadWordRewriteKeepsTheChecksumRight() {
    // a PPTP Outgoing-Call-Request's call id (payload offset 12): nf_nat_pptp renumbers it
    final byte[] ip = ipv4(6, tcp(40000, 1723, PacketView.TCP_ACK, new byte[0],
        cat(bytes(0, 168, 0, 1, 0x1a, 0x2b, 0x3c, 0x4d, 0, 7, 0, 0), bytes(1, 1, 0, 1))));
    final PacketView p = view(ip);
    final int at = p.tcpPayloadOffset() + 12;
    PacketWriter.setTcpPayloadWord(p, at, 40000);
    view(ip);
    assertThat(ByteBuffer.wrap(ip).getShort(at) & 0xffff).isEqualTo(40000);
    assertThat(v.l4ChecksumOk()).isTrue();
    assertThat(v.headerChecksumOk()).isTrue();
  }

  @Test
  void greCallIdOnlyInVersionOneHeaders() {
    final byte[] v1 = ipv4(47, bytes(0x20, 0x01, 0x88, 0x0b, 0, 4, 0x01, 0x01, 0xff, 0x03, 0x00, 0x21));
    PacketWriter.setGreCallId(view(v1), 40000);
    assertThat(ByteBuffer.wrap(v1).getShort(20 + 6) & 0xffff).isEqualTo(40000);
    view(v1);
    assertThat(v.headerChecksumOk()).isTrue();
    final byte[] v0 = ipv4(47, bytes(0x20, 0x00, 0x08, 0x00, 0, 0, 0x01, 0x01, 0x45, 0, 0, 0));
    final byte[] before = v0.clone();
    PacketWriter.setGreCallId(view(v0), 40000);
    assertThat(v0).isEqualTo(before);
  }
}
