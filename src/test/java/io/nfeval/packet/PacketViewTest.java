package io.nfeval.packet;

import static io.nfeval.packet.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PacketViewTest {
  private final PacketView v = new PacketView();

  private int decode(byte[] frame, int linkType) {
    return v.wrap(ByteBuffer.wrap(frame), 0, frame.length, frame.length, linkType).decode();
  }

  static final byte[] SYN_OPTIONS = bytes(2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0);

  @Test
  void ethernetIpv4TcpSynWithOptions() {
    final byte[] f = eth(0x0800, ipv4(6, tcp(40000, 443, PacketView.TCP_SYN, SYN_OPTIONS, new byte[0])));
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.OK);
    assertThat(v.etherType()).isEqualTo(0x0800);
    assertThat(v.hasMac()).isTrue();
    assertThat(v.dstMac()).isEqualTo(0x001122334455L);
    assertThat(v.srcMac()).isEqualTo(0x00667788_99aaL);
    assertThat(v.vlanId()).isEqualTo(-1);
    assertThat(v.l3Offset()).isEqualTo(14);
    assertThat(v.ipVersion()).isEqualTo(4);
    assertThat(v.headerLength()).isEqualTo(20);
    assertThat(v.ipLength()).isEqualTo(20 + 40);
    assertThat(v.ttl()).isEqualTo(64);
    assertThat(v.id()).isEqualTo(0x1234);
    assertThat(v.dontFragment()).isTrue();
    assertThat(v.isFragment()).isFalse();
    assertThat(v.srcAddr()).isEqualTo(A);
    assertThat(v.dstAddr()).isEqualTo(B);
    assertThat(v.protocol()).isEqualTo(6);
    assertThat(v.headerChecksumOk()).isTrue();
    assertThat(v.srcPort()).isEqualTo(40000);
    assertThat(v.dstPort()).isEqualTo(443);
    assertThat(v.tcpFlags()).isEqualTo(PacketView.TCP_SYN);
    assertThat(v.tcpSeq()).isEqualTo(1000);
    assertThat(v.tcpDataOffset()).isEqualTo(40);
    assertThat(v.tcpPayloadLength()).isZero();
    assertThat(v.tcpMss()).isEqualTo(1460);
    assertThat(v.tcpWindowScale()).isEqualTo(7);
    assertThat(v.tcpSackPermitted()).isTrue();
    assertThat(v.tcpTsVal()).isEqualTo(1);
    assertThat(v.tcpTsEcr()).isEqualTo(0);
    assertThat(v.hasTcpOption(PacketView.TCPOPT_SACK)).isFalse();
    assertThat(v.l4ChecksumVerifiable()).isTrue();
    assertThat(v.l4ChecksumOk()).isTrue();
    assertThat(v.truncated()).isFalse();
  }

  @Test
  void badChecksumsAreSeenOnDemand() {
    final byte[] f = eth(0x0800, ipv4(6, tcp(1, 2, PacketView.TCP_ACK, new byte[0], bytes(1, 2, 3))));
    f[14 + 20 + 16] ^= 1;
    f[14 + 10] ^= 1;
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.OK);
    assertThat(v.headerChecksumOk()).isFalse();
    assertThat(v.l4ChecksumOk()).isFalse();
  }

  @Test
  void vlanAndQinq() {
    final byte[] ip = ipv4(17, udp(53, 53, bytes(0)));
    final byte[] f = cat(Arrays.copyOf(eth(0x88a8, new byte[0]), 14), bytes(0x20, 100, 0x81, 0x00),
        bytes(0x00, 0x07, 0x08, 0x00), ip);
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.OK);
    assertThat(v.vlanId()).isEqualTo(100);
    assertThat(v.innerVlanId()).isEqualTo(7);
    assertThat(v.l3Offset()).isEqualTo(22);
    assertThat(v.udpLength()).isEqualTo(9);
    assertThat(v.l4ChecksumOk()).isTrue();
  }

  @Test
  void arpIsNotIpAndNotMalformed() {
    final byte[] f = eth(0x0806, new byte[28]);
    final int r = decode(f, LinkType.ETHERNET);
    assertThat(r).isEqualTo(Malformed.NOT_IP);
    assertThat(Malformed.isMalformed(r)).isFalse();
    assertThat(Malformed.name(r)).isEqualTo("not_ip");
  }

  @Test
  void linuxSll() {
    final byte[] f = cat(be16(4), be16(1), be16(6), bytes(0, 1, 2, 3, 4, 5, 0, 0), be16(0x0800),
        ipv4(1, icmp(8, 0, 77, 1, new byte[4])));
    assertThat(decode(f, LinkType.LINUX_SLL)).isEqualTo(Malformed.OK);
    assertThat(v.sllPacketType()).isEqualTo(PacketView.PACKET_OUTGOING);
    assertThat(v.sllHaType()).isEqualTo(1);
    assertThat(v.hasMac()).isTrue();
    assertThat(v.hasDstMac()).isFalse();
    assertThat(v.srcMac()).isEqualTo(0x000102030405L);
    assertThat(v.icmpType()).isEqualTo(8);
    assertThat(v.icmpId()).isEqualTo(77);
    assertThat(v.icmpSeq()).isEqualTo(1);
    assertThat(v.isIcmpError()).isFalse();
    assertThat(v.l4ChecksumOk()).isTrue();
  }

  @Test
  void linuxSll2() {
    final byte[] f = cat(be16(0x0800), be16(0), be32(7), be16(1), bytes(0, 6), bytes(0, 1, 2, 3, 4, 5, 0, 0),
        ipv4(6, tcp(1, 22, PacketView.TCP_SYN, new byte[0], new byte[0])));
    assertThat(decode(f, LinkType.LINUX_SLL2)).isEqualTo(Malformed.OK);
    assertThat(v.sll2IfIndex()).isEqualTo(7);
    assertThat(v.sllPacketType()).isEqualTo(PacketView.PACKET_HOST);
    assertThat(v.l3Offset()).isEqualTo(20);
    assertThat(v.dstPort()).isEqualTo(22);
  }

  static byte[] tlv(int type, byte[] value) {
    final int len = 4 + value.length;
    final byte[] pad = new byte[(4 - len % 4) % 4];
    return cat(le16(len), le16(type), value, pad);
  }

  static byte[] nflog(int hook, byte[] payload) {
    return cat(bytes(2, 0), be16(1),
        tlv(1, cat(be16(0x0800), bytes(hook, 0))),
        tlv(2, be32(0x42)),
        tlv(4, be32(3)),
        tlv(5, be32(5)),
        tlv(8, cat(be16(6), be16(0), bytes(0, 1, 2, 3, 4, 5, 0, 0))),
        tlv(10, cat("DROP: ".getBytes(), bytes(0))),
        tlv(11, be32(1000)),
        tlv(14, be32(100)),
        tlv(9, payload));
  }

  @Test
  void nflogTlvs() {
    final byte[] ip = ipv4(17, udp(1000, 2000, bytes(1, 2, 3)));
    final byte[] f = nflog(PacketView.NF_INET_LOCAL_OUT, ip);
    assertThat(decode(f, LinkType.NFLOG)).isEqualTo(Malformed.OK);
    assertThat(v.nflogFamily()).isEqualTo(2);
    assertThat(v.nflogHook()).isEqualTo(3);
    assertThat(v.mark()).isEqualTo(0x42);
    assertThat(v.inIfindex()).isEqualTo(3);
    assertThat(v.outIfindex()).isEqualTo(5);
    assertThat(v.physInIfindex()).isEqualTo(-1);
    assertThat(v.uid()).isEqualTo(1000);
    assertThat(v.gid()).isEqualTo(100);
    assertThat(v.srcMac()).isEqualTo(0x000102030405L);
    final byte[] prefix = new byte[v.prefixLength()];
    v.buffer().get(v.prefixOffset(), prefix);
    assertThat(new String(prefix)).isEqualTo("DROP: ");
    assertThat(v.ipLength()).isEqualTo(ip.length);
    assertThat(v.dstPort()).isEqualTo(2000);
  }

  @Test
  void nflogTimestampIsTheKernels() {
    final byte[] ip = ipv4(17, udp(1000, 2000, bytes(1, 2, 3)));
    final byte[] hdr = cat(be16(0x0800), bytes(PacketView.NF_INET_PRE_ROUTING, 0));
    // struct nfulnl_msg_packet_timestamp: be64 seconds, be64 microseconds
    final byte[] f = cat(bytes(2, 0), be16(1), tlv(1, hdr),
        tlv(3, cat(be32(0), be32(1_795_879_236), be32(0), be32(453_999))), tlv(9, ip));
    assertThat(decode(f, LinkType.NFLOG)).isEqualTo(Malformed.OK);
    assertThat(v.nflogTimestampNanos()).isEqualTo(1_795_879_236_453_999_000L);

    final byte[] without = cat(bytes(2, 0), be16(1), tlv(1, hdr), tlv(9, ip));
    assertThat(decode(without, LinkType.NFLOG)).isEqualTo(Malformed.OK);
    assertThat(v.nflogTimestampNanos()).isEqualTo(PacketView.NO_TIMESTAMP);

    // microseconds out of range, or a short attribute: no time, the record itself is fine
    final byte[] badUsec = cat(bytes(2, 0), be16(1), tlv(1, hdr),
        tlv(3, cat(be32(0), be32(5), be32(0), be32(1_000_000))), tlv(9, ip));
    assertThat(decode(badUsec, LinkType.NFLOG)).isEqualTo(Malformed.OK);
    assertThat(v.nflogTimestampNanos()).isEqualTo(PacketView.NO_TIMESTAMP);
    final byte[] shortTlv = cat(bytes(2, 0), be16(1), tlv(1, hdr), tlv(3, be32(5)), tlv(9, ip));
    assertThat(decode(shortTlv, LinkType.NFLOG)).isEqualTo(Malformed.OK);
    assertThat(v.nflogTimestampNanos()).isEqualTo(PacketView.NO_TIMESTAMP);
    assertThat(v.dstPort()).isEqualTo(2000);
  }

  @Test
  void nflogFromABigEndianHost() {
    final byte[] ip = ipv4(6, tcp(1, 80, PacketView.TCP_SYN, new byte[0], new byte[0]));
    final byte[] f = cat(bytes(2, 0), be16(1), be16(8), be16(1), be16(0x0800), bytes(1, 0),
        be16(8), be16(11), be32(33), be16(4 + ip.length), be16(9), ip);
    assertThat(decode(f, LinkType.NFLOG)).isEqualTo(Malformed.OK);
    assertThat(v.nflogHook()).isEqualTo(PacketView.NF_INET_LOCAL_IN);
    assertThat(v.uid()).isEqualTo(33);
    assertThat(v.dstPort()).isEqualTo(80);
  }

  @Test
  void nflogBadTlvLength() {
    final byte[] f = cat(bytes(2, 0, 0, 0), le16(2), le16(9));
    assertThat(decode(f, LinkType.NFLOG)).isEqualTo(Malformed.BAD_NFLOG_TLV);
    final byte[] none = cat(bytes(2, 0, 0, 0), tlv(2, be32(1)));
    assertThat(decode(none, LinkType.NFLOG)).isEqualTo(Malformed.BAD_NFLOG_TLV);
  }

  @Test
  void bsdNullAndLoop() {
    final byte[] ip = ipv4(17, udp(1, 2, new byte[0]));
    assertThat(decode(cat(le32(2), ip), LinkType.NULL)).isEqualTo(Malformed.OK);
    assertThat(v.l3Offset()).isEqualTo(4);
    assertThat(decode(cat(be32(2), ip), LinkType.NULL)).isEqualTo(Malformed.OK);
    assertThat(decode(cat(be32(2), ip), LinkType.LOOP)).isEqualTo(Malformed.OK);
    assertThat(decode(cat(le32(30), ipv6(59, new byte[0])), LinkType.NULL)).isEqualTo(Malformed.OK);
    assertThat(v.ipVersion()).isEqualTo(6);
    assertThat(decode(cat(le32(7), ip), LinkType.NULL)).isEqualTo(Malformed.NOT_IP);
  }

  @Test
  void rawLinkTypes() {
    final byte[] ip = ipv4(6, tcp(5, 6, 0, new byte[0], new byte[0]));
    for (int lt : new int[] {LinkType.RAW, LinkType.RAW_12, LinkType.RAW_14, LinkType.IPV4}) {
      assertThat(decode(ip, lt)).as("linktype %d", lt).isEqualTo(Malformed.OK);
      assertThat(v.l3Offset()).isZero();
    }
    final byte[] six = ipv6(6, tcp(5, 6, 0, new byte[0], new byte[0]));
    assertThat(decode(six, LinkType.RAW)).isEqualTo(Malformed.OK);
    assertThat(v.isIpv6()).isTrue();
    assertThat(decode(six, LinkType.IPV4)).isEqualTo(Malformed.BAD_IP_VERSION);
    assertThat(decode(ip, LinkType.IPV6)).isEqualTo(Malformed.BAD_IP_VERSION);
    final byte[] bad = ip.clone();
    bad[0] = 0x55;
    assertThat(decode(bad, LinkType.RAW)).isEqualTo(Malformed.BAD_IP_VERSION);
    assertThat(decode(new byte[0], LinkType.RAW)).isEqualTo(Malformed.IP_HEADER_TRUNCATED);
  }

  @Test
  void ipv6ExtensionHeadersAreSkipped() {
    final byte[] tcp = tcp(1, 80, PacketView.TCP_SYN, new byte[0], new byte[0]);
    final byte[] hbh = cat(bytes(44, 0), new byte[6]);
    final byte[] frag = cat(bytes(6, 0), be16(0), be32(99));
    final byte[] f = eth(0x86dd, ipv6(0, cat(hbh, frag, tcp)));
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.OK);
    assertThat(v.protocol()).isEqualTo(6);
    assertThat(v.l4Offset()).isEqualTo(14 + 40 + 16);
    assertThat(v.dstPort()).isEqualTo(80);
    assertThat(v.isFragment()).isTrue();
    assertThat(v.srcAddrOffset()).isEqualTo(14 + 8);
    final byte[] later = eth(0x86dd, ipv6(44, cat(bytes(6, 0), be16(8), be32(99), new byte[8])));
    assertThat(decode(later, LinkType.ETHERNET)).isEqualTo(Malformed.OK);
    assertThat(v.fragmentOffset()).isEqualTo(8);
    assertThat(v.l4HeaderPresent()).isFalse();
    final byte[] cut = eth(0x86dd, ipv6(0, bytes(6, 9)));
    assertThat(decode(cut, LinkType.ETHERNET)).isEqualTo(Malformed.IPV6_EXT_HEADER_TRUNCATED);
  }

  @Test
  void icmpErrorQuotesInnerHeader() {
    final byte[] inner = ipv4(17, B, A, new byte[0], udp(5353, 53, new byte[20]));
    final byte[] quote = Arrays.copyOf(inner, 28);
    final byte[] f = eth(0x0800, ipv4(1, icmp(3, 3, 0, 0, quote)));
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.OK);
    assertThat(v.isIcmpError()).isTrue();
    assertThat(v.icmpCode()).isEqualTo(3);
    assertThat(v.icmpInnerOffset()).isEqualTo(14 + 20 + 8);
    assertThat(v.icmpInnerSrcAddr()).isEqualTo(B);
    assertThat(v.icmpInnerDstAddr()).isEqualTo(A);
    assertThat(v.icmpInnerProtocol()).isEqualTo(17);
    assertThat(v.icmpInnerSrcPort()).isEqualTo(5353);
    assertThat(v.icmpInnerDstPort()).isEqualTo(53);
    assertThat(v.icmpQuoteTruncated()).isFalse();
    assertThat(v.l4ChecksumOk()).isTrue();

    final byte[] shortQuote = eth(0x0800, ipv4(1, icmp(11, 0, 0, 0, Arrays.copyOf(inner, 24))));
    assertThat(decode(shortQuote, LinkType.ETHERNET)).isEqualTo(Malformed.OK);
    assertThat(v.icmpQuoteTruncated()).isTrue();
    assertThat(v.icmpInnerSrcPort()).isEqualTo(5353);
    final byte[] noQuote = eth(0x0800, ipv4(1, icmp(3, 1, 0, 0, new byte[4])));
    assertThat(decode(noQuote, LinkType.ETHERNET)).isEqualTo(Malformed.OK);
    assertThat(v.icmpInnerOffset()).isEqualTo(-1);
    assertThat(v.icmpQuoteTruncated()).isTrue();
    final byte[] echoInner = ipv4(1, icmp(8, 0, 4242, 1, new byte[0]));
    final byte[] f2 = eth(0x0800, ipv4(1, icmp(3, 1, 0, 0, echoInner)));
    assertThat(decode(f2, LinkType.ETHERNET)).isEqualTo(Malformed.OK);
    assertThat(v.icmpInnerIcmpId()).isEqualTo(4242);
  }

  @Test
  void laterFragmentHasNoL4() {
    final byte[] ip = ipv4(6, tcp(1, 2, 0, new byte[0], new byte[8]));
    ip[6] = 0x20; // MF
    ip[7] = 3; // offset 24
    final byte[] f = eth(0x0800, ip);
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.OK);
    assertThat(v.isFragment()).isTrue();
    assertThat(v.moreFragments()).isTrue();
    assertThat(v.fragmentOffset()).isEqualTo(24);
    assertThat(v.l4HeaderPresent()).isFalse();
    assertThat(v.srcPort()).isEqualTo(-1);
    assertThat(v.l4ChecksumVerifiable()).isFalse();
  }

  @Test
  void firstFragmentMayCutTheL4HeaderBecauseDefragComesFirst() {
    final byte[] tiny = ipv4(6, new byte[8]);
    tiny[6] = 0x20; // MF, offset 0
    assertThat(decode(tiny, LinkType.IPV4)).isEqualTo(Malformed.OK);
    assertThat(v.l4HeaderPresent()).isFalse();
    final byte[] udpFirst = ipv4(17, udp(53, 5353, new byte[16]));
    udpFirst[6] = 0x20;
    udpFirst[20 + 5] = (byte) 200; // UDP length of the whole datagram
    assertThat(decode(udpFirst, LinkType.IPV4)).isEqualTo(Malformed.OK);
    assertThat(v.dstPort()).isEqualTo(5353);
    assertThat(v.udpLength()).isEqualTo(200);
  }

  @Test
  void ipv4Malformations() {
    final byte[] good = eth(0x0800, ipv4(6, tcp(1, 2, 0, new byte[0], new byte[0])));
    byte[] f = good.clone();
    f[14] = 0x44;
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.BAD_IHL);
    f = good.clone();
    f[14] = 0x4f;
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.BAD_IHL);
    f = good.clone();
    f[14 + 3] = 10;
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.IP_TOTAL_LENGTH_TOO_SHORT);
    f = good.clone();
    f[14 + 2] = 1;
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.IP_TOTAL_LENGTH_BEYOND_CAPTURE);
    f = good.clone();
    f[14 + 20 + 12] = 0x40;
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.TCP_DATA_OFFSET_TOO_SMALL);
    assertThat(v.srcPort()).isEqualTo(1);
    f = good.clone();
    f[14 + 20 + 12] = (byte) 0xf0;
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.TCP_DATA_OFFSET_BEYOND_PACKET);
    f = eth(0x0800, ipv4(6, new byte[10]));
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.L4_TRUNCATED);
    f = eth(0x0800, ipv4(17, udp(1, 2, new byte[4])));
    f[14 + 20 + 5] = 40;
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.UDP_BAD_LENGTH);
    assertThat(v.dstPort()).isEqualTo(2);
    f = Arrays.copyOf(good, 10);
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.TRUNCATED_LINK);
    f = Arrays.copyOf(good, 14 + 12);
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.IP_HEADER_TRUNCATED);
    assertThat(decode(good, 105)).isEqualTo(Malformed.UNSUPPORTED_LINKTYPE);
    for (int c = 0; c < Malformed.COUNT; c++) {
      assertThat(Malformed.name(c)).matches("[a-z0-9_]+");
    }
  }

  @Test
  void snaplenTruncationIsNotMalformed() {
    final byte[] f = eth(0x0800, ipv4(6, tcp(1, 2, PacketView.TCP_ACK, new byte[0], new byte[1400])));
    final ByteBuffer b = ByteBuffer.wrap(f);
    assertThat(v.wrap(b, 0, 54, f.length, LinkType.ETHERNET).decode()).isEqualTo(Malformed.OK);
    assertThat(v.truncated()).isTrue();
    assertThat(v.ipLength()).isEqualTo(1440);
    assertThat(v.tcpPayloadLength()).isEqualTo(1400);
    assertThat(v.l4ChecksumVerifiable()).isFalse();
    assertThat(v.l4ChecksumOk()).isTrue();
    final byte[] syn = eth(0x0800, ipv4(6, tcp(1, 2, PacketView.TCP_SYN, SYN_OPTIONS, new byte[0])));
    assertThat(v.wrap(ByteBuffer.wrap(syn), 0, 60, syn.length, LinkType.ETHERNET).decode())
        .isEqualTo(Malformed.OK);
    assertThat(v.truncated()).isTrue();
    assertThat(v.tcpOptionsCaptured()).isFalse();
    assertThat(v.tcpMss()).isEqualTo(1460);
    assertThat(v.tcpWindowScale()).isEqualTo(-1);
    assertThat(v.tcpFlags()).isEqualTo(PacketView.TCP_SYN);
    assertThat(v.wrap(b, 0, 40, f.length, LinkType.ETHERNET).decode())
        .isEqualTo(Malformed.HEADERS_NOT_CAPTURED);
    assertThat(Malformed.isMalformed(Malformed.HEADERS_NOT_CAPTURED)).isFalse();
    assertThat(v.truncated()).isTrue();
    assertThat(v.wrap(b, 0, 20, f.length, LinkType.ETHERNET).decode())
        .isEqualTo(Malformed.HEADERS_NOT_CAPTURED);
  }

  @Test
  void ethernetPaddingIsNotCounted() {
    final byte[] f = cat(eth(0x0800, ipv4(6, tcp(1, 2, PacketView.TCP_RST, new byte[0], new byte[0]))),
        new byte[6]);
    assertThat(decode(f, LinkType.ETHERNET)).isEqualTo(Malformed.OK);
    assertThat(v.ipLength()).isEqualTo(40);
    assertThat(v.l4ChecksumOk()).isTrue();
  }

  @Test
  void worksAtAnOffsetInADirectBuffer() {
    final byte[] f = eth(0x0800, ipv4(17, udp(7, 9, bytes(1))));
    final ByteBuffer d = ByteBuffer.allocateDirect(f.length + 100);
    d.put(37, f);
    assertThat(v.wrap(d, 37, f.length, f.length, LinkType.ETHERNET).decode()).isEqualTo(Malformed.OK);
    assertThat(v.srcPort()).isEqualTo(7);
    assertThat(v.l4ChecksumOk()).isTrue();
    assertThat(d.position()).isZero();
  }
}
