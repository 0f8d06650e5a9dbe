package io.nfeval.engine;

import io.nfeval.host.HostModel;
import io.nfeval.host.NetInterface;
import io.nfeval.host.RouteResult;

/**
 * A direct-mapped cache of routing decisions. The host model is immutable for a run, so a decision
 * depends only on its inputs (source, destination, TOS, mark, input device): the kernel caches them
 * too (nexthop dst caches), and a flow's packets all ask the same question. Allocation-free after
 * the slots are made.
 */
final class RouteCache {
  /** Slots: enough for the host pairs of tens of thousands of concurrent flows. */
  private static final int SLOTS = 1 << 16;
  /** Ints per slot in {@link #keys}: source, destination, TOS, mark, input device + 1 (-1: empty). */
  private static final int STRIDE = 8;

  private final HostModel host;
  /** The keys of a slot side by side: one cache line per probe (a key spread over arrays costs five). */
  private final int[] keys = new int[SLOTS * STRIDE];
  private final RouteResult[] results = new RouteResult[SLOTS];

  RouteCache(HostModel host) {
    this.host = host;
    for (int i = 0; i < SLOTS; i++) {
      keys[i * STRIDE + 4] = -1;
      results[i] = new RouteResult();
    }
  }

  /** host.route(into, s, d, tos, mark, in, null), answered from the cache when it can be. */
  RouteResult route(RouteResult into, int s, int d, int t, int m, NetInterface in) {
    final int dev = in == null ? 0 : in.index() + 1;
    int h = s * 0x9E3779B1 ^ d * 0x85EBCA77 ^ t * 0x27D4EB2F ^ m * 0x165667B1 ^ dev * 0xC2B2AE3D;
    h ^= h >>> 16;
    final int i = h & (SLOTS - 1);
    final int k = i * STRIDE;
    final int[] key = keys;
    if (key[k + 4] != dev || key[k] != s || key[k + 1] != d || key[k + 2] != t || key[k + 3] != m) {
      host.route(results[i], s, d, t, m, in, null);
      key[k] = s;
      key[k + 1] = d;
      key[k + 2] = t;
      key[k + 3] = m;
      key[k + 4] = dev;
    }
    return into.copyFrom(results[i]);
  }
}
