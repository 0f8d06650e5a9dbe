package io.nfeval.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The heaviest flows of one verdict in bounded memory, by the Misra–Gries frequent-items summary in
 * batches: every flow carries a weight (its packets since it entered the table); when {@code 2 * cap}
 * flows are held, the {@code (cap+1)}-th largest weight is subtracted from every weight and the flows
 * left at zero or below are forgotten. Any flow with more than {@code packets / cap} packets is therefore
 * never forgotten (with cap 1,024 and 10 million packets: every flow above ~9,800 packets). The packets
 * shown are exact since the flow entered the table; a flow forgotten and seen again restarts, so a report
 * says when the list may be approximate ({@link #pruned()}).
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
    /** Misra–Gries counter (packets minus the decrements of the prunes since it entered). */
    long weight;
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
    f.weight++;
    return f;
  }

  /** Subtracts the (cap+1)-th largest weight from all and forgets the flows left at or below zero. */
  private void prune() {
    final long[] w = new long[size];
    int n = 0;
    for (Flow f : vals) {
      if (f != null) {
        w[n++] = f.weight;
      }
    }
    java.util.Arrays.sort(w);
    final long cut = w[n - 1 - cap]; // the (cap+1)-th largest
    final Flow[] old = vals;
    final long[] oldKeys = keys;
    keys = new long[oldKeys.length];
    vals = new Flow[old.length];
    size = 0;
    for (int i = 0; i < old.length; i++) {
      final Flow f = old[i];
      if (f == null) {
        continue;
      }
      f.weight -= cut;
      if (f.weight > 0) {
        final int j = slot(oldKeys[i]);
        keys[j] = oldKeys[i];
        vals[j] = f;
        size++;
      } else {
        prunedPackets += f.packets;
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
