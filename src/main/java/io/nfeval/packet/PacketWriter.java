package io.nfeval.packet;

import java.nio.ByteBuffer;

/**
 * Rewrites fields of a decoded IPv4 packet in place, keeping checksums right the way the kernel's NAT
 * does ({@code nf_nat_ipv4_manip_pkt}, {@code nf_nat_proto.c}): RFC 1624 incremental updates of the IP
 * header checksum and of the TCP/UDP checksum (whose pseudo header covers the addresses). A UDP checksum
 * of 0 means "none" and stays 0; an updated UDP checksum that comes out 0 is written as 0xffff
 * ({@code CSUM_MANGLED_0}). The L4 header is only touched when present (not a later fragment).
 *
 * <p>The view must be decoded over a writable buffer (the engine's heap working buffer); the view's
 * offsets stay valid because no length changes. Also offers full recomputation for rebuilt packets.
 */
public final class PacketWriter {
  private PacketWriter() {}

  public static void setSrcAddr(PacketView p, int addr) {
    setAddr(p, p.l3Offset() + 12, addr);
  }

  public static void setDstAddr(PacketView p, int addr) {
    setAddr(p, p.l3Offset() + 16, addr);
  }

  private static void setAddr(PacketView p, int off, int addr) {
    final ByteBuffer b = p.buffer();
    final int old = readInt(b, off);
    if (old == addr) {
      return;
    }
    Checksums.put32(b, off, addr);
    p.addressesRewritten();
    final int ipCk = p.l3Offset() + 10;
    Checksums.put16(b, ipCk, Checksums.replace32(Checksums.u16(b, ipCk), old, addr));
    final int l4ck = l4ChecksumOffset(p);
    if (l4ck >= 0 && p.protocol() != PacketView.IPPROTO_ICMP) {
      updateL4(p, l4ck, Checksums.replace32(Checksums.u16(b, l4ck), old, addr));
    }
  }

  /** Sets the TCP/UDP source port (no-op if the L4 header is absent). */
  public static void setSrcPort(PacketView p, int port) {
    setPort(p, 0, port);
  }

  public static void setDstPort(PacketView p, int port) {
    setPort(p, 2, port);
  }

  private static void setPort(PacketView p, int rel, int port) {
    final int ck = l4ChecksumOffset(p);
    if (ck < 0 || p.protocol() == PacketView.IPPROTO_ICMP) {
      return;
    }
    final ByteBuffer b = p.buffer();
    final int off = p.l4Offset() + rel;
    final int old = Checksums.u16(b, off);
    Checksums.put16(b, off, port);
    updateL4(p, ck, Checksums.replace16(Checksums.u16(b, ck), old, port));
  }

  /**
   * gre_manip_pkt: the call id of an enhanced (version 1) GRE header, which has no checksum; other GRE
   * versions are left alone, as is a header of fewer than 8 bytes.
   */
  public static void setGreCallId(PacketView p, int callId) {
    if (p.protocol() != PacketView.IPPROTO_GRE || p.fragmentOffset() != 0 || p.l4Offset() < 0) {
      return;
    }
    putGreCallId(p.buffer(), p.l4Offset(), p.l4CapturedEnd(), callId);
  }

  /**
   * The same for a GRE header at {@code off} with bytes present up to {@code end} (also the header an ICMP
   * error quotes): written only into a whole version 1 header.
   */
  public static void putGreCallId(ByteBuffer b, int off, int end, int callId) {
    if (off + 8 > end || (b.get(off + 1) & 0x07) != 1) {
      return;
    }
    Checksums.put16(b, off + 6, callId);
  }

  /**
   * Replaces the 16-bit word at buffer offset {@code off} of a TCP segment's payload (an even distance from
   * the TCP header), patching the TCP checksum as nf_nat_mangle_tcp_packet's recomputation would come out.
   */
  public static void setTcpPayloadWord(PacketView p, int off, int value) {
    final int ck = l4ChecksumOffset(p);
    if (ck < 0 || p.protocol() != PacketView.IPPROTO_TCP || ((off - p.l4Offset()) & 1) != 0
        || off + 2 > p.l4CapturedEnd()) {
      return;
    }
    final ByteBuffer b = p.buffer();
    final int old = Checksums.u16(b, off);
    Checksums.put16(b, off, value);
    updateL4(p, ck, Checksums.replace16(Checksums.u16(b, ck), old, value));
  }

