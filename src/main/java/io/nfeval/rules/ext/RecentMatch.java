package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;
import static io.nfeval.rules.ext.OptSpec.invFlag;

import java.util.List;
import java.util.Map;

/**
 * {@code -m recent} ({@code xt_recent.c}): a named list of recently seen addresses. Exactly one of
 * --set/--rcheck/--update/--remove; default name DEFAULT, mask /32, side source.
 */
public final class RecentMatch implements Match {
  /** The command. */
  public enum Mode { SET, RCHECK, UPDATE, REMOVE }

  public static final ExtSpec<Match> SPEC = new ExtSpec<>("recent",
      List.of(invFlag("set"), invFlag("rcheck"), invFlag("update"), invFlag("remove"), arg("seconds"),
          flag("reap"), arg("hitcount"), flag("rttl"), arg("name"), arg("mask"), flag("rsource"),
          flag("rdest")),
      Map.of(), RecentMatch::new);

  private final Mode mode;
  private final boolean invert;
  private final long seconds;
  private final boolean reap;
  private final long hitcount;
  private final boolean rttl;
  private final String listName;
  private final int mask;
  private final boolean rdest;

  private RecentMatch(Opts o, ExtContext c) {
    int n = 0;
    Mode m = null;
    for (Mode x : Mode.values()) {
      if (o.has(x.name().toLowerCase(java.util.Locale.ROOT))) {
        n++;
        m = x;
      }
    }
    if (n != 1) {
      throw new ExtException("recent: you must specify exactly one of --set, --rcheck, --update, --remove");
    }
    mode = m;
    invert = o.inv(m.name().toLowerCase(java.util.Locale.ROOT));
    seconds = o.has("seconds") ? Num.parseUnsigned(o.str("seconds"), 0xffffffffL, "seconds") : 0;
    reap = o.has("reap");
    if (reap && seconds == 0) {
      throw new ExtException("recent: --reap requires --seconds");
    }
    hitcount = o.has("hitcount") ? Num.parseUnsigned(o.str("hitcount"), 65535, "hitcount") : 0;
    rttl = o.has("rttl");
    if (rttl && mode != Mode.RCHECK && mode != Mode.UPDATE) {
      throw new ExtException("recent: --rttl only works with --rcheck or --update");
    }
    if ((seconds != 0 || hitcount != 0) && mode != Mode.RCHECK && mode != Mode.UPDATE) {
      throw new ExtException("recent: --seconds/--hitcount only work with --rcheck or --update");
    }
    listName = o.has("name") ? o.str("name") : "DEFAULT";
    if (listName.isEmpty() || listName.length() > 199) {
      throw new ExtException("recent: bad name");
    }
    mask = o.has("mask") ? Num.ipv4(o.str("mask")) : -1;
    if (o.has("rsource") && o.has("rdest")) {
      throw new ExtException("recent: only one of --rsource and --rdest");
    }
    rdest = o.has("rdest");
  }

  public Mode mode() { return mode; }
  public boolean invert() { return invert; }
  public long seconds() { return seconds; }
  public boolean reap() { return reap; }
  public long hitcount() { return hitcount; }
  public boolean rttl() { return rttl; }
  public String listName() { return listName; }
  public int mask() { return mask; }
  /** True: destination address ({@code --rdest}); false: source ({@code --rsource}). */
  public boolean rdest() { return rdest; }

  @Override
  public String name() {
    return "recent";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m recent");
    Save.opt(sb, invert, mode.name().toLowerCase(java.util.Locale.ROOT));
    if (seconds != 0) {
      sb.append(" --seconds ").append(seconds);
    }
    if (reap) {
      sb.append(" --reap");
    }
    if (hitcount != 0) {
      sb.append(" --hitcount ").append(hitcount);
    }
    if (rttl) {
      sb.append(" --rttl");
    }
    sb.append(" --name ").append(listName).append(" --mask ").append(Num.ipv4(mask))
        .append(rdest ? " --rdest" : " --rsource");
  }

  // ---- evaluation (xt_recent.c recent_mt, revision 1) -------------------------------------------

  /** ip_list_tot: addresses remembered per table (LRU beyond). */
  static final int IP_LIST_TOT = 100;

  /** struct recent_entry: one address, its TTL and a ring of time stamps (jiffies). */
  static final class Entry {
    int ttl;
    int index;
    int nstamps;
    long[] stamps;
  }

  /**
   * struct recent_table, shared by every rule of the same --name: the mask of the rule that created
   * it, the ring size (nstamps_max_mask: the largest any rule needs), and at most ip_list_tot entries
   * with their LRU order. Held in fixed arrays (entries are reused on eviction): the match allocates
   * nothing per packet.
   */
  static final class Table {
    final int mask;
    int nstampsMask;
    final int[] addrs = new int[IP_LIST_TOT];
    final Entry[] slots = new Entry[IP_LIST_TOT];
    /** Last-use sequence per slot: the smallest is the LRU head. */
    final long[] used = new long[IP_LIST_TOT];
    int size;
    long clock;

    Table(int mask) {
      this.mask = mask;
    }

