package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/**
 * {@code -m hashlimit} revision 3 ({@code xt_hashlimit.c}): a limit bucket per hash key (mode of
 * srcip/srcport/dstip/dstport). Packet rates are stored like {@link LimitMatch#avg()} but in 1/1000000 s;
 * byte rates ({@code 4kb/s}) keep their text.
 */
public final class HashlimitMatch implements Match {
  /** {@code XT_HASHLIMIT_SCALE_v2}. */
  public static final long SCALE = 1_000_000;
  public static final int MODE_SRCIP = 1;
  public static final int MODE_DSTIP = 1 << 1;
  public static final int MODE_SRCPORT = 1 << 2;
  public static final int MODE_DSTPORT = 1 << 3;

  public static final ExtSpec<Match> SPEC = new ExtSpec<>("hashlimit",
      List.of(arg("hashlimit-upto"), arg("hashlimit-above"), arg("hashlimit-burst"), arg("hashlimit-mode"),
          arg("hashlimit-name"), arg("hashlimit-htable-size"), arg("hashlimit-htable-max"),
          arg("hashlimit-htable-gcinterval"), arg("hashlimit-htable-expire"), arg("hashlimit-srcmask"),
          arg("hashlimit-dstmask"), flag("hashlimit-rate-match"), arg("hashlimit-rate-interval")),
      Map.of("hashlimit", "hashlimit-upto"), HashlimitMatch::new);

  private final boolean above;
  private final long avg;
  private final String byteRate;
  private final int burst;
  /** Byte mode: cfg.avg as libxt_hashlimit stores it (bytes_to_cost of the rate); 0 in packet mode. */
  private final long byteCost;
  /** Byte mode: cfg.burst, how many times an empty bucket may be refilled at once (0: none). */
  private final long byteRefills;
  private final int mode;
  private final String hashName;
  private final long size;
  private final long max;
  private final long gcInterval;
  private final long expire;
  private final int srcMask;
  private final int dstMask;
  private final boolean rateMatch;
  private final long rateInterval;

  private HashlimitMatch(Opts o, ExtContext c) {
    if (o.has("hashlimit-upto") == o.has("hashlimit-above")) {
      throw new ExtException("hashlimit: exactly one of --hashlimit-upto/--hashlimit-above is required");
    }
    o.require("hashlimit: --hashlimit-name is required", "hashlimit-name");
    above = o.has("hashlimit-above");
    final String rate = o.str(above ? "hashlimit-above" : "hashlimit-upto");
    if (rate.matches("(?i)\\d+[kmg]?b/s")) {
      byteRate = rate.toLowerCase(java.util.Locale.ROOT);
      avg = 0;
    } else {
      byteRate = null;
      avg = Rates.parse(rate, SCALE);
    }
    final String b = o.str("hashlimit-burst");
    if (byteRate != null) {
      burst = 0;
      byteCost = bytesToCost(bytesWithUnit(byteRate));
      if (b != null) {
        // hashlimit_mt_check: the burst in bytes becomes a number of whole rate quanta, rounded up
        final long bytes = bytesWithUnit(b);
        final long quantum = costToBytes(byteCost);
        if (bytes < quantum) {
          throw new ExtException("burst cannot be smaller than " + quantum + "b");
        }
        byteRefills = bytes / quantum + (bytes % quantum != 0 ? 1 : 0);
      } else {
        byteRefills = 0;
      }
    } else {
      burst = b == null ? 5 : (int) Num.parseUnsigned(b, 0xffffffffL, "burst");
      byteCost = 0;
      byteRefills = 0;
    }
    int m = 0;
    if (o.has("hashlimit-mode")) {
      for (String s : o.str("hashlimit-mode").split(",")) {
        m |= switch (s) {
          case "srcip" -> MODE_SRCIP;
          case "dstip" -> MODE_DSTIP;
          case "srcport" -> MODE_SRCPORT;
          case "dstport" -> MODE_DSTPORT;
          default -> throw new ExtException("bad --hashlimit-mode \"" + s + "\"");
        };
      }
    }
    mode = m;
    hashName = o.str("hashlimit-name");
    if (hashName.length() > 31) {
      throw new ExtException("hashlimit: name too long");
    }
    size = num(o, "hashlimit-htable-size", 0);
    max = num(o, "hashlimit-htable-max", 0);
    gcInterval = num(o, "hashlimit-htable-gcinterval", 1000);
    // without --hashlimit-htable-expire the table keeps the rate's unit as given (hashlimit_mt_check:
    // udata->mult), 15 s for a byte rate, 60 s for a byte rate with a burst
    expire = num(o, "hashlimit-htable-expire", byteRate != null ? printQuantum() : Rates.unitSeconds(rate) * 1000);
    srcMask = (int) num(o, "hashlimit-srcmask", 32);
    dstMask = (int) num(o, "hashlimit-dstmask", 32);
    if (srcMask > 32 || dstMask > 32) {
      throw new ExtException("hashlimit: mask must be 0..32");
    }
    rateMatch = o.has("hashlimit-rate-match");
    rateInterval = num(o, "hashlimit-rate-interval", 1);
  }

