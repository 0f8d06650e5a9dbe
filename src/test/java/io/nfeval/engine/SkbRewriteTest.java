package io.nfeval.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.packet.LinkType;
import io.nfeval.packet.PacketView;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The packet rewrites Skb offers extensions: TTL, TOS, and xt_TCPMSS's MSS mangling. */
class SkbRewriteTest {
  /** IPv4 + TCP SYN (10.0.0.1:1000 -> 10.0.0.2:80) with the given options, checksums filled. */
  static byte[] syn(byte[] options, int payload) {
    final int hl = 20 + options.length;
    final int len = 20 + hl + payload;
    final byte[] b = new byte[len];
    b[0] = 0x45;
    b[2] = (byte) (len >> 8);
    b[3] = (byte) len;
    b[8] = 64;
    b[9] = 6;
    b[12] = 10;
    b[15] = 1;
    b[16] = 10;
    b[19] = 2;
    b[20] = (byte) (1000 >> 8);
    b[21] = (byte) (1000 & 0xff);
    b[23] = 80;
    b[32] = (byte) ((hl / 4) << 4);
    b[33] = 0x02;
    b[34] = (byte) 0xff;
    b[35] = (byte) 0xff;
    System.arraycopy(options, 0, b, 40, options.length);
    final ByteBuffer bb = ByteBuffer.wrap(b);
    final PacketView v = new PacketView().wrap(bb, 0, len, len, LinkType.IPV4);
    v.decode();
    io.nfeval.packet.PacketWriter.fillIpv4HeaderChecksum(bb, 0, 20);
    io.nfeval.packet.PacketWriter.fillL4Checksum(v);
    return b;
  }

  private static Skb load(byte[] datagram) {
    // a host with no interfaces or routes: the rewrites need none, and its ticks are the defaults
    final Skb skb = new Skb(new HostView(new io.nfeval.host.HostModel(java.util.List.of(), java.util.List.of(),
        null, null, java.util.Map.of())), true);
    final PacketView raw = new PacketView().wrap(ByteBuffer.wrap(datagram), 0, datagram.length,
        datagram.length, LinkType.IPV4);
    raw.decode();
    skb.load(raw);
    return skb;
  }

  /** Recomputes the TCP checksum on a copy and compares with what is stored. */
  private static boolean tcpChecksumOk(Skb skb) {
    return skb.view.l4ChecksumOk();
  }

  @Test
  void ttlAndTosRewritesKeepTheHeaderChecksum() {
    final Skb skb = load(syn(new byte[0], 0));
    skb.setTtl(3);
    assertThat(skb.ip().ttl()).isEqualTo(3);
    skb.setTos(0x28);
    assertThat(skb.ip().tos()).isEqualTo(0x28);
    assertThat(skb.ip().headerChecksumOk()).isTrue();
  }

  @Test
  void mssIsLoweredNeverRaised() {
    final Skb skb = load(syn(new byte[] {2, 4, 5, (byte) 0xb4}, 0)); // 1460
    assertThat(skb.setTcpMss(1400)).isZero();
    assertThat(skb.ip().tcpMss()).isEqualTo(1400);
    assertThat(tcpChecksumOk(skb)).isTrue();
    assertThat(skb.setTcpMss(1452)).isZero();
    assertThat(skb.ip().tcpMss()).isEqualTo(1400);
  }

  @Test
  void missingMssIsAddedClampedTo536() {
    final Skb skb = load(syn(new byte[0], 0));
    assertThat(skb.length()).isEqualTo(40);
    assertThat(skb.setTcpMss(1400)).isEqualTo(4);
    assertThat(skb.length()).isEqualTo(44);
    assertThat(skb.ip().totalLength()).isEqualTo(44);
    assertThat(skb.ip().tcpMss()).isEqualTo(536);
    assertThat(skb.ip().headerChecksumOk()).isTrue();
    assertThat(tcpChecksumOk(skb)).isTrue();
  }

  @Test
  void segmentWithDataIsLeftAlone() {
    final Skb skb = load(syn(new byte[0], 10));
    assertThat(skb.setTcpMss(1400)).isZero();
    assertThat(skb.length()).isEqualTo(50);
    assertThat(skb.ip().tcpMss()).isEqualTo(-1);
  }

  @Test
  void sharedStateIsPerSkb() {
    final Skb a = load(syn(new byte[0], 0));
    final Skb b = load(syn(new byte[0], 0));
    final Object x = a.sharedState("k", Object::new);
    assertThat(a.sharedState("k", Object::new)).isSameAs(x);
    assertThat(b.sharedState("k", Object::new)).isNotSameAs(x);
  }

  @Test
  void ecnFlagsAreRewrittenWithTheTcpChecksum() {
    final byte[] d = syn(new byte[0], 0);
    d[33] = (byte) (0x02 | 0x40 | 0x80); // SYN ECE CWR
    final PacketView v = new PacketView().wrap(ByteBuffer.wrap(d), 0, d.length, d.length, LinkType.IPV4);
    v.decode();
    io.nfeval.packet.PacketWriter.fillL4Checksum(v);
    final Skb skb = load(d);
    assertThat(tcpChecksumOk(skb)).isTrue();
    assertThat(skb.setTcpEceCwr(0xc0, 0)).isTrue();
    assertThat(skb.ip().tcpFlags() & 0xc0).isZero();
    assertThat(tcpChecksumOk(skb)).isTrue();
    assertThat(skb.setTcpEceCwr(0x80, 0x80)).isTrue();
    assertThat(skb.ip().tcpFlags() & 0xc0).isEqualTo(0x80);
    assertThat(tcpChecksumOk(skb)).isTrue();
    final byte[] cut = java.util.Arrays.copyOf(d, 30);
    cut[3] = 30;
    assertThat(load(cut).setTcpEceCwr(0xc0, 0)).isFalse();
  }
}
