package io.nfeval.bench;

import io.nfeval.conntrack.ConntrackTable;
import io.nfeval.conntrack.Ct;
import io.nfeval.conntrack.CtPacket;
import io.nfeval.conntrack.CtResult;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code ConntrackTable.lookupOrCreate} for packets of established connections (nf_conntrack_in's hash
 * lookup plus the protocol tracker): TCP pure ACKs (window tracking runs) and UDP datagrams, on a table
 * holding {@code flows} confirmed connections; each operation picks the next flow of a fixed pseudo-random
 * order, alternating directions. Nanoseconds per packet. The table (nf_conntrack_max 262144) is far larger
 * than the cache either way; {@code -p flows=250000} makes the live set so too, which is where the entry
 * layout ({@code ConntrackTable.bytesPerConnection}) decides the cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ConntrackBenchmark {
  @Param({"1000", "50000"})
  public int flows;

  @Param({"tcp", "udp"})
  public String proto;

  ConntrackTable table;
  final CtPacket p = new CtPacket();
  final CtResult r = new CtResult();
  int[] src;
  int[] dst;
  int[] sport;
  long[] cSeq;
  long[] sSeq;
  int[] order;
  int next;
  long now = 1_000_000_000L;

  @Setup
  public void setup() {
    table = new ConntrackTable(262_144);
    final Prng rnd = new Prng(42);
    src = new int[flows];
    dst = new int[flows];
    sport = new int[flows];
    cSeq = new long[flows];
    sSeq = new long[flows];
    final boolean tcp = proto.equals("tcp");
    for (int i = 0; i < flows; i++) {
      src[i] = 0x0a000000 | (i + 1);
      dst[i] = SitePolicy.goodNet(rnd, 32);
      sport[i] = 32768 + (i % 28000);
      cSeq[i] = rnd.nextLong() & 0xffffffffL;
      sSeq[i] = rnd.nextLong() & 0xffffffffL;
      if (tcp) {
        packet(i, false, 0x02, true);
        check(table.confirm(r.handle, now), i);
        cSeq[i] = (cSeq[i] + 1) & 0xffffffffL;
        packet(i, true, 0x12, true);
        sSeq[i] = (sSeq[i] + 1) & 0xffffffffL;
        packet(i, false, 0x10, false);
      } else {
        packet(i, false, 0, false);
        check(table.confirm(r.handle, now), i);
        packet(i, true, 0, false);
        packet(i, false, 0, false);
      }
      check(r.ctinfo == Ct.CTINFO_ESTABLISHED, i);
    }
    order = new int[1 << 20];
    for (int i = 0; i < order.length; i++) {
      order[i] = rnd.nextInt(flows);
    }
  }

  private static void check(boolean ok, int flow) {
    if (!ok) {
      throw new IllegalStateException("flow " + flow + " did not become established");
    }
  }

  /** Fills the packet of flow i (reply: server to client) and looks it up. */
  private void packet(int i, boolean reply, int flags, boolean syn) {
    final CtPacket c = p;
    c.l3 = 4;
    c.proto = proto.equals("tcp") ? 6 : 17;
    c.src = reply ? dst[i] : src[i];
    c.dst = reply ? src[i] : dst[i];
    c.sport = reply ? 443 : sport[i];
    c.dport = reply ? sport[i] : 443;
    c.hook = Ct.HOOK_PRE_ROUTING;
    c.timeNanos = now;
    c.l4ChecksumOk = true;
    if (c.proto == 6) {
      c.tcpFlags = flags;
      c.seq = reply ? sSeq[i] : cSeq[i];
      c.ack = (flags & 0x10) != 0 ? (reply ? cSeq[i] : sSeq[i]) : 0;
      c.window = syn ? 64240 : 502;
      c.tcpHdrLen = syn ? 32 : 20;
      c.wscale = syn ? 7 : -1;
      c.sackPerm = syn;
      c.datalen = 0;
      c.ipLen = 20 + c.tcpHdrLen;
    } else {
      c.datalen = 32;
      c.ipLen = 60;
    }
    table.lookupOrCreate(c, r);
  }

  @Benchmark
  public int lookupEstablished() {
    final int k = next++;
    final int i = order[k & (order.length - 1)];
    now += 10;
    packet(i, (k & 1) != 0, 0x10, false);
    return r.handle;
  }
}
