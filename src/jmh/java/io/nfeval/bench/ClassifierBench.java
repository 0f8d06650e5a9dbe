package io.nfeval.bench;

import io.nfeval.engine.Disposition;
import io.nfeval.engine.Engine;
import io.nfeval.engine.classify.CandidateCursor;
import io.nfeval.engine.classify.TableClassifier;
import io.nfeval.host.HostModel;
import io.nfeval.host.NetInterface;
import io.nfeval.ipset.IpsetRegistry;
import io.nfeval.packet.LinkType;
import io.nfeval.packet.PacketView;
import io.nfeval.packet.PacketWriter;
import io.nfeval.rules.Chain;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.Rule;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.RulesetParser;
import io.nfeval.rules.Table;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-packet cost of the filter table as its rule count grows, with the candidate classifier
 * (engine.classify) and with the plain reference walk of ipt_do_table.
 *
 * <p>FORWARD holds {@code rules} rules {@code -s 10.a.b.0/24 -d 172.16.0.0/16 -p tcp -m tcp --dport N
 * -j ACCEPT}, then near the end {@code -s 198.51.100.7/32 -p tcp -j ACCEPT}; the policy is DROP. One
 * packet in 16 comes from 198.51.100.7 (matched near the end); the others match no rule and meet
 * the policy. Packets arrive on eth0 and are routed out of eth1; no rule needs conntrack.
 *
 * <p>{@code forward}: the whole engine per packet (copy into the skb, routing, the table).
 * {@code candidatesOnly}: just the classifier's walk for one packet (keys, lookups, candidates to the
 * chain end), without the full rule checks.
 *
 * <p>Run: {@code mvn -B -q -o -Pjmh -DskipTests package} then
 * {@code java -cp target/classes:$(cat cp.txt) org.openjdk.jmh.Main ClassifierBench} with cp.txt from
 * {@code mvn -B -q -o -Pjmh dependency:build-classpath -Dmdep.outputFile=cp.txt}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ClassifierBench {
  @Param({"10", "100", "1000", "10000"})
  public int rules;

  @Param({"true", "false"})
  public boolean classify;

  private static final int PACKETS = 256;

  private Engine engine;
  private NetInterface eth0;
  private PacketView[] packets;
  private int next;
  private long index;

  private TableClassifier classifier;
  private final CandidateCursor cursor = new CandidateCursor();
  private int forwardStart;
  private int forwardEnd;
  private int[] saddr;
  private int[] dport;

  static final String HOST = "{\"interfaces\":["
      + "{\"name\":\"lo\",\"flags\":[\"LOOPBACK\",\"UP\",\"LOWER_UP\"],\"addresses\":[\"127.0.0.1/8\"]},"
      + "{\"name\":\"eth0\",\"addresses\":[\"192.0.2.1/24\"]},"
      + "{\"name\":\"eth1\",\"addresses\":[\"172.16.0.1/16\"]}],"
      + "\"routes\":[{\"dst\":\"default\",\"gateway\":\"192.0.2.254\",\"dev\":\"eth0\"}],"
      + "\"sysctl\":{\"net.ipv4.ip_forward\":1}}";

  /** The ruleset: {@code n} simple rules, the one that matches, and a few after it. */
  static String ruleset(int n) {
    final StringBuilder sb = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n"
        + ":OUTPUT ACCEPT [0:0]\n");
    for (int i = 0; i < n; i++) {
      if (i == n - 3) {
        sb.append("-A FORWARD -s 198.51.100.7/32 -p tcp -j ACCEPT\n");
      }
      sb.append("-A FORWARD -s 10.").append(i >> 8 & 255).append('.').append(i & 255)
          .append(".0/24 -d 172.16.0.0/16 -p tcp -m tcp --dport ").append(1000 + i % 5000)
          .append(" -j ACCEPT\n");
    }
    return sb.append("COMMIT\n").toString();
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    final Path dir = Files.createTempDirectory("nfeval-bench");
    final Path h = dir.resolve("host.json");
    Files.writeString(h, HOST);
    final HostModel host = HostModel.fromDescription(h);
    final Ruleset rs = RulesetParser.parse(ruleset(rules), "bench.rules", ParseOptions.DEFAULT);
    final Engine.Options o = new Engine.Options();
    o.classify = classify;
    engine = new Engine(rs, host, new IpsetRegistry(List.of()), o);
    eth0 = host.byName("eth0");
    packets = new PacketView[PACKETS];
    saddr = new int[PACKETS];
    dport = new int[PACKETS];
    final java.util.Random rnd = new java.util.Random(42);
    for (int i = 0; i < PACKETS; i++) {
      // 203.0.113.x (no rule's source) or, one in 16, the host matched near the end.
      saddr[i] = i % 16 == 0 ? 0xc6336407 : 0xcb007100 | rnd.nextInt(256);
      dport[i] = 1000 + rnd.nextInt(5000);
      packets[i] = tcp(saddr[i], 0xac100000 | rnd.nextInt(65536), 40000 + i, dport[i]);
    }
    // The classifier alone, over the same FORWARD chain.
    final Table t = rs.table("filter");
    final List<Chain> chains = t.chains();
    int n = 0;
    for (Chain c : chains) {
      n += c.rules().size() + 1;
    }
    final Rule[] entries = new Rule[n];
    final int[] start = new int[chains.size()];
    final int[] end = new int[chains.size()];
    int e = 0;
    for (int c = 0; c < chains.size(); c++) {
      start[c] = e;
      for (Rule r : chains.get(c).rules()) {
        entries[e++] = r;
      }
      end[c] = e++;
      if (chains.get(c).name().equals("FORWARD")) {
        forwardStart = start[c];
        forwardEnd = end[c];
      }
    }
    classifier = TableClassifier.build(entries, start, end);
  }

  @Benchmark
  public Disposition forward() {
    final int i = next++ & (PACKETS - 1);
    return engine.arrive(packets[i], eth0, index, index++);
  }

  /** Candidates of FORWARD for one packet, without checking them (the classifier's own cost). */
  @Benchmark
  public int candidatesOnly() {
    final int i = next++ & (PACKETS - 1);
    cursor.begin(classifier, saddr[i], 0xac100001, 6, 0, 40000, dport[i], "eth0", "eth1");
    int e = forwardStart;
    int seen = 0;
    while ((e = cursor.next(e)) != forwardEnd) {
      seen++;
      e++;
    }
    return seen;
  }

  /**
   * A rough cross-check, not a JMH figure: on a shared, loaded machine wall-clock JMH scores drift by
   * tens of percent between forks, so this measures the setups side by side in one JVM, alternating
   * rounds, in <em>thread CPU time</em> per packet (time the thread was descheduled does not count),
   * and prints the median round of each. Arguments: setups as {@code rules:classify}, e.g.
   * {@code 10:true 10000:true 10:false}.
   */
  public static void main(String[] args) throws Exception {
    final String[] setups = args.length > 0 ? args : new String[] {"10:true", "10000:true", "10:false"};
    final ClassifierBench[] b = new ClassifierBench[setups.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = new ClassifierBench();
      b[i].rules = Integer.parseInt(setups[i].split(":")[0]);
      b[i].classify = Boolean.parseBoolean(setups[i].split(":")[1]);
      b[i].setUp();
    }
    final java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    final int rounds = 15;
    final double[][] ns = new double[b.length][rounds];
    for (int r = -5; r < rounds; r++) { // 5 warm-up rounds
      for (int i = 0; i < b.length; i++) {
        final int n = b[i].rules >= 1000 && !b[i].classify ? 2_000 : 200_000;
        final long t0 = mx.getCurrentThreadCpuTime();
        for (int k = 0; k < n; k++) {
          b[i].forward();
        }
        final long t1 = mx.getCurrentThreadCpuTime();
        if (r >= 0) {
          ns[i][r] = (t1 - t0) / (double) n;
        }
      }
    }
    for (int i = 0; i < b.length; i++) {
      java.util.Arrays.sort(ns[i]);
      System.out.printf("forward rules=%d classify=%s: median %.0f ns/packet CPU (min %.0f, max %.0f)%n",
          b[i].rules, b[i].classify, ns[i][rounds / 2], ns[i][0], ns[i][rounds - 1]);
    }
  }

  private static PacketView tcp(int src, int dst, int sport, int dport) {
    final int len = 40;
    final ByteBuffer b = ByteBuffer.allocate(len);
    b.put(0, (byte) 0x45);
    b.putShort(2, (short) len);
    b.put(8, (byte) 64);
    b.put(9, (byte) 6);
    b.putInt(12, src);
    b.putInt(16, dst);
    b.putShort(20, (short) sport);
    b.putShort(22, (short) dport);
    b.put(32, (byte) 0x50);
    b.put(33, (byte) 0x02);
    PacketWriter.fillIpv4HeaderChecksum(b, 0, 20);
    final PacketView v = new PacketView();
    v.wrap(b, 0, len, len, LinkType.IPV4);
    v.decode();
    PacketWriter.fillL4Checksum(v);
    v.decode();
    return v;
  }
}