  /** The expire iptables-save leaves out: what {@code print_rate}/{@code print_bytes} return. */
  private long printQuantum() {
    if (byteRate != null) {
      return byteRefills == 0 ? 15_000 : 60_000;
    }
    return Rates.quantumMillis(avg, SCALE);
  }

  /**
   * parse_bytes / parse_burst: the leading number, times 1024 or 1048576 when a lowercase k or m follows it
   * (get_factor; a byte rate is {@code N[km]b/s} by the option's syntax).
   */
  private static long bytesWithUnit(String text) {
    int i = 0;
    long v = 0;
    while (i < text.length() && Character.isDigit(text.charAt(i))) {
      v = v * 10 + (text.charAt(i++) - '0');
    }
    if (i == 0) {
      throw new ExtException("bad value for option \"--hashlimit-burst\"");
    }
    final char unit = i < text.length() ? text.charAt(i) : 0;
    return v * (unit == 'm' ? 1 << 20 : unit == 'k' ? 1 << 10 : 1);
  }

  /** bytes_to_cost: UINT32_MAX / ((bytes >> 4) + 1), the >> 4 taken as a u32. */
  static long bytesToCost(long bytes) {
    final long r = (bytes >>> BYTE_SHIFT) & 0xffffffffL;
    return 0xffffffffL / (r + 1);
  }

  /** cost_to_bytes. */
  static long costToBytes(long cost) {
    final long r = cost != 0 ? 0xffffffffL / cost : 0xffffffffL;
    return (r - 1) << BYTE_SHIFT;
  }

  private static final long[] UNIT = {1 << 20, 1 << 10, 1};
  private static final String[] UNIT_NAME = {"m", "k", ""};

  /**
   * print_bytes: the stored cost back to bytes per second, in the largest unit that gives the same cost,
   * and the burst as refills times that rate, in the largest unit it reaches.
   */
  private void printBytes(StringBuilder sb) {
    long r = costToBytes(byteCost);
    int i;
    for (i = 0; i < UNIT.length - 1; i++) {
      if (r >= UNIT[i] && bytesToCost(r & ~(UNIT[i] - 1)) == byteCost) {
        break;
      }
    }
    sb.append(' ').append(r / UNIT[i]).append(UNIT_NAME[i]).append("b/s");
    if (byteRefills == 0) {
      return;
    }
    r *= byteRefills;
    for (i = 0; i < UNIT.length - 1; i++) {
      if (r >= UNIT[i]) {
        break;
      }
    }
    sb.append(" --hashlimit-burst ").append(r / UNIT[i]).append(UNIT_NAME[i]).append('b');
  }

  /** XT_HASHLIMIT_BYTE_SHIFT: bytes are charged in chunks of 16. */
  private static final int BYTE_SHIFT = 4;

  private static long num(Opts o, String n, long def) {
    return o.has(n) ? Num.parseUnsigned(o.str(n), 0xffffffffL, n) : def;
  }

