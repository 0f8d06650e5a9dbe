package io.nfeval.ipset;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The run-time state of one ipset: membership test, and add/del for the SET target. Lookups allocate
 * nothing. Net types test prefix lengths from the most to the least specific present, as the kernel's
 * {@code mtype_test_cidrs} does; a matching {@code nomatch} entry answers "not a member".
 */
public final class IpSet {
  /** Lookup answers. */
  public static final int ABSENT = 0;
  public static final int MEMBER = 1;
  public static final int NOMATCH = -1;

  private final IpsetDef def;
  private final KeyTable table;
  private final Map<String, KeyTable> byIface;
  private final int[] cidrCount = new int[33];
  private final int[] cidr2Count = new int[33];
  private final List<String> members;
  private IpsetRegistry registry;

  IpSet(IpsetDef def, long startMillis) {
    this.def = def;
    this.table = new KeyTable();
    this.byIface = def.type() == SetType.HASH_NET_IFACE ? new HashMap<>() : null;
    this.members = new ArrayList<>();
    for (IpsetDef.Entry e : def.entries()) {
      final long exp = e.timeout() <= 0 ? KeyTable.never() : startMillis + e.timeout() * 1000;
      insert(e.lo(), e.hi(), e.cidr(), e.cidr2(), e.iface(), e.nomatch(), exp, true, Long.MIN_VALUE);
      if (def.counters() && (e.packets() != 0 || e.bytes() != 0) && def.type() != SetType.LIST_SET) {
        final KeyTable t = tableFor(e.iface(), false);
        t.initCounters(t.find(e.hi(), e.lo()), e.packets(), e.bytes());
      }
    }
  }

  void registry(IpsetRegistry r) {
    this.registry = r;
  }

  public IpsetDef def() {
    return def;
  }

  public String name() {
    return def.name();
  }

  public SetType type() {
    return def.type();
  }

  /** Number of live entries (expired ones included until deleted). */
  public int size() {
    return def.type() == SetType.LIST_SET ? members.size()
        : byIface != null ? byIface.values().stream().mapToInt(KeyTable::size).sum() : table.size();
  }

  private KeyTable tableFor(String iface, boolean create) {
    if (byIface == null) {
      return table;
    }
    return create ? byIface.computeIfAbsent(iface, k -> new KeyTable()) : byIface.get(iface);
  }

  private boolean insert(long lo, long hi, int cidr, int cidr2, String iface, boolean nomatch, long exp,
      boolean replace, long now) {
    if (def.type() == SetType.LIST_SET) {
      if (members.contains(iface)) {
        return false;
      }
      members.add(iface);
      return true;
    }
    final boolean added = tableFor(iface, true).put(hi, lo, exp, nomatch, replace, now);
    if (added) {
      cidrCount[cidr]++;
      cidr2Count[cidr2]++;
    }
    return added;
  }

  private static long mask(int cidr) {
    return cidr == 0 ? 0 : (0xffffffffL << (32 - cidr)) & 0xffffffffL;
  }

  private long hostAddr(int addr) {
    return addr & mask(def.netmask());
  }

  private static long ipPort(long ip, int proto, int port) {
    return ip | ((long) (proto & 0xff) << 32) | ((long) (port & 0xffff) << 40);
  }

  // The counter extension of the test in progress (ip_set_match_extensions): set by lookup().
  private boolean counting;
  private boolean countUpdate;
  private long countLen;
  private int packetsOp;
  private long packetsVal;
  private int bytesOp;
  private long bytesVal;

  /** IPSET_COUNTER_* comparisons (ip_set_match_counter). */
  public static final int COUNTER_NONE = 0;
  public static final int COUNTER_EQ = 1;
  public static final int COUNTER_NE = 2;
  public static final int COUNTER_LT = 3;
  public static final int COUNTER_GT = 4;

