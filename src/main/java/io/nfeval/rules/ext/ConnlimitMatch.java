package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;
import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m connlimit} ({@code xt_connlimit.c}): number of connections per address group. */
public final class ConnlimitMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("connlimit",
      List.of(invArg("connlimit-upto"), invArg("connlimit-above"), arg("connlimit-mask"),
          flag("connlimit-saddr"), flag("connlimit-daddr")),
      Map.of(), ConnlimitMatch::new);

  private final long limit;
  private final boolean above;
  private final int maskLen;
  private final boolean daddr;

  private ConnlimitMatch(Opts o, ExtContext c) {
    if (o.has("connlimit-upto") == o.has("connlimit-above")) {
      throw new ExtException("connlimit: exactly one of --connlimit-upto/--connlimit-above is required");
    }
    final String key = o.has("connlimit-upto") ? "connlimit-upto" : "connlimit-above";
    limit = Num.parseUnsigned(o.str(key), 0xffffffffL, key);
    above = key.equals("connlimit-above") != o.inv(key);
    maskLen = o.has("connlimit-mask") ? (int) Num.parseUnsigned(o.str("connlimit-mask"), 32, "mask") : 32;
    if (o.has("connlimit-saddr") && o.has("connlimit-daddr")) {
      throw new ExtException("connlimit: --connlimit-saddr and --connlimit-daddr are exclusive");
    }
    daddr = o.has("connlimit-daddr");
  }

  public long limit() { return limit; }
  /** True: match when the count is above the limit; false: up to it. */
  public boolean above() { return above; }
  public int maskLen() { return maskLen; }
  /** Group by destination address (else source). */
  public boolean daddr() { return daddr; }

  @Override
  public String name() {
    return "connlimit";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m connlimit").append(above ? " --connlimit-above " : " --connlimit-upto ").append(limit)
        .append(" --connlimit-mask ").append(maskLen).append(daddr ? " --connlimit-daddr" : " --connlimit-saddr");
  }

  // ---- evaluation (xt_connlimit.c connlimit_mt, nf_conncount.c) ---------------------------------

  /** ip_conntrack_info of a reply-direction packet (IP_CT_ESTABLISHED_REPLY, IP_CT_RELATED_REPLY). */
  private static final int CTINFO_ESTABLISHED_REPLY = 3;
  private static final int CTINFO_RELATED_REPLY = 4;

  /** IPS_CONFIRMED. */
  private static final int IPS_CONFIRMED = 1 << 3;

  /** CONNCOUNT_GC_MAX_COLLECT: evictions per list walk. */
  private static final int GC_MAX_COLLECT = 64;

  /** One saved connection ({@code struct nf_conncount_tuple}): its original tuple. */
  private record Tuple(int src, int dst, int proto, int ports, int zone) {}

  /** struct nf_conncount_list: the tuples counted under one key, and the last GC walk. */
  private static final class ConnList {
    final java.util.ArrayList<Tuple> conns = new java.util.ArrayList<>();
    long lastGc;
    int lastGcCount;
  }

  /** Per rule (info->data): key (masked address, zone) to its list. */
  @Override
  public Object newState() {
    return new IntTripleMap<ConnList>();
  }

  /**
   * connlimit_mt over nf_conncount as this kernel (6.18 stable) behaves, measured packet by packet
   * (src/test/kernel/scenarios/connlimit-walks): the key is the packet's masked source or destination
   * address and the zone; the tuple is the attached connection's tuple in the packet's direction (a
   * reply counts by its reply tuple), or the packet's own without a connection. A key seen for the
   * first time gets a list holding that tuple: count 1. For a known key:
   * <ul>
   *   <li>a packet in the original direction of a confirmed connection that is open walks the saved
   *       tuples from the oldest even in a jiffy that already had a walk (so the datagrams of one UDP
   *       flow never count it twice): gone or closed connections are dropped, and the walk ends at its
   *       own tuple, adding nothing (stale tuples saved after it still count; neither a full
   *       nf_conncount_gc_list nor no walk matches the kernel); not found, its tuple is appended;</li>
   *   <li>any other packet (a new connection's, a reply, one of a connection closed by a reset or
   *       killed, one without a connection) runs __nf_conncount_add: the same walk and append, but no
   *       walk in a jiffy that already had one (and fewer than 64 added since): then it is appended
   *       at once.</li>
   * </ul>
   * A saved tuple's connection is looked up in either direction (nf_conntrack_find_get). A replay runs
   * on one CPU, so find_or_evict's "not found but maybe being confirmed on another CPU" case never
   * arises. Only a saved tuple is allocated (once per counted connection, as the kernel allocates its
   * nf_conncount_tuple).
   */
  @Override
  @SuppressWarnings("unchecked")
  public boolean matches(PacketContext ctx) {
    final IntTripleMap<ConnList> lists = (IntTripleMap<ConnList>) ctx.matchState();
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int ctinfo = ctx.ctInfo();
    final int src;
    final int dst;
    final int proto;
    final int ports;
    final int zone;
    final boolean confirmed;
    final boolean reply = ctinfo == CTINFO_ESTABLISHED_REPLY || ctinfo == CTINFO_RELATED_REPLY;
    if (ctinfo >= 0 && ctinfo <= 4) {
      // the connection's tuple in the packet's direction (connlimit_mt: tuplehash[CTINFO2DIR(ctinfo)])
      zone = ctx.ctZone();
      src = reply ? ctx.ctReplSrc() : ctx.ctOrigSrc();
      dst = reply ? ctx.ctReplDst() : ctx.ctOrigDst();
      proto = ctx.ctProto();
      ports = reply ? ctx.ctReplSrcPort() << 16 | (ctx.ctReplDstPort() & 0xffff)
          : ctx.ctOrigSrcPort() << 16 | (ctx.ctOrigDstPort() & 0xffff);
      confirmed = (ctx.ctStatus() & IPS_CONFIRMED) != 0;
    } else {
      zone = 0;
      src = v.srcAddr();
      dst = v.dstAddr();
      proto = v.protocol();
      ports = (Math.max(0, v.srcPort()) << 16) | Math.max(0, v.dstPort());
      // no connection attached (INVALID, UNTRACKED): the packet's tuple is walked and appended like a
      // new connection's, even when some live entry has that tuple (connlimit-walks' fuzz, seed 3151)
      confirmed = false;
    }
    final int m = maskLen == 0 ? 0 : -1 << (32 - maskLen);
    final int addr = (daddr ? v.dstAddr() : v.srcAddr()) & m;
    final long now = ctx.jiffies() & 0xffffffffL;
    ConnList list = lists.get(addr, zone, 0);
    if (list == null) {
      list = new ConnList();
      list.conns.add(new Tuple(src, dst, proto, ports, zone));
      list.lastGc = now;
      lists.put(addr, zone, 0, list);
    } else {
      // only an open confirmed connection's original-direction packet skips the append (see above)
      add(ctx, list, src, dst, proto, ports, zone, now,
          confirmed && !reply && ctx.ctLookup(src, dst, proto, ports, zone) == PacketContext.CT_OPEN);
    }
    return (list.conns.size() > limit) == above;
  }

  /**
   * The walk and the append (see {@link #matches}). With {@code confirmed} (an open confirmed
   * connection's original-direction packet) it walks even in a jiffy that had a walk.
   */
  private static void add(PacketContext ctx, ConnList list, int src, int dst, int proto, int ports,
      int zone, long now, boolean confirmed) {
    final java.util.ArrayList<Tuple> conns = list.conns;
    if (confirmed || !(now == list.lastGc && conns.size() - list.lastGcCount < GC_MAX_COLLECT)) {
      int collect = 0;
      int i = 0;
      while (i < conns.size()) {
        if (collect > GC_MAX_COLLECT) {
          break;
        }
        final Tuple c = conns.get(i);
        final int st = ctx.ctLookup(c.src(), c.dst(), c.proto(), c.ports(), c.zone());
        if (st == PacketContext.CT_GONE) {
          // find_or_evict on the same CPU: evicted, even the unconfirmed connection being checked
          // (it is added again below).
          conns.remove(i);
          collect++;
          continue;
        }
        if (c.src() == src && c.dst() == dst && c.proto() == proto && c.ports() == ports
            && c.zone() == zone) {
          return;
        }
        if (st == PacketContext.CT_CLOSED) {
          conns.remove(i);
          collect++;
          continue;
        }
        i++;
      }
      list.lastGc = now;
      list.lastGcCount = conns.size();
    }
    conns.add(new Tuple(src, dst, proto, ports, zone));
  }
}