  /** {@code --hashlimit-above} (match when over the rate) rather than {@code --hashlimit-upto}. */
  public boolean above() { return above; }
  /** Interval between packets in 1/1000000 s (packet mode); 0 in byte mode. */
  public long avg() { return avg; }
  /** Byte-mode rate text such as {@code 4kb/s}, or null in packet mode. */
  public String byteRate() { return byteRate; }
  public int burst() { return burst; }
  public int mode() { return mode; }
  public String hashName() { return hashName; }
  public long htableSize() { return size; }
  public long htableMax() { return max; }
  public long gcInterval() { return gcInterval; }
  /** Entry expiry in milliseconds. */
  public long expire() { return expire; }
  public int srcMask() { return srcMask; }
  public int dstMask() { return dstMask; }
  public boolean rateMatch() { return rateMatch; }
  public long rateInterval() { return rateInterval; }

  @Override
  public String name() {
    return "hashlimit";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m hashlimit").append(above ? " --hashlimit-above" : " --hashlimit-upto");
    if (byteRate != null) {
      printBytes(sb);
    } else {
      sb.append(' ').append(Rates.print(avg, SCALE));
      sb.append(" --hashlimit-burst ").append(burst);
    }
    if (mode != 0) {
      final StringBuilder m = new StringBuilder();
      if ((mode & MODE_SRCIP) != 0) {
        m.append(",srcip");
      }
      if ((mode & MODE_SRCPORT) != 0) {
        m.append(",srcport");
      }
      if ((mode & MODE_DSTIP) != 0) {
        m.append(",dstip");
      }
      if ((mode & MODE_DSTPORT) != 0) {
        m.append(",dstport");
      }
      sb.append(" --hashlimit-mode ").append(m.substring(1));
    }
    sb.append(" --hashlimit-name ").append(hashName);
    if (size != 0) {
      sb.append(" --hashlimit-htable-size ").append(size);
    }
    if (max != 0) {
      sb.append(" --hashlimit-htable-max ").append(max);
    }
    if (gcInterval != 1000) {
      sb.append(" --hashlimit-htable-gcinterval ").append(gcInterval);
    }
    if (expire != printQuantum()) {
      sb.append(" --hashlimit-htable-expire ").append(expire);
    }
    if (srcMask != 32) {
      sb.append(" --hashlimit-srcmask ").append(srcMask);
    }
    if (dstMask != 32) {
      sb.append(" --hashlimit-dstmask ").append(dstMask);
    }
    if (rateMatch) {
      sb.append(" --hashlimit-rate-match");
      if (rateInterval != 1) {
        sb.append(" --hashlimit-rate-interval ").append(rateInterval);
      }
    }
  }

  // ---- evaluation (xt_hashlimit.c hashlimit_mt_common, revision 3) ------------------------------

  /**
   * user2credits (revision &ge; 2): divide the constant operands first to avoid overflow; HZ and
   * CREDITS_PER_JIFFY ({@code POW2_BELOW64(~0ULL / (HZ*60*60*24))}) are the host's.
   */
  static long user2credits(long user, Jiffies j) {
    final long hzCpj = j.hz * j.hashlimitCreditsPerJiffy;
    if (Long.compareUnsigned(SCALE, hzCpj) >= 0) {
      return Long.divideUnsigned(user, Long.divideUnsigned(SCALE, hzCpj));
    }
    return user * Long.divideUnsigned(hzCpj, SCALE);
  }

  /** One {@code struct dsthash_ent}: its rate state and expiry (jiffies). */
  static final class Dst {
    long expires;
    long prev;
    long credit;
    long creditCap;
    long cost;
    long rate;
    long burst;
    long currentRate;
    boolean prevWindow;
  }

  /**
   * {@code struct xt_hashlimit_htable}: the config of the rule that created it, the host's tick rate
   * (which its credit arithmetic derives from), and its entries.
   */
  static final class Table {
    final HashlimitMatch cfg;
    final Jiffies ticks;
    final IntTripleMap<Dst> entries = new IntTripleMap<>();
    /** The key of the packet being looked up (hashlimit_init_dst's result); single writer. */
    int keySrc;
    int keyDst;
    int keyPorts;