  /**
   * One element's answer at time {@code now}: absent or expired, else (in a set with counters) the
   * packet is counted on it unless {@code ! --update-counters}, and the match's counter conditions are
   * checked after the count, as ip_set_match_extensions does; a failed condition is no match here.
   */
  private int probe(KeyTable t, long hi, long lo, long now) {
    final int i = t.find(hi, lo);
    if (i < 0 || t.expired(i, now)) {
      return ABSENT;
    }
    if (counting) {
      if (countUpdate) {
        t.count(i, countLen);
      }
      if (!counterMatches(t.packets(i), packetsOp, packetsVal) || !counterMatches(t.bytes(i), bytesOp, bytesVal)) {
        return ABSENT;
      }
    }
    return t.nomatch(i) ? NOMATCH : MEMBER;
  }

  private static boolean counterMatches(long counter, int op, long v) {
    switch (op) {
      case COUNTER_EQ:
        return counter == v;
      case COUNTER_NE:
        return counter != v;
      case COUNTER_LT:
        return Long.compareUnsigned(counter, v) < 0;
      case COUNTER_GT:
        return Long.compareUnsigned(counter, v) > 0;
      default:
        return true;
    }
  }

  /**
   * ip_set_test of a packet of {@code len} bytes: as {@link #lookup(SetKey, long)}, and in a set with
   * {@code counters} the element found is counted ({@code update}) and must meet the counter conditions
   * ({@code COUNTER_*} operators). A list:set counts in its member sets (unless
   * {@code updateSubcounters} is false) and checks no conditions there.
   */
  public int lookup(SetKey k, long now, long len, boolean update, boolean updateSubcounters, int pOp,
      long pVal, int bOp, long bVal) {
    if (def.type() == SetType.LIST_SET) {
      for (String m : members) {
        final IpSet s = registry == null ? null : registry.get(m);
        if (s != null) {
          final int r = s.lookup(k, now, len, update && updateSubcounters, true, COUNTER_NONE, 0, COUNTER_NONE, 0);
          if (r != ABSENT) {
            return r;
          }
        }
      }
      return ABSENT;
    }
    counting = def.counters();
    countUpdate = update;
    countLen = len;
    packetsOp = pOp;
    packetsVal = pVal;
    bytesOp = bOp;
    bytesVal = bVal;
    try {
      return element(k, now);
    } finally {
      counting = false;
    }
  }

  /**
   * Tests the key at time {@code now} (ms, same clock as the start time), counting nothing. Returns
   * {@link #MEMBER}, {@link #ABSENT} or {@link #NOMATCH}.
   */
  public int lookup(SetKey k, long now) {
    return lookup(k, now, 0, false, false, COUNTER_NONE, 0, COUNTER_NONE, 0);
  }

  /** The element of a set that is not a list:set, with the counter extension {@link #lookup} set up. */
  private int element(SetKey k, long now) {
    if (def.inet6()) {
      return ABSENT;
    }
    final long a = k.addr & 0xffffffffL;
    switch (def.type()) {
      case HASH_IP:
        return probe(table, 0, hostAddr(k.addr), now);
      case BITMAP_IP:
        if (a < def.rangeMin() || a > def.rangeMax()) {
          return ABSENT;
        }
        return probe(table, 0, hostAddr(k.addr), now);
      case BITMAP_PORT:
        if (k.port < def.rangeMin() || k.port > def.rangeMax()) {
          return ABSENT;
        }
        return probe(table, 0, k.port, now);
      case HASH_MAC:
        return probe(table, 0, k.mac, now);
      case HASH_IP_PORT:
        return probe(table, 0, ipPort(a, k.proto, k.port), now);
      case HASH_IP_PORT_IP:
        return probe(table, k.addr2 & 0xffffffffL, ipPort(a, k.proto, k.port), now);
      case HASH_NET:
        for (int c = 32; c >= 0; c--) {
          if (cidrCount[c] > 0) {
            final int r = probe(table, 0, (a & mask(c)) | (long) c << 32, now);
            if (r != ABSENT) {
              return r;
            }
          }
        }
        return ABSENT;
      case HASH_NET_PORT:
        for (int c = 32; c >= 0; c--) {
          if (cidrCount[c] > 0) {
            final int r = probe(table, 0, ipPort(a & mask(c), k.proto, k.port) | (long) c << 56, now);
            if (r != ABSENT) {
              return r;
            }
          }
        }
        return ABSENT;
      case HASH_IP_PORT_NET:
        for (int c = 32; c >= 0; c--) {
          if (cidr2Count[c] > 0) {
            final long hi = ((k.addr2 & 0xffffffffL) & mask(c)) | (long) c << 32;
            final int r = probe(table, hi, ipPort(a, k.proto, k.port), now);
            if (r != ABSENT) {
              return r;
            }
          }
        }
        return ABSENT;
      case HASH_NET_IFACE: {
        final KeyTable t = k.iface == null ? null : byIface.get(k.iface);
        if (t == null) {
          return ABSENT;
        }
        for (int c = 32; c >= 0; c--) {
          if (cidrCount[c] > 0) {
            final int r = probe(t, 0, (a & mask(c)) | (long) c << 32, now);
            if (r != ABSENT) {
              return r;
            }
          }
        }
        return ABSENT;
      }
      default:
        return ABSENT;
    }
  }

