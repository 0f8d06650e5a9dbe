package io.nfeval.packet;

import java.nio.ByteBuffer;

/**
 * The Internet checksum (RFC 1071) over {@link ByteBuffer} ranges with absolute gets, and RFC 1624
 * incremental updates. Mirrors {@code csum_partial}/{@code csum_fold}/{@code inet_proto_csum_replace4} of
 * {@code include/net/checksum.h}: a checksum field holds the one's complement of the folded sum, so a
 * region including its own checksum sums to 0xffff when it is correct.
 */
public final class Checksums {
  private Checksums() {}

  /** Adds the 16-bit big-endian words of {@code [off, off+len)} to {@code acc} (an odd byte is padded). */
  public static long sum(ByteBuffer buf, int off, int len, long acc) {
    int i = off;
    final int end = off + len;
    // 32-bit words at a time: their sum folds to the same one's complement sum as 16-bit words
    // (2^16 = 1 modulo 2^16 - 1), with a quarter of the reads.
    final boolean bigEndian = buf.order() == java.nio.ByteOrder.BIG_ENDIAN;
    for (; i + 3 < end; i += 4) {
      final int w = buf.getInt(i);
      acc += (bigEndian ? w : Integer.reverseBytes(w)) & 0xffffffffL;
    }
    for (; i + 1 < end; i += 2) {
      acc += ((buf.get(i) & 0xff) << 8) | (buf.get(i + 1) & 0xff);
    }
    if (i < end) {
      acc += (buf.get(i) & 0xff) << 8;
    }
    return acc;
  }

  /** Folds a 64-bit accumulated sum to 16 bits (one's complement addition of the carries). */
  public static int fold(long acc) {
    while ((acc >>> 16) != 0) {
      acc = (acc & 0xffff) + (acc >>> 16);
    }
    return (int) acc;
  }

  /** The checksum field value for a region whose sum (with the field zeroed) is {@code acc}. */
  public static int finish(long acc) {
    return ~fold(acc) & 0xffff;
  }

  /** Sum of the IPv4 pseudo header (src, dst, zero, protocol, L4 length). */
  public static long ipv4Pseudo(int src, int dst, int protocol, int l4Length) {
    return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + l4Length;
  }

  /** Sum of the IPv6 pseudo header (RFC 8200 8.1) with addresses at the given buffer offsets. */
  public static long ipv6Pseudo(ByteBuffer buf, int srcOff, int dstOff, int nextHeader, int l4Length) {
    long acc = sum(buf, srcOff, 16, 0);
    acc = sum(buf, dstOff, 16, acc);
    return acc + (l4Length >>> 16) + (l4Length & 0xffff) + nextHeader;
  }

  /**
   * RFC 1624 eqn. 3: new checksum after a 16-bit word of the covered data changes from {@code old} to
   * {@code now}: HC' = ~(~HC + ~m + m').
   */
  public static int replace16(int check, int old, int now) {
    long acc = (~check & 0xffff) + (~old & 0xffff) + (now & 0xffff);
    return ~fold(acc) & 0xffff;
  }

  /** RFC 1624 update for a 32-bit field (an IPv4 address), as {@code csum_replace4}. */
  public static int replace32(int check, int old, int now) {
    long acc = (~check & 0xffff) + (~(old >>> 16) & 0xffff) + (~old & 0xffff)
        + (now >>> 16) + (now & 0xffff);
    return ~fold(acc) & 0xffff;
  }

  static int u16(ByteBuffer buf, int off) {
    return ((buf.get(off) & 0xff) << 8) | (buf.get(off + 1) & 0xff);
  }

  static void put16(ByteBuffer buf, int off, int v) {
    buf.put(off, (byte) (v >>> 8));
    buf.put(off + 1, (byte) v);
  }

  static void put32(ByteBuffer buf, int off, int v) {
    buf.put(off, (byte) (v >>> 24));
    buf.put(off + 1, (byte) (v >>> 16));
    buf.put(off + 2, (byte) (v >>> 8));
    buf.put(off + 3, (byte) v);
  }
}
