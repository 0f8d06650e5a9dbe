package io.nfeval.bench;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes Ethernet (linktype 1) frames carrying IPv4/TCP/UDP/ICMP into a classic pcap file, with correct
 * IPv4 header and L4 checksums (conntrack verifies them in PREROUTING, nf_conntrack_checksum=1).
 *
 * <p>Built for speed: one reusable frame array, payload bytes taken from one fixed block whose checksum
 * prefix sums are precomputed (so a checksum costs the headers only), and the file written through one
 * large buffer. Frames shorter than the Ethernet minimum (60 bytes without FCS) carry padding after the IP
 * datagram, as a receiving NIC delivers them.
 *
 * <pre>
 * file header:   magic a1b23c4d (ns) or a1b2c3d4 (us), little-endian, v2.4, snaplen 262144, linktype 1
 * record header: ts_sec, ts_frac, caplen, len (4 x u32 LE)
 * </pre>
 */
final class PcapOut implements AutoCloseable {
  static final int LINKTYPE_ETHERNET = 1;
  static final int ETH_MIN = 60;
  static final int TCP_FIN = 0x01;
  static final int TCP_SYN = 0x02;
  static final int TCP_RST = 0x04;
  static final int TCP_PSH = 0x08;
  static final int TCP_ACK = 0x10;
  static final int PAYLOAD_MAX = 1472;

  private static final byte[] PAYLOAD = new byte[2048];
  /** PAYLOAD_SUM[n]: one's-complement partial sum (unfolded) of PAYLOAD[0, n) as big-endian words. */
  private static final long[] PAYLOAD_SUM = new long[PAYLOAD.length + 1];

  static {
    final Prng r = new Prng(0x7061796c6f6164L);
    for (int i = 0; i < PAYLOAD.length; i++) {
      PAYLOAD[i] = (byte) r.nextLong();
    }
    long even = 0;
    for (int n = 1; n <= PAYLOAD.length; n++) {
      if ((n & 1) == 0) {
        even += ((PAYLOAD[n - 2] & 0xff) << 8) | (PAYLOAD[n - 1] & 0xff);
        PAYLOAD_SUM[n] = even;
      } else {
        PAYLOAD_SUM[n] = even + ((PAYLOAD[n - 1] & 0xff) << 8);
      }
    }
  }

  private final OutputStream out;
  private final boolean nanos;
  private final byte[] buf = new byte[1 << 22];
  private int pos;
  private final byte[] frame = new byte[16 + 1600];
  long packets;
  long bytes;

  PcapOut(OutputStream out, boolean nanos) throws IOException {
    this.out = out;
    this.nanos = nanos;
    final byte[] h = new byte[24];
    le32(h, 0, nanos ? 0xa1b23c4d : 0xa1b2c3d4);
    h[4] = 2;
    h[6] = 4;
    le32(h, 16, 262144);
    le32(h, 20, LINKTYPE_ETHERNET);
    out.write(h);
  }

  /**
   * A TCP segment. {@code options} (SYN only): MSS 1460, NOP, WS 7, SACK_PERM, NOP, NOP (12 bytes),
   * what Linux sends without timestamps.
   */
  void tcp(long tsNanos, long dstMac, long srcMac, int src, int dst, int ttl, int ipId, int sport, int dport,
      long seq, long ack, int flags, int window, boolean options, int payloadLen) throws IOException {
    final int thl = options ? 32 : 20;
    final int ipLen = 20 + thl + payloadLen;
    final byte[] f = frame;
    final int l3 = 16 + 14;
    ethernet(dstMac, srcMac);
    ipv4(l3, ipLen, ipId, true, ttl, 6, src, dst);
    final int t = l3 + 20;
    be16(f, t, sport);
    be16(f, t + 2, dport);
    be32(f, t + 4, (int) seq);
    be32(f, t + 8, (int) ack);
    f[t + 12] = (byte) ((thl / 4) << 4);
    f[t + 13] = (byte) flags;
    be16(f, t + 14, window);
    be16(f, t + 16, 0);
    be16(f, t + 18, 0);
    if (options) {
      f[t + 20] = 2;
      f[t + 21] = 4;
      be16(f, t + 22, 1460);
      f[t + 24] = 1;
      f[t + 25] = 3;
      f[t + 26] = 3;
      f[t + 27] = 7;
      f[t + 28] = 4;
      f[t + 29] = 2;
      f[t + 30] = 1;
      f[t + 31] = 1;
    }
    System.arraycopy(PAYLOAD, 0, f, t + thl, payloadLen);
    long sum = pseudo(src, dst, 6, thl + payloadLen) + words(f, t, thl) + PAYLOAD_SUM[payloadLen];
    be16(f, t + 16, ~fold(sum));
    record(tsNanos, 14 + ipLen);
  }

