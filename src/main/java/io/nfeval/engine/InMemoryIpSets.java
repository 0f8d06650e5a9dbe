package io.nfeval.engine;

import io.nfeval.packet.PacketView;
import io.nfeval.rules.ext.PacketContext;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small {@link IpSetAccess} for tests and for runs without the ipset package: sets of type
 * {@code hash:ip}, {@code hash:ip,port}, {@code hash:net} (one prefix length per set) and the like,
 * declared by the kinds of their dimensions ({@code "ip"}, {@code "port"}). Elements carry an optional
 * timeout in packet time and a {@code nomatch} flag, and packet/byte counters. Not the ipset
 * package's data structures: a plain map keyed by the element's values.
 */
public final class InMemoryIpSets implements IpSetAccess {
  /** Dimension kinds. */
  public enum Kind { IP, PORT }

  private static final class Entry {
    long expiresNanos = Long.MAX_VALUE;
    boolean nomatch;
    long packets;
    long bytes;
  }

  private static final class IpSet {
    final Kind[] kinds;
    final int prefix;
    final long defaultTimeout;
    final Map<String, Entry> entries = new LinkedHashMap<>();

    IpSet(Kind[] kinds, int prefix, long defaultTimeout) {
      this.kinds = kinds;
      this.prefix = prefix;
      this.defaultTimeout = defaultTimeout;
    }
  }

  private final Map<String, IpSet> sets = new HashMap<>();

  /**
   * Declares a set. {@code prefix} masks IP dimensions (32 for hash:ip); {@code defaultTimeout}
   * seconds, 0 for none.
   */
  public void create(String name, int prefix, long defaultTimeout, Kind... kinds) {
    sets.put(name, new IpSet(kinds.clone(), prefix, defaultTimeout));
  }

  /** Adds an element given as its values (addresses as ints, ports as ints). */
  public void addElement(String name, boolean nomatch, int... values) {
    final IpSet s = sets.get(name);
    final Entry e = new Entry();
    e.nomatch = nomatch;
    s.entries.put(key(s, values), e);
  }

  /** Packets counted on an element, -1 when absent. */
  public long packets(String name, int... values) {
    final IpSet s = sets.get(name);
    final Entry e = s.entries.get(key(s, values));
    return e == null ? -1 : e.packets;
  }

  public boolean contains(String name, long nowNanos, int... values) {
    final IpSet s = sets.get(name);
    final Entry e = s.entries.get(key(s, values));
    return e != null && e.expiresNanos > nowNanos;
  }

  private static String key(IpSet s, int[] values) {
    final StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.kinds.length; i++) {
      int v = values[i];
      if (s.kinds[i] == Kind.IP && s.prefix < 32) {
        v &= s.prefix == 0 ? 0 : -1 << (32 - s.prefix);
      }
      sb.append(v).append(',');
    }
    return sb.toString();
  }

  /** The packet's element, or null when the set has more dimensions than given or no ports exist. */
  private static int[] element(IpSet s, PacketContext pkt, int srcFlags, int dims) {
    if (dims < s.kinds.length) {
      return null;
    }
    final PacketView v = pkt.ip();
    final int[] out = new int[s.kinds.length];
    for (int i = 0; i < out.length; i++) {
      final boolean src = (srcFlags & (1 << i)) != 0;
      if (s.kinds[i] == Kind.IP) {
        out[i] = src ? v.srcAddr() : v.dstAddr();
      } else {
        final int p = src ? v.srcPort() : v.dstPort();
        if (p < 0) {
          return null;
        }
        out[i] = p;
      }
    }
    return out;
  }

  @Override
  public int test(String set, PacketContext pkt, int srcFlags, int dims, boolean updateCounters) {
    final IpSet s = sets.get(set);
    if (s == null) {
      return PacketContext.IPSET_NO_SET;
    }
    final int[] el = element(s, pkt, srcFlags, dims);
    if (el == null) {
      return PacketContext.IPSET_NO;
    }
    final Entry e = s.entries.get(key(s, el));
    if (e == null || e.expiresNanos <= pkt.nowNanos()) {
      return PacketContext.IPSET_NO;
    }
    if (e.nomatch) {
      return PacketContext.IPSET_NOMATCH;
    }
    if (updateCounters) {
      e.packets++;
      e.bytes += pkt.length();
    }
    return PacketContext.IPSET_YES;
  }

  @Override
  public void add(String set, PacketContext pkt, int srcFlags, int dims, long timeout, boolean exist) {
    final IpSet s = sets.get(set);
    if (s == null) {
      return;
    }
    final int[] el = element(s, pkt, srcFlags, dims);
    if (el == null) {
      return;
    }
    final String k = key(s, el);
    Entry e = s.entries.get(k);
    final boolean live = e != null && e.expiresNanos > pkt.nowNanos();
    if (live && !exist) {
      return; // IPSET_ERR_EXIST: the existing element is left alone
    }
    if (!live) {
      e = new Entry();
      s.entries.put(k, e);
      // SET --add-set counts the adding packet on the new entry (KERNEL-NOTES).
      e.packets = 1;
      e.bytes = pkt.length();
    }
    final long t = timeout >= 0 ? timeout : s.defaultTimeout;
    e.expiresNanos = t == 0 ? Long.MAX_VALUE : pkt.nowNanos() + t * 1_000_000_000L;
  }

  @Override
  public void del(String set, PacketContext pkt, int srcFlags, int dims) {
    final IpSet s = sets.get(set);
    if (s == null) {
      return;
    }
    final int[] el = element(s, pkt, srcFlags, dims);
    if (el != null) {
      s.entries.remove(key(s, el));
    }
  }
}
