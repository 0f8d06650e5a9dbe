package io.nfeval.capture;

import io.nfeval.packet.PacketView;

/**
 * Remembers the packets nfeval forwarded, as they leave after POSTROUTING (after SNAT/MASQUERADE), so
 * that with {@code --direction inout} their copies seen leaving on the wire are recognised as forwarded
 * — already evaluated when they arrived — and not taken for packets the host itself sent. Without it, a
 * packet MASQUERADEd to the host's own address would look like the host's and be evaluated twice.
 *
 * <p>A packet is known by a fingerprint of what forwarding and NAT leave as they are on the wire:
 * addresses, protocol, IP identification, total length and the ports (or ICMP id), after NAT. The
 * table is direct-mapped (a newer packet may evict an older one; a forwarded copy is normally seen on
 * the wire within milliseconds) and allocation-free.
 */
public final class ForwardedPackets {
  private final long[] slots;
  private final int mask;

  public ForwardedPackets(int capacityPow2) {
    int c = 1;
    while (c < capacityPow2) {
      c <<= 1;
    }
    slots = new long[c];
    mask = c - 1;
  }

  /** Fingerprint of a decoded IPv4 packet (never 0). */
  static long fingerprint(PacketView v) {
    long h = 0x9E3779B97F4A7C15L;
    h = mix(h, v.srcAddr());
    h = mix(h, v.dstAddr());
    h = mix(h, (v.protocol() << 16) | v.id());
    h = mix(h, v.totalLength());
    if (v.l4HeaderPresent()) {
      final int p = v.protocol();
      if (p == PacketView.IPPROTO_TCP || p == PacketView.IPPROTO_UDP) {
        h = mix(h, (v.srcPort() << 16) | v.dstPort());
      } else if (p == PacketView.IPPROTO_ICMP) {
        h = mix(h, v.icmpId());
      }
    }
    return h == 0 ? 1 : h;
  }

  private static long mix(long h, int v) {
    h ^= v & 0xffffffffL;
    h *= 0xff51afd7ed558ccdL;
    return h ^ (h >>> 33);
  }

  /** Records a packet the engine forwarded ({@code v}: the packet as it leaves, decoded). */
  public void add(PacketView v) {
    if (!v.isIpv4()) {
      return;
    }
    final long f = fingerprint(v);
    slots[(int) (f ^ (f >>> 32)) & mask] = f;
  }

  /** Whether {@code v} (seen leaving on the wire) is a packet the engine forwarded; forgets it. */
  public boolean take(PacketView v) {
    if (!v.isIpv4()) {
      return false;
    }
    final long f = fingerprint(v);
    final int i = (int) (f ^ (f >>> 32)) & mask;
    if (slots[i] == f) {
      slots[i] = 0;
      return true;
    }
    return false;
  }
}
