package io.nfeval.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
  private final Map<Long, Flow> flows = new HashMap<>();
  private long total;
  private long packets;
  private long bytes;
  private long prunedPackets;
  private boolean pruned;

  TopFlows(int cap) {
    this.cap = cap;
  }

  /** The flow record to update for this key (created when new). */
  Flow get(long key, long len) {
    packets++;
    bytes += len;
    Flow f = flows.get(key);
    if (f == null) {
      if (flows.size() >= 2 * cap) {
        prune();
      }
      f = new Flow();
      f.first = -1;
      flows.put(key, f);
      total++;
    }
    return f;
  }

  private void prune() {
    final List<Map.Entry<Long, Flow>> all = new ArrayList<>(flows.entrySet());
    all.sort((a, b) -> Long.compare(b.getValue().packets, a.getValue().packets));
    for (int i = cap; i < all.size(); i++) {
      prunedPackets += all.get(i).getValue().packets;
      flows.remove(all.get(i).getKey());
    }
    pruned = true;
  }

  List<Flow> top(int n) {
    final List<Flow> all = new ArrayList<>(flows.values());
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