  /** A UDP datagram with {@code payloadLen} bytes of payload. */
  void udp(long tsNanos, long dstMac, long srcMac, int src, int dst, int ttl, int ipId, int sport, int dport,
      int payloadLen) throws IOException {
    final int ipLen = 28 + payloadLen;
    final byte[] f = frame;
    final int l3 = 16 + 14;
    ethernet(dstMac, srcMac);
    ipv4(l3, ipLen, ipId, false, ttl, 17, src, dst);
    final int u = l3 + 20;
    be16(f, u, sport);
    be16(f, u + 2, dport);
    be16(f, u + 4, 8 + payloadLen);
    be16(f, u + 6, 0);
    System.arraycopy(PAYLOAD, 0, f, u + 8, payloadLen);
    long sum = pseudo(src, dst, 17, 8 + payloadLen) + words(f, u, 8) + PAYLOAD_SUM[payloadLen];
    int c = ~fold(sum) & 0xffff;
    be16(f, u + 6, c == 0 ? 0xffff : c);
    record(tsNanos, 14 + ipLen);
  }

  /** An ICMP echo request (type 8) or reply (type 0) with {@code payloadLen} bytes of data. */
  void icmpEcho(long tsNanos, long dstMac, long srcMac, int src, int dst, int ttl, int ipId, int type, int id,
      int seq, int payloadLen) throws IOException {
    final int ipLen = 28 + payloadLen;
    final byte[] f = frame;
    final int l3 = 16 + 14;
    ethernet(dstMac, srcMac);
    ipv4(l3, ipLen, ipId, true, ttl, 1, src, dst);
    final int c = l3 + 20;
    f[c] = (byte) type;
    f[c + 1] = 0;
    be16(f, c + 2, 0);
    be16(f, c + 4, id);
    be16(f, c + 6, seq);
    System.arraycopy(PAYLOAD, 0, f, c + 8, payloadLen);
    be16(f, c + 2, ~fold(words(f, c, 8) + PAYLOAD_SUM[payloadLen]));
    record(tsNanos, 14 + ipLen);
  }

  private void ethernet(long dstMac, long srcMac) {
    final byte[] f = frame;
    for (int i = 0; i < 6; i++) {
      f[16 + i] = (byte) (dstMac >>> (40 - 8 * i));
      f[16 + 6 + i] = (byte) (srcMac >>> (40 - 8 * i));
    }
    f[16 + 12] = 0x08;
    f[16 + 13] = 0x00;
  }

  private void ipv4(int l3, int ipLen, int id, boolean df, int ttl, int proto, int src, int dst) {
    final byte[] f = frame;
    f[l3] = 0x45;
    f[l3 + 1] = 0;
    be16(f, l3 + 2, ipLen);
    be16(f, l3 + 4, id);
    be16(f, l3 + 6, df ? 0x4000 : 0);
    f[l3 + 8] = (byte) ttl;
    f[l3 + 9] = (byte) proto;
    be16(f, l3 + 10, 0);
    be32(f, l3 + 12, src);
    be32(f, l3 + 16, dst);
    be16(f, l3 + 10, ~fold(words(f, l3, 20)));
  }

  /** Appends the record: pads the frame to the Ethernet minimum, then header + frame into the buffer. */
  private void record(long tsNanos, int frameLen) throws IOException {
    final byte[] f = frame;
    int len = frameLen;
    while (len < ETH_MIN) {
      f[16 + len++] = 0;
    }
    final long sec = tsNanos / 1_000_000_000L;
    final long frac = tsNanos % 1_000_000_000L;
    le32(f, 0, (int) sec);
    le32(f, 4, (int) (nanos ? frac : frac / 1000));
    le32(f, 8, len);
    le32(f, 12, len);
    final int n = 16 + len;
    if (pos + n > buf.length) {
      flushBuffer();
    }
    System.arraycopy(f, 0, buf, pos, n);
    pos += n;
    packets++;
    bytes += len;
  }

  private void flushBuffer() throws IOException {
    out.write(buf, 0, pos);
    pos = 0;
  }

  @Override
  public void close() throws IOException {
    flushBuffer();
    out.close();
  }

  private static long pseudo(int src, int dst, int proto, int l4Len) {
    return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + l4Len;
  }

  /** Sum of big-endian 16-bit words of an even-length range. */
  private static long words(byte[] b, int off, int len) {
    long s = 0;
    for (int i = 0; i < len; i += 2) {
      s += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
    }
    return s;
  }

  private static int fold(long sum) {
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xffff) + (sum >>> 16);
    }
    return (int) sum;
  }

  private static void be16(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 8);
    b[off + 1] = (byte) v;
  }

  private static void be32(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  private static void le32(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
    b[off + 2] = (byte) (v >>> 16);
    b[off + 3] = (byte) (v >>> 24);
  }
}
