package io.nfeval.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * IPv4 reassembly as nf_defrag_ipv4 / ip_fragment.c do it before conntrack: fragments are keyed by
 * (source, destination, id, protocol), held until the datagram is whole, then the whole datagram
 * continues in place of the last fragment. Overlapping fragments discard the whole queue (the kernel's
 * IPFRAG_OVERLAP); an exact duplicate is dropped alone. Queues expire after ipfrag_time (30 s) of
 * packet time.
 *
 * <p>Fragments are rare: this path allocates per queue, not per packet of the hot path.
 */
final class Defrag {
  static final long TIMEOUT_NANOS = 30_000_000_000L;
  private static final int MAX_QUEUES = 4096;

  private static final class Frag {
    final int offset;
    final byte[] payload;

    Frag(int offset, byte[] payload) {
      this.offset = offset;
      this.payload = payload;
    }
  }

  private static final class Queue {
    final long created;
    byte[] header;
    int end = -1;
    final List<Frag> frags = new ArrayList<>();
    int meat;

    Queue(long created) {
      this.created = created;
    }
  }

  private final Map<Long, Queue> queues = new HashMap<>();
  /** Fragments dropped (overlap, expiry, too big). */
  long dropped;

  private static long key(int src, int id, int proto, int dst) {
    return ((long) src << 32) ^ ((long) dst * 0x9E3779B97F4A7C15L) ^ ((long) id << 8) ^ proto;
  }

  /**
   * Adds the fragment held in {@code skb}. Returns true when the datagram is now whole: the skb then
   * holds the reassembled datagram. Returns false when the fragment is held (or dropped).
   */
  boolean add(Skb skb) {
    final var v = skb.view;
    expire(skb.tsNanos);
    final int ihl = v.headerLength();
    final int off = v.fragmentOffset();
    final int payloadLen = Math.min(skb.present, skb.len) - ihl;
    if (payloadLen < 0) {
      dropped++;
      return false;
    }
    final long k = key(v.srcAddr(), v.id(), v.protocol(), v.dstAddr());
    Queue q = queues.get(k);
    if (q == null) {
      if (queues.size() >= MAX_QUEUES) {
        dropped++;
        return false;
      }
      q = new Queue(skb.tsNanos);
      queues.put(k, q);
    }
    final int fragEnd = off + payloadLen;
    if (!v.moreFragments()) {
      if (fragEnd < q.meat || (q.end >= 0 && q.end != fragEnd)) {
        discard(k);
        return false;
      }
      q.end = fragEnd;
    } else if (q.end >= 0 && fragEnd > q.end) {
      discard(k);
      return false;
    }
    for (Frag f : q.frags) {
      final int fEnd = f.offset + f.payload.length;
      if (f.offset == off && fEnd == fragEnd) {
        dropped++; // duplicate
        return false;
      }
      if (off < fEnd && f.offset < fragEnd) {
        discard(k); // overlap
        return false;
      }
    }
    byte[] payload = new byte[payloadLen];
    System.arraycopy(skb.data, ihl, payload, 0, payloadLen);
    q.frags.add(new Frag(off, payload));
    q.meat += payloadLen;
    if (off == 0) {
      q.header = new byte[ihl];
      System.arraycopy(skb.data, 0, q.header, 0, ihl);
    }
    if (q.end < 0 || q.header == null || q.meat != q.end) {
      return false;
    }
    // Whole: rebuild the datagram in the skb.
    final int hl = q.header.length;
    final int total = hl + q.end;
    if (total > Skb.MAX_DATAGRAM) {
      discard(k);
      return false;
    }
    System.arraycopy(q.header, 0, skb.data, 0, hl);
    for (Frag f : q.frags) {
      System.arraycopy(f.payload, 0, skb.data, hl + f.offset, f.payload.length);
    }
    skb.data[2] = (byte) (total >>> 8);
    skb.data[3] = (byte) total;
    skb.data[6] = (byte) (skb.data[6] & 0x40); // keep DF, clear MF and the offset
    skb.data[7] = 0;
    skb.len = total;
    skb.present = total;
    io.nfeval.packet.PacketWriter.fillIpv4HeaderChecksum(skb.buffer, 0, hl);
    skb.redecode();
    queues.remove(k);
    return true;
  }

  private void discard(long k) {
    Queue q = queues.remove(k);
    if (q != null) {
      dropped += q.frags.size() + 1;
    }
  }

  private void expire(long now) {
    if (queues.isEmpty()) {
      return;
    }
    Iterator<Queue> it = queues.values().iterator();
    while (it.hasNext()) {
      Queue q = it.next();
      if (now - q.created > TIMEOUT_NANOS) {
        dropped += q.frags.size();
        it.remove();
      }
    }
  }
}
