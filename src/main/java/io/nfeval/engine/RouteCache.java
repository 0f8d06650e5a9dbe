package io.nfeval.engine;

import io.nfeval.host.HostModel;
import io.nfeval.host.NetInterface;
import io.nfeval.host.RouteResult;

/**
 * A direct-mapped cache of routing decisions. The host model is immutable for a run, so a decision
 * depends only on its inputs (source, destination, TOS, mark, input device): the kernel caches them
 * too (nexthop dst caches), and a flow's packets all ask the same question. A slot holds its key and
 * the index of its decision in a small pool of distinct decisions (a host has few: one per route and
 * outcome), so a hit reads one cache line of keys and a pool entry that stays in cache.
 * Decisions are handed out as the pool's own objects, never changed once pooled (a full pool is
 * dropped, not overwritten), so callers may keep them for the packet and beyond without a copy.
 * Allocation-free after warm-up.
 */
final class RouteCache {
  /** Slots: 2 MB of keys, so a hit stays in the L2 cache (a 256k-slot table missed to L3 on every hit). */
  private static final int SLOTS = 1 << 16;
  /**
   * Slots of a cache whose lines are prefetched before each lookup (evaluators sharing packets, see
   * Replayer#prefetch): 16 MB of keys. On 10M packets with 385,172 flows, one evaluator's share missed
   * 42% of lookups with 64k slots and 16% with 512k (a miss computes the route in full, about 150 ns).
   */
  static final int PREFETCHED_SLOTS = 1 << 19;

  private final int slots;
  /**
   * Ints per slot in {@link #keys}: source, destination, TOS, mark, input device + 2 (0: empty, so that a
   * new table is empty as the JVM hands it over, without a pass over its megabytes), pool index.
   */
  private static final int STRIDE = 8;
  /** Distinct decisions kept; when full, the cache starts over (never seen on real hosts). */
  private static final int POOL = 4096;

  private final HostModel host;
  private final int[] keys;
  /** Distinct decisions, immutable once here. */
  private final RouteResult[] pool = new RouteResult[POOL];
  private int pooled;
  /** Open-addressing index over the pool (pool index + 1; 0 empty), twice its size. */
  private final int[] poolIndex = new int[2 * POOL];
  private final RouteResult scratch = new RouteResult();

  /**
   * Per connection direction ({@code 2*handle + dir}, two ints each): the decision its packets got,
   * as {@code MEMO_VALID | tos << 16 | pool index} and the input device index + 1. For the packets of
   * one direction of a connection the addresses routing sees are fixed (the NAT binding applies to
   * all of them), so only TOS and device need checking; the entry's line is prefetched with the
   * conntrack entry, where the shared table above would miss once its keys no longer fit in cache.
   */
  private int[] memo = EMPTY;
  private final int connections;
  private static final int[] EMPTY = new int[0];
  private static final int MEMO_VALID = 0x80000000;

  RouteCache(HostModel host, int connections) {
    this(host, connections, SLOTS);
  }

  /** With {@code slots} slots (a power of two). */
  RouteCache(HostModel host, int connections, int slots) {
    if (Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException("slots must be a power of two: " + slots);
    }
    this.host = host;
    this.slots = slots;
    this.keys = new int[slots * STRIDE];
    this.connections = Math.max(1, connections);
  }

  /** The pool is full: start over (never seen on real hosts). */
  private void clear() {
    java.util.Arrays.fill(keys, 0);
    pooled = 0;
    java.util.Arrays.fill(pool, null); // handed-out decisions stay as they are
    java.util.Arrays.fill(poolIndex, 0);
    java.util.Arrays.fill(memo, 0);
  }

  /**
   * The per-connection memo, allocated when a connection first routes through it: a replay without
   * conntrack never does (4 ints per conntrack slot, megabytes on a host with a large nf_conntrack_max).
   */
  private int[] memo() {
    int[] m = memo;
    if (m.length == 0) {
      m = memo = new int[4 * connections];
    }
    return m;
  }

