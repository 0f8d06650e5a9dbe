package io.nfeval.engine;

import io.nfeval.packet.LinkType;
import io.nfeval.packet.PacketView;
import io.nfeval.packet.PacketWriter;
import java.nio.ByteBuffer;

/** Builds IPv4 test packets with valid checksums. */
final class Packets {
  private Packets() {}

  static int ip(String dotted) {
    String[] p = dotted.split("\\.");
    return (Integer.parseInt(p[0]) << 24) | (Integer.parseInt(p[1]) << 16)
        | (Integer.parseInt(p[2]) << 8) | Integer.parseInt(p[3]);
  }

  static PacketView tcp(String src, int sport, String dst, int dport, int flags, long seq, long ack,
      int payload) {
    return tcp(src, sport, dst, dport, flags, seq, ack, 64240, new byte[0], payload);
  }

  /** A TCP segment with {@code options} (a multiple of 4 bytes) and {@code payload} zero bytes. */
  static PacketView tcp(String src, int sport, String dst, int dport, int flags, long seq, long ack,
      int window, byte[] options, int payload) {
    final int len = 20 + 20 + options.length + payload;
    ByteBuffer b = ByteBuffer.allocate(len);
    ipHeader(b, len, 6, src, dst, 0, 0);
    b.putShort(20, (short) sport);
    b.putShort(22, (short) dport);
    b.putInt(24, (int) seq);
    b.putInt(28, (int) ack);
    b.put(32, (byte) ((5 + options.length / 4) << 4));
    b.put(33, (byte) flags);
    b.putShort(34, (short) window);
    for (int i = 0; i < options.length; i++) {
      b.put(40 + i, options[i]);
    }
    return finish(b, len);
  }

  static PacketView udp(String src, int sport, String dst, int dport, int payload) {
    final int len = 20 + 8 + payload;
    ByteBuffer b = ByteBuffer.allocate(len);
    ipHeader(b, len, 17, src, dst, 0, 0);
    b.putShort(20, (short) sport);
    b.putShort(22, (short) dport);
    b.putShort(24, (short) (8 + payload));
    return finish(b, len);
  }

  static PacketView icmpEcho(String src, String dst, int type, int id, int seq) {
    final int len = 20 + 8 + 56;
    ByteBuffer b = ByteBuffer.allocate(len);
    ipHeader(b, len, 1, src, dst, 0, 0);
    b.put(20, (byte) type);
    b.putShort(24, (short) id);
    b.putShort(26, (short) seq);
    return finish(b, len);
  }

  /** An ICMP error ({@code type}/{@code code}) quoting the IP header and first 8 bytes of {@code quoted}. */
  static PacketView icmpError(String src, String dst, int type, int code, PacketView quoted) {
    final int len = 20 + 8 + 28;
    ByteBuffer b = ByteBuffer.allocate(len);
    ipHeader(b, len, 1, src, dst, 0, 0);
    b.put(20, (byte) type);
    b.put(21, (byte) code);
    for (int i = 0; i < 28; i++) {
      b.put(28 + i, quoted.buffer().get(quoted.l3Offset() + i));
    }
    return finish(b, len);
  }

  /** An IPv4 fragment: {@code payload} bytes of a UDP datagram starting at byte {@code offset}. */
  static PacketView fragment(String src, String dst, int id, int offset, boolean more, byte[] whole) {
    final int n = Math.min(whole.length - offset, more ? 1480 : whole.length - offset);
    final int len = 20 + n;
    ByteBuffer b = ByteBuffer.allocate(len);
    ipHeader(b, len, 17, src, dst, id, (more ? 0x2000 : 0) | (offset / 8));
    b.position(20);
    b.put(whole, offset, n);
    b.position(0);
    PacketWriter.fillIpv4HeaderChecksum(b, 0, 20);
    PacketView v = new PacketView();
    v.wrap(b, 0, len, len, LinkType.IPV4);
    v.decode();
    return v;
  }

  private static void ipHeader(ByteBuffer b, int len, int proto, String src, String dst, int id,
      int frag) {
    b.put(0, (byte) 0x45);
    b.putShort(2, (short) len);
    b.putShort(4, (short) id);
    b.putShort(6, (short) frag);
    b.put(8, (byte) 64);
    b.put(9, (byte) proto);
    b.putInt(12, ip(src));
    b.putInt(16, ip(dst));
  }

  private static PacketView finish(ByteBuffer b, int len) {
    PacketWriter.fillIpv4HeaderChecksum(b, 0, 20);
    PacketView v = new PacketView();
    v.wrap(b, 0, len, len, LinkType.IPV4);
    v.decode();
    if (v.protocol() == 1) {
      long acc = io.nfeval.packet.Checksums.sum(b, 20, len - 20, 0);
      b.putShort(22, (short) io.nfeval.packet.Checksums.finish(acc));
    } else {
      PacketWriter.fillL4Checksum(v);
    }
    v.decode();
    return v;
  }
}
