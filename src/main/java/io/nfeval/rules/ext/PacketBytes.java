package io.nfeval.rules.ext;

import io.nfeval.packet.PacketView;

/**
 * Bounds-checked reads of the datagram for matches that look at raw bytes, as the kernel's
 * {@code skb_header_pointer}: a read past the captured bytes fails (returns -1) instead of
 * throwing. Offsets are relative to the IP header ({@code skb_network_offset == 0}).
 */
final class PacketBytes {
  private PacketBytes() {}

  /** par->thoff: the transport header's offset from the IP header (ihl * 4). */
  static int thoff(PacketView v) {
    return v.headerLength();
  }

  /**
   * The transport header a match reads, as the kernel's matches get it: later fragments never match
   * ({@code par->fragoff != 0}), and a first fragment or datagram that does not hold the header's first
   * {@code len} bytes is hot-dropped ({@code skb_header_pointer} failing). Returns the header's offset,
   * or -1 for no match (after the hot-drop when there was one).
   */
  static int header(PacketContext ctx, int len) {
    if (ctx.fragOffset() != 0) {
      return -1;
    }
    final PacketView v = ctx.ip();
    final int th = thoff(v);
    if (u8(v, th + len - 1) < 0) {
      ctx.hotdrop();
      return -1;
    }
    return th;
  }

  /** Number of datagram bytes readable (captured and within the IP total length). */
  static int readable(PacketView v) {
    return Math.max(0, Math.min(v.offset() + v.capLen() - v.l3Offset(), v.ipLength()));
  }

  static int u8(PacketView v, int rel) {
    if (rel < 0 || rel + 1 > readable(v)) {
      return -1;
    }
    return v.buffer().get(v.l3Offset() + rel) & 0xff;
  }

  static int u16(PacketView v, int rel) {
    if (rel < 0 || rel + 2 > readable(v)) {
      return -1;
    }
    final int a = v.l3Offset() + rel;
    return ((v.buffer().get(a) & 0xff) << 8) | (v.buffer().get(a + 1) & 0xff);
  }

  /** Big-endian 32-bit word as an unsigned value in a long, -1 when it cannot be read. */
  static long u32(PacketView v, int rel) {
    if (rel < 0 || rel + 4 > readable(v)) {
      return -1;
    }
    return v.buffer().getInt(v.l3Offset() + rel) & 0xffffffffL;
  }
}