  /**
   * {@link #route} for a packet of connection direction {@code ref} ({@code 2*handle + dir}) whose
   * addresses are those of every packet of that direction (see {@link #memo}), with mark 0.
   */
  RouteResult routeOf(int ref, int s, int d, int t, NetInterface in) {
    final int dev = in == null ? 0 : in.index() + 1;
    final int k = 2 * ref;
    final int[] memo = memo();
    final int m = memo[k];
    if ((m & MEMO_VALID) != 0 && ((m >>> 16) & 0xff) == t && memo[k + 1] == dev) {
      return pool[m & 0xffff];
    }
    final int p = lookup(s, d, t, 0, in);
    memo[k] = MEMO_VALID | (t & 0xff) << 16 | p;
    memo[k + 1] = dev;
    return pool[p];
  }

  /** A new connection took handle {@code handle}: its directions start without a decision. */
  void forget(int handle) {
    final int k = 4 * handle;
    final int[] memo = this.memo;
    if (memo.length != 0) {
      memo[k] = 0;
      memo[k + 2] = 0;
    }
  }

  /** Reads what {@link #routeOf} will read for {@code ref} (a prefetch; see ConntrackTable#touch). */
  int touch(int ref) {
    final int[] memo = this.memo;
    return memo.length != 0 ? memo[2 * ref] : 0;
  }

  /**
   * host.route(r, s, d, tos, mark, in, null), answered from the cache when it can be. The result is
   * shared and immutable: read it, do not change it.
   */
  RouteResult route(int s, int d, int t, int m, NetInterface in) {
    return pool[lookup(s, d, t, m, in)];
  }

  /**
   * Where a cache of {@code slots} slots keeps the decision for these inputs (the same in every cache
   * of that size): for {@link #touchKey}.
   */
  static int keyOf(int slots, int s, int d, int t, int m, NetInterface in) {
    final int dev = in == null ? 0 : in.index() + 1;
    int h = s * 0x9E3779B1 ^ d * 0x85EBCA77 ^ t * 0x27D4EB2F ^ m * 0x165667B1 ^ dev * 0xC2B2AE3D;
    h ^= h >>> 16;
    return (h & (slots - 1)) * STRIDE;
  }

  /** Reads the key line {@link #route} will read for a {@link #keyOf} (a prefetch). */
  int touchKey(int k) {
    return keys[k];
  }

  /** The pool index of the decision for these inputs, computed on a miss. */
  private int lookup(int s, int d, int t, int m, NetInterface in) {
    final int dev = in == null ? 0 : in.index() + 1;
    final int k = keyOf(slots, s, d, t, m, in);
    final int[] key = keys;
    if (key[k + 4] == dev + 2 && key[k] == s && key[k + 1] == d && key[k + 2] == t && key[k + 3] == m) {
      return key[k + 5];
    }
    host.route(scratch, s, d, t, m, in, null);
    int p = indexOf(scratch);
    if (p < 0) {
      if (pooled == POOL) {
        clear();
      }
      p = pooled++;
      pool[p] = new RouteResult().copyFrom(scratch); // once per distinct decision
      int i = poolSlot(scratch);
      while (poolIndex[i] != 0) {
        i = (i + 1) & (poolIndex.length - 1);
      }
      poolIndex[i] = p + 1;
    }
    key[k] = s;
    key[k + 1] = d;
    key[k + 2] = t;
    key[k + 3] = m;
    key[k + 4] = dev + 2;
    key[k + 5] = p;
    return p;
  }

  private int indexOf(RouteResult r) {
    for (int i = poolSlot(r); poolIndex[i] != 0; i = (i + 1) & (poolIndex.length - 1)) {
      if (pool[poolIndex[i] - 1].sameAs(r)) {
        return poolIndex[i] - 1;
      }
    }
    return -1;
  }

  private int poolSlot(RouteResult r) {
    int h = r.hashOfFields() * 0x9E3779B1;
    h ^= h >>> 16;
    return h & (poolIndex.length - 1);
  }
}
