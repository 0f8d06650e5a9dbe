package io.nfeval.rules.ext.eval;

import java.io.ByteArrayOutputStream;

/** Builds raw IPv4 datagrams for the evaluation tests (header and TCP/UDP checksums filled). */
final class Pkt {
  static final int A = 0x0a000001; // 10.0.0.1
  static final int B = 0x0a000002; // 10.0.0.2

  int src = A;
  int dst = B;
  int ttl = 64;
  int tos;
  int proto = 6;
  /** Fragment offset in 8-byte units, and MF. */
  int fragUnits;
  boolean mf;
  byte[] l4 = new byte[0];

  static Pkt tcp(int sport, int dport, int flags) {
    return tcp(sport, dport, flags, new byte[0], new byte[0]);
  }

  static Pkt tcp(int sport, int dport, int flags, byte[] options, byte[] payload) {
    final Pkt p = new Pkt();
    p.proto = 6;
    final int hl = 20 + options.length;
    final ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(be16(sport));
    o.writeBytes(be16(dport));
    o.writeBytes(new byte[] {0, 0, 0, 1, 0, 0, 0, 0});
    o.write((hl / 4) << 4);
    o.write(flags);
    o.writeBytes(be16(65535));
    o.writeBytes(new byte[] {0, 0, 0, 0});
    o.writeBytes(options);
    o.writeBytes(payload);
    p.l4 = o.toByteArray();
    return p;
  }

  static Pkt udp(int sport, int dport, byte[] payload) {
    final Pkt p = new Pkt();
    p.proto = 17;
    final ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(be16(sport));
    o.writeBytes(be16(dport));
    o.writeBytes(be16(8 + payload.length));
    o.writeBytes(be16(0));
    o.writeBytes(payload);
    p.l4 = o.toByteArray();
    return p;
  }

  static Pkt icmp(int type, int code) {
    final Pkt p = new Pkt();
    p.proto = 1;
    p.l4 = new byte[] {(byte) type, (byte) code, 0, 0, 0, 1, 0, 1};
    return p;
  }

  Pkt from(int a) {
    src = a;
    return this;
  }

  Pkt to(int a) {
    dst = a;
    return this;
  }

  Pkt ttl(int t) {
    ttl = t;
    return this;
  }

  Pkt frag(int units, boolean more) {
    fragUnits = units;
    mf = more;
    return this;
  }

  byte[] bytes() {
    final int len = 20 + l4.length;
    final byte[] b = new byte[len];
    b[0] = 0x45;
    b[1] = (byte) tos;
    b[2] = (byte) (len >> 8);
    b[3] = (byte) len;
    b[4] = 0x12;
    b[5] = 0x34;
    final int fo = (mf ? 0x2000 : 0) | fragUnits;
    b[6] = (byte) (fo >> 8);
    b[7] = (byte) fo;
    b[8] = (byte) ttl;
    b[9] = (byte) proto;
    put32(b, 12, src);
    put32(b, 16, dst);
    System.arraycopy(l4, 0, b, 20, l4.length);
    put16(b, 10, csum(b, 0, 20, 0));
    if (fragUnits == 0 && !mf && (proto == 6 || proto == 17)) {
      long acc = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + l4.length;
      final int ck = 20 + (proto == 6 ? 16 : 6);
      put16(b, ck, csum(b, 20, l4.length, acc));
    } else if (proto == 1 && fragUnits == 0) {
      put16(b, 22, csum(b, 20, l4.length, 0));
    }
    return b;
  }

  static int csum(byte[] b, int off, int len, long acc) {
    for (int i = 0; i + 1 < len; i += 2) {
      acc += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
    }
    if ((len & 1) != 0) {
      acc += (b[off + len - 1] & 0xff) << 8;
    }
    while ((acc >>> 16) != 0) {
      acc = (acc & 0xffff) + (acc >>> 16);
    }
    return (int) (~acc & 0xffff);
  }

  static byte[] be16(int v) {
    return new byte[] {(byte) (v >> 8), (byte) v};
  }

  static void put16(byte[] b, int off, int v) {
    b[off] = (byte) (v >> 8);
    b[off + 1] = (byte) v;
  }

  static void put32(byte[] b, int off, int v) {
    put16(b, off, v >>> 16);
    put16(b, off + 2, v);
  }
}