    Table(HashlimitMatch cfg, Jiffies ticks) {
      this.cfg = cfg;
      this.ticks = ticks;
    }
  }

  /** Per rule: the named table, looked up once (as checkentry's htable_find_get). */
  static final class Ref {
    Table table;
  }

  @Override
  public Object newState() {
    return new Ref();
  }

  /**
   * hashlimit_mt_common: a bucket per key (masked addresses and ports picked by the mode) of the
   * table named {@code --hashlimit-name}, shared by every rule of that name with the configuration
   * of the rule that created it (the kernel: the first rule loaded; here: the first to see a packet).
   * A new bucket starts full, so the first {@code burst} packets of a key match; refill is
   * CREDITS_PER_JIFFY per elapsed jiffy up to the cap. An entry idle past {@code --hashlimit-htable-expire}
   * is forgotten (the kernel's garbage collector removes it within one gc interval after expiry; we
   * take it to be gone at expiry). In byte mode ({@code 4kb/s}) a bucket holds one second of credits, a
   * packet costs its 16-byte chunks, and the burst is a number of refills of an empty bucket.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final Ref ref = (Ref) ctx.matchState();
    Table t = ref.table;
    if (t == null) {
      final Jiffies ticks = ctx.ticks();
      t = (Table) ctx.sharedState("hashlimit:" + hashName, () -> new Table(this, ticks));
      ref.table = t;
    }
    final HashlimitMatch cfg = t.cfg;
    if (!cfg.key(ctx, t)) {
      ctx.hotdrop();
      return false;
    }
    final long now = ctx.jiffies();
    Dst d = t.entries.get(t.keySrc, t.keyDst, t.keyPorts);
    if (d != null && now - d.expires >= 0) {
      d = cfg.resetDst(d, now, t.ticks); // expired: a new bucket (the old entry's object is reused)
    } else if (d == null) {
      d = cfg.newDst(now, t.ticks);
      t.entries.put(t.keySrc, t.keyDst, t.keyPorts, d);
    } else {
      d.expires = now + t.ticks.fromMillis(cfg.expire);
      cfg.recalc(d, now, t.ticks);
    }
    // the bucket follows the table's configuration, the verdict this rule's (hashlimit_mt_common's cfg)
    final boolean bytes = byteRate != null;
    if (rateMatch) {
      d.currentRate += bytes ? ctx.length() : 1;
      if (!d.prevWindow && Long.compareUnsigned(d.currentRate, d.burst) <= 0) {
        return !above;
      }
      return above;
    }
    final long cost = bytes ? byteCost(ctx.length(), d, t.ticks) : d.cost;
    if (Long.compareUnsigned(d.credit, cost) >= 0) {
      d.credit -= cost;
      return !above;
    }
    return above;
  }

  /** A full byte-mode bucket: one second of credits, {@code CREDITS_PER_JIFFY_BYTES * HZ}. */
  private static long byteBucket(Jiffies j) {
    return j.hashlimitCreditsPerJiffyBytes * j.hz;
  }

  /** user2credits_byte: {@code (u32)((user * HZ * CREDITS_PER_JIFFY_BYTES) >> 32)}. */
  static long user2creditsByte(long user, Jiffies j) {
    return ((user * byteBucket(j)) >>> 32) & 0xffffffffL;
  }

  /**
   * hashlimit_byte_cost: 16-byte chunks of the packet times the cost per chunk, at most a full bucket;
   * a bucket too empty for the packet is refilled while refills (the burst) remain.
   */
  private static long byteCost(int len, Dst d, Jiffies j) {
    final long bucket = byteBucket(j);
    long tmp = ((len & 0xffffffffL) >>> BYTE_SHIFT) + 1;
    tmp = tmp * d.cost;
    if (Long.compareUnsigned(tmp, bucket) > 0) {
      tmp = bucket;
    }
    if (Long.compareUnsigned(d.credit, tmp) < 0 && d.creditCap != 0) {
      d.creditCap--;
      d.credit = bucket;
    }
    return tmp & 0xffffffffL;
  }

  /** rateinfo_init for packet mode (and rate-match mode). */
  private Dst newDst(long now, Jiffies j) {
    return resetDst(new Dst(), now, j);
  }

