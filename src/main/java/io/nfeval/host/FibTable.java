package io.nfeval.host;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One routing table indexed for longest-prefix match: routes sorted by prefix length (longest first), then
 * destination, then as {@code fib_find_alias} orders the aliases of one prefix (TOS descending, priority
 * ascending; insertion order for ties), so that the aliases of a prefix form one run; plus, per prefix
 * length present, an open-addressing hash from the masked destination to the start of its run. A lookup
 * probes at most one slot chain per prefix length and allocates nothing — the role fib_trie's LC-trie plays
 * in the kernel, with the same result order.
 */
final class FibTable {
  final int id;
  final Route[] routes;
  private final int[] plens;
  private final int[][] keys;
  private final int[][] starts;

  FibTable(int id, List<Route> unsorted) {
    this.id = id;
    List<Route> l = new ArrayList<>(unsorted);
    l.sort(Comparator.comparingInt((Route r) -> -r.prefixLen())
        .thenComparing((a, b) -> Integer.compareUnsigned(a.dst(), b.dst()))
        .thenComparingInt(r -> -r.tos()).thenComparingInt(Route::metric));
    this.routes = l.toArray(new Route[0]);
    List<Integer> lens = new ArrayList<>();
    for (Route r : routes) {
      if (lens.isEmpty() || lens.get(lens.size() - 1) != r.prefixLen()) {
        lens.add(r.prefixLen());
      }
    }
    plens = new int[lens.size()];
    keys = new int[lens.size()][];
    starts = new int[lens.size()][];
    int i = 0;
    for (int pi = 0; pi < plens.length; pi++) {
      plens[pi] = lens.get(pi);
      int runs = 0;
      int end = i;
      for (int j = i; j < routes.length && routes[j].prefixLen() == plens[pi]; j++) {
        if (j == i || routes[j].dst() != routes[j - 1].dst()) {
          runs++;
        }
        end = j + 1;
      }
      int cap = Integer.highestOneBit(Math.max(2, runs * 2 - 1)) << 1;
      keys[pi] = new int[cap];
      starts[pi] = new int[cap];
      for (int j = i; j < end; j++) {
        if (j == i || routes[j].dst() != routes[j - 1].dst()) {
          int slot = slot(routes[j].dst(), cap);
          while (starts[pi][slot] != 0) {
            slot = (slot + 1) & (cap - 1);
          }
          keys[pi][slot] = routes[j].dst();
          starts[pi][slot] = j + 1;
        }
      }
      i = end;
    }
  }

  private static int slot(int key, int cap) {
    int h = key * 0x9E3779B9;
    return (h ^ (h >>> 16)) & (cap - 1);
  }

  /** The number of distinct prefix lengths, longest first. */
  int prefixLengths() {
    return plens.length;
  }

  int prefixLength(int pi) {
    return plens[pi];
  }

  /** Index of the first route of prefix {@code daddr/plens[pi]}, or -1 if there is none. */
  int runStart(int pi, int daddr) {
    final int key = daddr & Inet4.mask(plens[pi]);
    final int[] k = keys[pi];
    final int[] s = starts[pi];
    final int mask = k.length - 1;
    for (int slot = slot(key, k.length); s[slot] != 0; slot = (slot + 1) & mask) {
      if (k[slot] == key) {
        return s[slot] - 1;
      }
    }
    return -1;
  }

  /** Whether route {@code i} still belongs to the run of prefix {@code key/plen} started at runStart. */
  boolean inRun(int i, int plen, int key) {
    return i < routes.length && routes[i].prefixLen() == plen && routes[i].dst() == key;
  }
}