  /** Sets the ICMP echo id (ICMP NAT rewrites it as the "port"); the ICMP checksum has no pseudo header. */
  public static void setIcmpId(PacketView p, int id) {
    if (!p.l4HeaderPresent() || p.protocol() != PacketView.IPPROTO_ICMP) {
      return;
    }
    final ByteBuffer b = p.buffer();
    final int off = p.l4Offset() + 4;
    final int ck = p.l4Offset() + 2;
    final int old = Checksums.u16(b, off);
    Checksums.put16(b, off, id);
    Checksums.put16(b, ck, Checksums.replace16(Checksums.u16(b, ck), old, id));
  }

  /** Sets the TTL, updating the IP header checksum (as {@code ip_decrease_ttl}). */
  public static void setTtl(PacketView p, int ttl) {
    final ByteBuffer b = p.buffer();
    final int off = p.l3Offset() + 8;
    final int oldWord = Checksums.u16(b, off);
    b.put(off, (byte) ttl);
    patchIpWord(p, oldWord, Checksums.u16(b, off));
  }

  /** Sets the TOS byte, updating the IP header checksum (as {@code ipv4_change_dsfield}). */
  public static void setTos(PacketView p, int tos) {
    final ByteBuffer b = p.buffer();
    final int off = p.l3Offset();
    final int oldWord = Checksums.u16(b, off);
    b.put(off + 1, (byte) tos);
    patchIpWord(p, oldWord, Checksums.u16(b, off));
  }

  private static void patchIpWord(PacketView p, int oldWord, int newWord) {
    final ByteBuffer b = p.buffer();
    final int ck = p.l3Offset() + 10;
    Checksums.put16(b, ck, Checksums.replace16(Checksums.u16(b, ck), oldWord, newWord));
  }

  private static int readInt(ByteBuffer b, int off) {
    return (Checksums.u16(b, off) << 16) | Checksums.u16(b, off + 2);
  }

  /** Offset of the TCP/UDP/ICMP checksum field, -1 when the header is absent or a later fragment. */
  private static int l4ChecksumOffset(PacketView p) {
    if (!p.l4HeaderPresent() || p.fragmentOffset() != 0) {
      return -1;
    }
    switch (p.protocol()) {
      case PacketView.IPPROTO_TCP:
        return p.l4Offset() + 16;
      case PacketView.IPPROTO_UDP:
        return p.l4Offset() + 6;
      case PacketView.IPPROTO_ICMP:
        return p.l4Offset() + 2;
      default:
        return -1;
    }
  }

  private static void updateL4(PacketView p, int ckOff, int newCk) {
    final ByteBuffer b = p.buffer();
    if (p.protocol() == PacketView.IPPROTO_UDP) {
      if (Checksums.u16(b, ckOff) == 0) {
        return; // no checksum: udp_manip_pkt leaves it alone
      }
      if (newCk == 0) {
        newCk = 0xffff;
      }
    }
    Checksums.put16(b, ckOff, newCk);
  }

  // ---------------------------------------------------------------- full computation

  /** Recomputes and stores the IPv4 header checksum of the header at {@code l3} of {@code ihl} bytes. */
  public static void fillIpv4HeaderChecksum(ByteBuffer b, int l3, int ihl) {
    Checksums.put16(b, l3 + 10, 0);
    Checksums.put16(b, l3 + 10, Checksums.finish(Checksums.sum(b, l3, ihl, 0)));
  }

  /**
   * Recomputes and stores the TCP, UDP or ICMP checksum of a decoded, unfragmented IPv4 packet whose
   * datagram is wholly in the buffer. UDP: a computed 0 is stored as 0xffff (RFC 768).
   */
  public static void fillL4Checksum(PacketView p) {
    final int ck = l4ChecksumOffset(p);
    if (ck < 0 || p.ipVersion() != 4) {
      return;
    }
    final ByteBuffer b = p.buffer();
    Checksums.put16(b, ck, 0);
    final long acc = p.protocol() == PacketView.IPPROTO_ICMP ? 0
        : Checksums.ipv4Pseudo(p.srcAddr(), p.dstAddr(), p.protocol(), p.l4Length());
    int v = Checksums.finish(Checksums.sum(b, p.l4Offset(), p.l4Length(), acc));
    if (v == 0 && p.protocol() == PacketView.IPPROTO_UDP) {
      v = 0xffff;
    }
    Checksums.put16(b, ck, v);
  }
}
