package io.nfeval.packet;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Builds test frames byte by byte (with correct checksums unless told otherwise). */
public final class Frames {
  private Frames() {}

  public static final int A = 0x0a000001; // 10.0.0.1
  public static final int B = 0xc0a80102; // 192.168.1.2

  public static byte[] cat(byte[]... parts) {
    final ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }

  public static byte[] bytes(int... v) {
    final byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  static byte[] be16(int v) {
    return bytes(v >>> 8, v);
  }

  static byte[] be32(int v) {
    return bytes(v >>> 24, v >>> 16, v >>> 8, v);
  }

  static byte[] le16(int v) {
    return bytes(v, v >>> 8);
  }

  static byte[] le32(int v) {
    return bytes(v, v >>> 8, v >>> 16, v >>> 24);
  }

  /** IPv4 header (no options unless given) + payload, header checksum filled, L4 checksum filled. */
  public static byte[] ipv4(int proto, int src, int dst, byte[] options, byte[] l4) {
    final int ihl = 20 + options.length;
    final byte[] h = cat(bytes(0x40 | (ihl / 4), 0), be16(ihl + l4.length), be16(0x1234), be16(0x4000),
        bytes(64, proto), be16(0), be32(src), be32(dst), options);
    final byte[] pkt = cat(h, l4);
    final ByteBuffer b = ByteBuffer.wrap(pkt);
    PacketWriter.fillIpv4HeaderChecksum(b, 0, ihl);
    final PacketView v = new PacketView();
    if (v.wrap(b, 0, pkt.length, pkt.length, LinkType.IPV4).decode() == Malformed.OK) {
      PacketWriter.fillL4Checksum(v);
    }
    return pkt;
  }

  public static byte[] ipv4(int proto, byte[] l4) {
    return ipv4(proto, A, B, new byte[0], l4);
  }

  public static byte[] tcp(int sport, int dport, int flags, byte[] options, byte[] payload) {
    final int doff = (20 + options.length) / 4;
    return cat(be16(sport), be16(dport), be32(1000), be32(0), bytes(doff << 4, flags), be16(65535),
        be16(0), be16(0), options, payload);
  }

  public static byte[] udp(int sport, int dport, byte[] payload) {
    return cat(be16(sport), be16(dport), be16(8 + payload.length), be16(0), payload);
  }

  public static byte[] icmp(int type, int code, int id, int seq, byte[] rest) {
    return cat(bytes(type, code), be16(0), be16(id), be16(seq), rest);
  }

  public static byte[] eth(int type, byte[] payload) {
    return cat(bytes(0, 0x11, 0x22, 0x33, 0x44, 0x55), bytes(0, 0x66, 0x77, 0x88, 0x99, 0xaa), be16(type),
        payload);
  }

  public static byte[] ipv6(int nxt, byte[] payload) {
    final byte[] src = new byte[16];
    final byte[] dst = new byte[16];
    src[15] = 1;
    dst[15] = 2;
    return cat(be32(0x60000000), be16(payload.length), bytes(nxt, 64), src, dst, payload);
  }
}