  /** True when the key is a member (not absent, not a nomatch entry). */
  public boolean test(SetKey k, long now) {
    return lookup(k, now) == MEMBER;
  }

  /**
   * Adds the key as the SET target does (host entries: /32 nets). {@code timeoutSec} -1 uses the set's
   * default timeout. With {@code exist}, an existing entry's timeout is refreshed. Returns true if added.
   */
  public boolean add(SetKey k, long timeoutSec, boolean exist, long now) {
    return add(k, timeoutSec, exist, now, 0);
  }

  /**
   * The SET target's add of a packet of {@code len} bytes: in a set with counters, the element added (or
   * overwritten under --exist) starts counted with this packet (IP_SET_INIT_KEXT: 1 packet, skb->len
   * bytes; ip_set_init_counter).
   */
  public boolean add(SetKey k, long timeoutSec, boolean exist, long now, long len) {
    if (def.inet6() || def.type() == SetType.LIST_SET) {
      return false;
    }
    final long t = timeoutSec >= 0 ? timeoutSec : def.timeout();
    final long exp = t <= 0 ? KeyTable.never() : now + t * 1000;
    final long[] key = key(k);
    final boolean added = insert(key[1], key[0], (int) key[2], (int) key[3], k.iface, false, exp, exist, now);
    if (added && def.counters()) {
      final KeyTable tb = tableFor(k.iface, false);
      tb.initCounters(tb.find(key[0], key[1]), 1, len);
    }
    return added;
  }

  /** Deletes the key as the SET target does; returns true if it was present. */
  public boolean del(SetKey k) {
    if (def.inet6() || def.type() == SetType.LIST_SET) {
      return false;
    }
    final long[] key = key(k);
    final KeyTable t = tableFor(k.iface, false);
    if (t != null && t.remove(key[0], key[1])) {
      cidrCount[(int) key[2]]--;
      cidr2Count[(int) key[3]]--;
      return true;
    }
    return false;
  }

  /** {hi, lo, cidr, cidr2} of a host key. */
  private long[] key(SetKey k) {
    final long a = k.addr & 0xffffffffL;
    return switch (def.type()) {
      case HASH_IP, BITMAP_IP -> new long[] {0, hostAddr(k.addr), 32, 32};
      case BITMAP_PORT -> new long[] {0, k.port, 32, 32};
      case HASH_MAC -> new long[] {0, k.mac, 32, 32};
      case HASH_NET, HASH_NET_IFACE -> new long[] {0, a | 32L << 32, 32, 32};
      case HASH_IP_PORT -> new long[] {0, ipPort(a, k.proto, k.port), 32, 32};
      case HASH_NET_PORT -> new long[] {0, ipPort(a, k.proto, k.port) | 32L << 56, 32, 32};
      case HASH_IP_PORT_IP -> new long[] {k.addr2 & 0xffffffffL, ipPort(a, k.proto, k.port), 32, 32};
      case HASH_IP_PORT_NET -> new long[] {(k.addr2 & 0xffffffffL) | 32L << 32, ipPort(a, k.proto, k.port), 32,
          32};
      default -> new long[] {0, 0, 32, 32};
    };
  }
}
