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
  private static final int SLOTS = 4096;

  private final HostModel host;
  private final int[] saddr = new int[SLOTS];
  private final int[] daddr = new int[SLOTS];
  private final int[] tos = new int[SLOTS];
  private final int[] mark = new int[SLOTS];
  /** Input device index + 1 (0 for an output lookup); -1 when the slot is empty. */
  private final int[] iif = new int[SLOTS];
  private final RouteResult[] results = new RouteResult[SLOTS];

  RouteCache(HostModel host) {
    this.host = host;
    java.util.Arrays.fill(iif, -1);
    for (int i = 0; i < SLOTS; i++) {
      results[i] = new RouteResult();
    }
  }

  /** host.route(into, s, d, tos, mark, in, null), answered from the cache when it can be. */
  RouteResult route(RouteResult into, int s, int d, int t, int m, NetInterface in) {
    final int dev = in == null ? 0 : in.index() + 1;
    int h = s * 0x9E3779B1 ^ d * 0x85EBCA77 ^ t * 0x27D4EB2F ^ m * 0x165667B1 ^ dev * 0xC2B2AE3D;
    h ^= h >>> 16;
    final int i = h & (SLOTS - 1);
    if (iif[i] != dev || saddr[i] != s || daddr[i] != d || tos[i] != t || mark[i] != m) {
      host.route(results[i], s, d, t, m, in, null);
      saddr[i] = s;
      daddr[i] = d;
      tos[i] = t;
      mark[i] = m;
      iif[i] = dev;
    }
    return into.copyFrom(results[i]);
  }
}
