package io.nfeval.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The heaviest flows of one verdict in bounded memory: counts exactly while fewer than {@code 2 * cap}
 * flows are held, then keeps the {@code cap} heaviest (by packets) and forgets the rest, remembering how
 * many packets the forgotten flows had. Flows that arrive after a prune restart from zero, so a report
 * says when the list is approximate ({@link #pruned()}).
 */
final class TopFlows {
  /** One flow (as first seen: its direction), with what decided its last packet. */
  static final class Flow {
    int proto;
    int src;
    int dst;
    int sport;
    int dport;
    String in;
    long packets;
    long bytes;
    long first;
    long last;
    int deciderTable = -1;
    int deciderEntry = -1;
  }

  private final int cap;
  /** Open addressing key → flow (0 = empty slot; a zero key is stored as 1). */
  private long[] keys;
  private Flow[] vals;
  private int size;
  private long total;
  private long packets;
  private long bytes;
  private long prunedPackets;
  private boolean pruned;

  TopFlows(int cap) {
    this.cap = cap;
    int c = 1;
    while (c < cap * 4) {
      c <<= 1;
    }
    keys = new long[c];
    vals = new Flow[c];
  }

  private int slot(long k) {
    final int mask = keys.length - 1;
    int i = (int) (k ^ (k >>> 29)) & mask;
    while (keys[i] != 0 && keys[i] != k) {
      i = (i + 1) & mask;
    }
    return i;
  }

  /** The flow record to update for this key (created when new). */
  Flow get(long key, long len) {
    packets++;
    bytes += len;
    final long k = key == 0 ? 1 : key;
    int i = slot(k);
    Flow f = vals[i];
    if (f == null) {
      if (size >= 2 * cap) {
        prune();
        i = slot(k);
      }
      f = new Flow();
      f.first = -1;
      keys[i] = k;
      vals[i] = f;
      size++;
      total++;
    }
    return f;
  }

  /** Keeps the {@code cap} heaviest flows (rehashing them), forgets the rest. */
  private void prune() {
    final List<long[]> all = new ArrayList<>(size);
    final Flow[] old = vals;
    final long[] oldKeys = keys;
    for (int i = 0; i < old.length; i++) {
      if (old[i] != null) {
        all.add(new long[] {old[i].packets, i});
      }
    }
    all.sort((a, b) -> Long.compare(b[0], a[0]));
    keys = new long[oldKeys.length];
    vals = new Flow[old.length];
    size = 0;
    for (int r = 0; r < all.size(); r++) {
      final int i = (int) all.get(r)[1];
      if (r < cap) {
        final int j = slot(oldKeys[i]);
        keys[j] = oldKeys[i];
        vals[j] = old[i];
        size++;
      } else {
        prunedPackets += old[i].packets;
      }
    }
    pruned = true;
  }

  List<Flow> top(int n) {
    final List<Flow> all = new ArrayList<>(size);
    for (Flow f : vals) {
      if (f != null) {
        all.add(f);
      }
    }
    all.sort((a, b) -> a.packets != b.packets ? Long.compare(b.packets, a.packets)
        : a.first != b.first ? Long.compare(a.first, b.first) : Integer.compare(a.src, b.src));
    return all.subList(0, Math.min(n, all.size()));
  }

  /** Flow records created (a lower bound of distinct flows once pruned). */
  long flowsSeen() {
    return total;
  }

  long packets() {
    return packets;
  }

  long bytes() {
    return bytes;
  }

  boolean pruned() {
    return pruned;
  }

  long prunedPackets() {
    return prunedPackets;
  }
}