    int find(int addr) {
      for (int i = 0; i < size; i++) {
        if (addrs[i] == addr) {
          return i;
        }
      }
      return -1;
    }

    /** The LRU head, or -1 when empty. */
    int oldest() {
      int best = -1;
      for (int i = 0; i < size; i++) {
        if (best < 0 || used[i] < used[best]) {
          best = i;
        }
      }
      return best;
    }

    void touch(int i) {
      used[i] = ++clock;
    }

    void removeAt(int i) {
      final int last = --size;
      final Entry e = slots[i];
      addrs[i] = addrs[last];
      slots[i] = slots[last];
      used[i] = used[last];
      slots[last] = e; // keep the object for reuse
    }

    /** A fresh entry for {@code addr} at the LRU tail (the LRU head is evicted when full). */
    Entry add(int addr) {
      if (size == IP_LIST_TOT) {
        removeAt(oldest());
      }
      final int i = size++;
      Entry e = slots[i];
      if (e == null) {
        e = new Entry();
        slots[i] = e;
      }
      if (e.stamps == null || e.stamps.length < nstampsMask + 1) {
        e.stamps = new long[nstampsMask + 1];
      }
      addrs[i] = addr;
      touch(i);
      return e;
    }
  }

  /** Per rule: the named table, looked up once (the kernel's checkentry does the same). */
  static final class Ref {
    Table table;
  }

  @Override
  public Object newState() {
    return new Ref();
  }

  /**
   * nstamp_mask of recent_mt_check (ip_pkt_list_tot is 0 by default): {@code
   * roundup_pow_of_two(hitcount) - 1}, or 31 without --hitcount.
   */
  private int nstampMask() {
    if (hitcount == 0) {
      return 31;
    }
    final int n = (int) hitcount;
    return (n == 1 ? 1 : Integer.highestOneBit(n - 1) << 1) - 1;
  }

  /**
   * recent_mt: the (masked) source or destination address is looked up (with --rttl also the TTL,
   * taken as before forwarding). Missing: only --set creates it and matches. --set matches,
   * --remove deletes and matches, --rcheck/--update match when the entry has {@code hitcount} stamps
   * within {@code seconds} (any stamp without --hitcount); --reap then drops the oldest entry if
   * stale. --set, and --update only when the rule matched, record a stamp.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final Ref ref = (Ref) ctx.matchState();
    Table t = ref.table;
    if (t == null) {
      t = (Table) ctx.sharedState("recent:" + listName, () -> new Table(mask));
      ref.table = t;
    }
    final int need = nstampMask();
    if (need > t.nstampsMask) {
      t.nstampsMask = need;
    }
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int addr = (rdest ? v.dstAddr() : v.srcAddr()) & t.mask;
    int ttl = v.ttl();
    if (ctx.outIface() != null && ctx.inIface() != null) {
      ttl = (ttl + 1) & 0xff; // forwarded: skb->sk == NULL and an output device
    }
    final long now = ctx.jiffies();
    boolean ret = invert;
    int slot = t.find(addr);
    Entry e = slot < 0 ? null : t.slots[slot];
    if (e != null && rttl && !(ttl == e.ttl || ttl == 0 || e.ttl == 0)) {
      e = null;
    }
    if (e == null) {
      if (mode != Mode.SET) {
        return ret;
      }
      e = t.add(addr);
      e.ttl = ttl;
      e.stamps[0] = now;
      e.nstamps = 1;
      e.index = 1;
      return !ret;
    }
    if (mode == Mode.SET) {
      ret = !ret;
    } else if (mode == Mode.REMOVE) {
      t.removeAt(slot);
      return !ret;
    } else {
      final long time = now - seconds * ctx.ticks().hz;
      int hits = 0;
      for (int i = 0; i < e.nstamps; i++) {
        if (seconds != 0 && time - e.stamps[i] > 0) {
          continue;
        }
        if (hitcount == 0 || ++hits >= hitcount) {
          ret = !ret;
          break;
        }
      }
      if (reap) {
        reapOldest(t, time);
        slot = t.find(addr);
      }
    }
    if (mode == Mode.SET || (mode == Mode.UPDATE && ret)) {
      if (slot >= 0) {
        update(t, slot, e, now);
        e.ttl = ttl;
      }
    }
    return ret;
  }

  /** recent_entry_update: next ring slot, and the entry moves to the LRU tail. */
  private static void update(Table t, int slot, Entry e, long now) {
    if (e.stamps.length < t.nstampsMask + 1) {
      e.stamps = java.util.Arrays.copyOf(e.stamps, t.nstampsMask + 1);
    }
    e.index &= t.nstampsMask;
    e.stamps[e.index++] = now;
    if (e.index > e.nstamps) {
      e.nstamps = e.index;
    }
    t.touch(slot);
  }

  /** recent_entry_reap: the LRU head goes when its newest stamp is older than {@code time}. */
  private static void reapOldest(Table t, long time) {
    final int head = t.oldest();
    if (head < 0) {
      return;
    }
    final Entry e = t.slots[head];
    final long newest = e.stamps[e.index - 1];
    if (time - newest > 0) {
      t.removeAt(head);
    }
  }
}