  private Dst resetDst(Dst d, long now, Jiffies j) {
    d.credit = 0;
    d.cost = 0;
    d.creditCap = 0;
    d.rate = 0;
    d.burst = 0;
    d.currentRate = 0;
    d.prevWindow = false;
    d.expires = now + j.fromMillis(expire);
    d.prev = now;
    if (rateMatch && byteRate != null) {
      // user2rate_bytes
      final long r = byteCost != 0 ? 0xffffffffL / byteCost : 0xffffffffL;
      d.rate = (r - 1) << BYTE_SHIFT;
      d.burst = byteRefills != 0 ? byteRefills * d.rate : d.rate;
    } else if (rateMatch) {
      d.rate = avg == 0 ? 0 : Long.divideUnsigned(SCALE, avg);
      d.burst = (burst & 0xFFFFFFFFL) + d.rate;
    } else if (byteRate != null) {
      d.credit = byteBucket(j);
      d.cost = user2creditsByte(byteCost, j);
      d.creditCap = byteRefills;
    } else {
      d.credit = user2credits(avg * (burst & 0xFFFFFFFFL), j);
      d.cost = user2credits(avg, j);
      d.creditCap = d.credit;
    }
    return d;
  }

  /** rateinfo_recalc for packet mode (and rate-match mode). */
  private void recalc(Dst d, long now, Jiffies j) {
    final long delta = now - d.prev;
    if (delta == 0) {
      return;
    }
    if (rateMatch) {
      final long interval = rateInterval * j.hz;
      if (Long.compareUnsigned(delta, interval) < 0) {
        return;
      }
      d.prev = now;
      d.prevWindow = Long.compareUnsigned(d.currentRate * interval, delta * d.rate) > 0;
      d.currentRate = 0;
      return;
    }
    d.prev = now;
    if (byteRate != null) {
      final long before = d.credit;
      final long bucket = byteBucket(j);
      d.credit += j.hashlimitCreditsPerJiffyBytes * delta;
      if (Long.compareUnsigned(before, d.credit) >= 0) {
        d.credit = bucket; // overflow
        return;
      }
      if (Long.compareUnsigned(d.credit, bucket) > 0) {
        d.credit = bucket;
      }
      return;
    }
    d.credit += delta * j.hashlimitCreditsPerJiffy;
    if (Long.compareUnsigned(d.credit, d.creditCap) > 0) {
      d.credit = d.creditCap;
    }
  }

  /**
   * hashlimit_init_dst: the bucket key ({@code struct dsthash_dst}) from the masked addresses and,
   * for tcp/udp/udplite/sctp/dccp/esp (AH: 4 bytes further), the ports, into the table's key fields;
   * false when the ports cannot be read (hot-drop).
   */
  private boolean key(PacketContext ctx, Table t) {
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int dst = (mode & MODE_DSTIP) != 0 ? maskl(v.dstAddr(), dstMask) : 0;
    final int src = (mode & MODE_SRCIP) != 0 ? maskl(v.srcAddr(), srcMask) : 0;
    int ports = 0;
    if ((mode & (MODE_SRCPORT | MODE_DSTPORT)) != 0) {
      final int proto = v.protocol();
      final int poff = switch (proto) {
        case 6, 17, 33, 50, 132, 136 -> 0;
        case 51 -> 4;
        default -> -1;
      };
      if (poff >= 0) {
        final int th = PacketBytes.thoff(v);
        final int sp = PacketBytes.u16(v, th + poff);
        final int dp = PacketBytes.u16(v, th + poff + 2);
        if (sp < 0 || dp < 0) {
          return false;
        }
        ports = ((mode & MODE_SRCPORT) != 0 ? sp << 16 : 0) | ((mode & MODE_DSTPORT) != 0 ? dp : 0);
      }
    }
    t.keySrc = src;
    t.keyDst = dst;
    t.keyPorts = ports;
    return true;
  }

  private static int maskl(int a, int l) {
    return l == 0 ? 0 : a & (-1 << (32 - l));
  }
}
