package io.nfeval.ipset;


/**
 * Open-addressing map from a 128-bit key (two longs) to an int slot, with per-slot expiry and counters;
 * the template is Agrona's primitive maps: no boxing, no allocation on lookup.
 */
final class KeyTable {
  private static final long NEVER = Long.MAX_VALUE;
  private long[] hi = new long[16];
  private long[] lo = new long[16];
  private byte[] used = new byte[16]; // 0 empty, 1 used, 2 deleted
  private long[] expires = new long[16];
  private long[] packets = new long[16];
  private long[] bytes = new long[16];
  private boolean[] nomatch = new boolean[16];
  private int size;
  private int filled;

  KeyTable copy() {
    final KeyTable t = new KeyTable();
    t.hi = hi.clone();
    t.lo = lo.clone();
    t.used = used.clone();
    t.expires = expires.clone();
    t.packets = packets.clone();
    t.bytes = bytes.clone();
    t.nomatch = nomatch.clone();
    t.size = size;
    t.filled = filled;
    return t;
  }

  int size() {
    return size;
  }

  private int index(long h, long l) {
    long x = h * 0x9E3779B97F4A7C15L ^ l * 0xC2B2AE3D27D4EB4FL;
    x ^= x >>> 29;
    return (int) x & (hi.length - 1);
  }

  /** Slot of the key or -1. */
  int find(long h, long l) {
    int i = index(h, l);
    while (used[i] != 0) {
      if (used[i] == 1 && hi[i] == h && lo[i] == l) {
        return i;
      }
      i = (i + 1) & (hi.length - 1);
    }
    return -1;
  }

  /** Adds or replaces; {@code expiresAt} NEVER = no timeout. Returns false if it existed and !replace. */
  boolean put(long h, long l, long expiresAt, boolean isNomatch, boolean replace, long now) {
    final int f = find(h, l);
    if (f >= 0) {
      if (expires[f] > now && !replace) {
        return false;
      }
      expires[f] = expiresAt;
      nomatch[f] = isNomatch;
      if (expires[f] <= now) {
        packets[f] = 0;
        bytes[f] = 0;
      }
      return true;
    }
    if ((filled + 1) * 2 > hi.length) {
      grow();
    }
    int i = index(h, l);
    while (used[i] == 1) {
      i = (i + 1) & (hi.length - 1);
    }
    if (used[i] == 0) {
      filled++;
    }
    used[i] = 1;
    hi[i] = h;
    lo[i] = l;
    expires[i] = expiresAt;
    nomatch[i] = isNomatch;
    packets[i] = 0;
    bytes[i] = 0;
    size++;
    return true;
  }

  boolean remove(long h, long l) {
    final int i = find(h, l);
    if (i < 0) {
      return false;
    }
    used[i] = 2;
    size--;
    return true;
  }

  boolean expired(int slot, long now) {
    return expires[slot] <= now;
  }

  boolean nomatch(int slot) {
    return nomatch[slot];
  }

  long bytes(int slot) {
    return bytes[slot];
  }

  /** Sets an element's counters (ip_set_init_counter: an add from a restore or the SET target). */
  void initCounters(int slot, long p, long b) {
    packets[slot] = p;
    bytes[slot] = b;
  }

  void count(int slot, long len) {
    packets[slot]++;
    bytes[slot] += len;
  }

  long packets(int slot) {
    return packets[slot];
  }

  private void grow() {
    final long[] oh = hi;
    final long[] ol = lo;
    final byte[] ou = used;
    final long[] oe = expires;
    final long[] op = packets;
    final long[] ob = bytes;
    final boolean[] on = nomatch;
    final int n = oh.length * 2;
    hi = new long[n];
    lo = new long[n];
    used = new byte[n];
    expires = new long[n];
    packets = new long[n];
    bytes = new long[n];
    nomatch = new boolean[n];
    size = 0;
    filled = 0;
    for (int i = 0; i < oh.length; i++) {
      if (ou[i] == 1) {
        put(oh[i], ol[i], oe[i], on[i], true, Long.MIN_VALUE);
        final int s = find(oh[i], ol[i]);
        packets[s] = op[i];
        bytes[s] = ob[i];
      }
    }
  }

  static long never() {
    return NEVER;
  }
}
