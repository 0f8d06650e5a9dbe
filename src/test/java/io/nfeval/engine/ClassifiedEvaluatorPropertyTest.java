package io.nfeval.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.host.HostModel;
import io.nfeval.host.NetInterface;
import io.nfeval.packet.LinkType;
import io.nfeval.packet.PacketView;
import io.nfeval.packet.PacketWriter;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.Rule;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.RulesetParser;
import io.nfeval.rules.ext.CommentMatch;
import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.MultiportMatch;
import io.nfeval.rules.ext.StatisticMatch;
import io.nfeval.rules.ext.Target;
import io.nfeval.rules.ext.TcpMatch;
import io.nfeval.rules.ext.UdpMatch;
import io.nfeval.rules.ext.XtVerdict;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The classified evaluator (engine.classify) is the reference {@code ipt_do_table} walk, only
 * faster: on random tables (jumps, gotos, RETURN, inversions, tcp/udp/multiport ports, stateful and
 * hot-dropping matches before and after port tests) and random packets (fragments, cut headers,
 * devices), both give the same verdicts, the same trace of matched entries, the same counters, and
 * evaluate the same stateful matches in the same order with the same results.
 *
 * <p>Matches are evaluated by a test runner that mirrors the kernel for tcp, udp and multiport
 * ({@code xt_tcpudp.c}, {@code xt_multiport.c}: later fragments fail, a missing header hot-drops,
 * fragment offset 1 hot-drops in tcp) and gives {@code statistic} (nth) and {@code mark} per-rule
 * state with side effects — {@code mark} stands in for any match that may hot-drop — so a rule the
 * classifier wrongly skipped would change a later result.
 */
class ClassifiedEvaluatorPropertyTest {
  private static final String[] ADDRS = {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32",
      "192.168.0.0/16", "0.0.0.0/0", "10.1.2.128/25", "255.255.255.255/32"};
  private static final String[] PKT_ADDRS = {"10.1.2.3", "10.1.2.200", "10.1.9.9", "10.2.0.1",
      "192.168.1.1", "8.8.8.8", "255.255.255.255", "0.0.0.0", "192.0.2.1", "10.0.0.1"};
  private static final String[] DEVS = {"eth0", "eth1", "eth+", "veth+", "veth3"};
  private static final String[] PKT_DEVS = {"eth0", "eth1", "veth3", "lo", null};
  private static final int[] PORTS = {0, 22, 80, 85, 90, 443, 1000, 65535};

  @Property(tries = 400)
  void classifiedEqualsReference(@ForAll long seed) {
    final Random rnd = new Random(seed);
    final String text = ruleset(rnd);
    final Ruleset rs = RulesetParser.parse(text, "random.rules", ParseOptions.DEFAULT);
    final CompiledTable ref = new CompiledTable(rs.table("filter"), 0, 0);
    final CompiledTable cls = new CompiledTable(rs.table("filter"), 0, 0);
    cls.buildClassifier();
    final HostModel host = new HostModel(List.of(), List.of(), null, null, java.util.Map.of());
    final Side a = new Side(ref, host);
    final Side b = new Side(cls, host);
    final int hook = 2; // FORWARD
    final int packets = 60;
    for (int i = 0; i < packets; i++) {
      final PacketView p = packet(rnd);
      final NetInterface in = dev(rnd);
      final NetInterface out = dev(rnd);
      final int va = a.run(p, in, out, hook);
      final int vb = b.run(p, in, out, hook);
      assertThat(vb).as("verdict of packet %d\n%s", i, text).isEqualTo(va);
      assertThat(b.trace()).as("trace of packet %d\n%s", i, text).isEqualTo(a.trace());
    }
    assertThat(b.runner.log).as("stateful match evaluations\n%s", text).isEqualTo(a.runner.log);
    assertThat(b.runner.targets).as("targets run\n%s", text).isEqualTo(a.runner.targets);
    for (int e = 0; e < ref.entries(); e++) {
      assertThat(b.counters.packets(e)).as("packets of entry %d\n%s", e, text).isEqualTo(a.counters.packets(e));
      assertThat(b.counters.bytes(e)).as("bytes of entry %d\n%s", e, text).isEqualTo(a.counters.bytes(e));
    }
  }

  /**
   * The same through the whole engine with {@code Engine.Options.classify} on and off: random tables
   * of fixed-header rules only (no extension evaluates in every branch), random TCP/UDP/ICMP packets
   * arriving on the host's devices; same dispositions and same counters report.
   */
  @Property(tries = 60)
  void engineWithAndWithoutClassifier(@ForAll long seed) throws Exception {
    final Random rnd = new Random(seed);
    final String text = ruleset(rnd, false);
    final Engine on = engine(text, true);
    final Engine off = engine(text, false);
    final String[] devs = {"eth0", "eth1", "lo"};
    for (int i = 0; i < 40; i++) {
      final PacketView p = packet(rnd);
      final String dev = devs[rnd.nextInt(devs.length)];
      final Disposition a = off.arrive(p, off.host().byName(dev), i, i);
      final Disposition b = on.arrive(p, on.host().byName(dev), i, i);
      assertThat(b).as("packet %d\n%s", i, text).isEqualTo(a);
    }
    assertThat(EngineSemanticsTest.counters(on)).as(text).isEqualTo(EngineSemanticsTest.counters(off));
  }

  private static Engine engine(String rules, boolean classify) throws Exception {
    final java.nio.file.Path h = java.nio.file.Files.createTempFile("nfeval-host", ".json");
    try {
      java.nio.file.Files.writeString(h, EngineSemanticsTest.HOST);
      final HostModel host = HostModel.fromDescription(h);
      final Engine.Options o = new Engine.Options();
      o.classify = classify;
      return new Engine(RulesetParser.parse(rules, "random.rules", ParseOptions.DEFAULT), host,
          new io.nfeval.ipset.IpsetRegistry(List.of()), o);
    } finally {
      java.nio.file.Files.deleteIfExists(h);
    }
  }

  /** One evaluator with its own counters and match state. */
  private static final class Side {
    final CompiledTable t;
    final Skb skb;
    final TableEvaluator ev;
    final TableCounters counters;
    final Runner runner = new Runner();

    Side(CompiledTable t, HostModel host) {
      this.t = t;
      this.skb = new Skb(new HostView(host), true);
      this.ev = new TableEvaluator(t.maxDepth);
      this.counters = new TableCounters(t.entries());
    }

    int run(PacketView p, NetInterface in, NetInterface out, int hook) {
      skb.load(p);
      skb.in = in;
      skb.out = out;
      skb.tracing = true;
      skb.traceLen = 0;
      return ev.run(t, hook, skb, counters, runner, runner);
    }

    List<Integer> trace() {
      final List<Integer> l = new ArrayList<>();
      for (int i = 0; i < skb.traceLen; i++) {
        l.add(skb.traceEntry[i]);
      }
      return l;
    }
  }

  /** Kernel-like tcp/udp/multiport; stateful statistic and mark; logs every stateful evaluation. */
  private static final class Runner implements TableEvaluator.MatchRunner, TableEvaluator.TargetRunner {
    final long[] state = new long[4096];
    final List<String> log = new ArrayList<>();
    final List<String> targets = new ArrayList<>();

    @Override
    public boolean matches(Match m, int slot, Skb skb) {
      final PacketView v = skb.ip();
      final int frag = skb.fragOffset();
      if (m instanceof CommentMatch) {
        return true;
      }
      if (m instanceof TcpMatch t) {
        if (frag != 0) {
          if (frag == 1) {
            skb.hotdrop();
          }
          return false;
        }
        if (!v.l4HeaderPresent()) {
          skb.hotdrop();
          return false;
        }
        if (!ports(t.ports(), v)) {
          return false;
        }
        if (((v.tcpFlags() & t.flagsMask()) == t.flagsComp()) == t.invFlags()) {
          return false;
        }
        if (t.option() != 0) {
          if ((v.dstPort() & 1) == 1) { // stands in for a bad data offset
            skb.hotdrop();
            return false;
          }
          return (v.srcPort() & 2) == 0 ^ t.invOption();
        }
        return true;
      }
      if (m instanceof UdpMatch u) {
        if (frag != 0) {
          return false;
        }
        if (!v.l4HeaderPresent()) {
          skb.hotdrop();
          return false;
        }
        return ports(u.ports(), v);
      }
      if (m instanceof MultiportMatch mp) {
        if (frag != 0) {
          return false;
        }
        if (v.srcPort() < 0) {
          skb.hotdrop();
          return false;
        }
        for (int i = 0; i < mp.count(); i++) {
          final boolean s = v.srcPort() >= mp.portMin(i) && v.srcPort() <= mp.portMax(i);
          final boolean d = v.dstPort() >= mp.portMin(i) && v.dstPort() <= mp.portMax(i);
          final boolean hit = switch (mp.flags()) {
            case SOURCE -> s;
            case DESTINATION -> d;
            case EITHER -> s || d;
          };
          if (hit) {
            return !mp.invert();
          }
        }
        return mp.invert();
      }
      if (m instanceof StatisticMatch st) {
        final long n = state[slot]++;
        final boolean r = (n % st.every() == st.packet()) ^ st.invert();
        log.add("nth@" + slot + "=" + r);
        return r;
      }
      // mark: a stateful match that sometimes hot-drops
      final long n = state[slot]++;
      if (n % 6 == 5) {
        log.add("mark@" + slot + "=hotdrop");
        skb.hotdrop();
        return false;
      }
      log.add("mark@" + slot + "=" + (n % 2 == 0));
      return n % 2 == 0;
    }

    /** Both port tests of a tcp or udp match, by this model's own {@link #port}. */
  private static boolean ports(io.nfeval.rules.ext.PortRanges pr, io.nfeval.packet.PacketView v) {
    return port(pr.sportMin(), pr.sportMax(), v.srcPort(), pr.invSport())
        && port(pr.dportMin(), pr.dportMax(), v.dstPort(), pr.invDport());
  }

  private static boolean port(int min, int max, int p, boolean inv) {
      return (p >= min && p <= max) ^ inv;
    }

    /**
     * Records the call; every third call rewrites the destination address and port before
     * continuing, so the evaluator must re-read the packet's keys mid-chain (no kernel target that
     * continues does so, but the engine's contract allows it).
     */
    @Override
    public int run(Rule rule, Target target, Skb skb) {
      targets.add(rule.chainName() + "#" + rule.number());
      if (targets.size() % 3 == 0) {
        final int k = targets.size() / 3;
        PacketWriter.setDstAddr(skb.ip(), Packets.ip(PKT_ADDRS[k % PKT_ADDRS.length]));
        PacketWriter.setDstPort(skb.ip(), PORTS[k % PORTS.length]);
        skb.redecode();
      }
      return XtVerdict.CONTINUE;
    }
  }

  // ---- random rulesets ---------------------------------------------------------------------------

  static String ruleset(Random rnd) {
    return ruleset(rnd, true);
  }

  /** FORWARD (and with {@code withMatches} false also INPUT and OUTPUT) plus up to 3 user chains. */
  static String ruleset(Random rnd, boolean withMatches) {
    final int users = rnd.nextInt(4);
    final StringBuilder sb = new StringBuilder("*filter\n");
    final String[] builtins = withMatches ? new String[] {"FORWARD"} : new String[] {"INPUT", "FORWARD", "OUTPUT"};
    for (String b : builtins) {
      sb.append(':').append(b).append(rnd.nextBoolean() ? " ACCEPT" : " DROP").append(" [0:0]\n");
    }
    for (int u = 0; u < users; u++) {
      sb.append(":U").append(u).append(" - [0:0]\n");
    }
    for (String b : builtins) {
      chain(rnd, sb, b, -1, users, withMatches);
    }
    for (int u = 0; u < users; u++) {
      chain(rnd, sb, "U" + u, u, users, withMatches);
    }
    return sb.append("COMMIT\n").toString();
  }

  private static void chain(Random rnd, StringBuilder sb, String name, int self, int users,
      boolean withMatches) {
    final int n = rnd.nextInt(4) == 0 ? rnd.nextInt(8) : 8 + rnd.nextInt(40);
    for (int i = 0; i < n; i++) {
      // -i/-o only where iptables allows them whatever jumps here: FORWARD (test tables) or anywhere
      // in the evaluator-only tables, which skip the ruleset checker's hook checks.
      final boolean devs = withMatches || name.equals("FORWARD");
      sb.append("-A ").append(name).append(rule(rnd, self, users, withMatches, devs)).append('\n');
    }
  }

  private static String rule(Random rnd, int self, int users, boolean withMatches, boolean devs) {
    final StringBuilder r = new StringBuilder();
    if (rnd.nextInt(3) == 0) {
      r.append(not(rnd, 5)).append(" -s ").append(pick(rnd, ADDRS));
    }
    if (rnd.nextInt(3) == 0) {
      r.append(not(rnd, 5)).append(" -d ").append(pick(rnd, ADDRS));
    }
    if (devs && rnd.nextInt(5) == 0) {
      r.append(not(rnd, 4)).append(" -i ").append(pick(rnd, DEVS));
    }
    if (devs && rnd.nextInt(5) == 0) {
      r.append(not(rnd, 4)).append(" -o ").append(pick(rnd, DEVS));
    }
    final int p = rnd.nextInt(6);
    final boolean invP = rnd.nextInt(8) == 0;
    final String proto = p == 0 ? "tcp" : p == 1 ? "udp" : p == 2 ? "icmp" : p == 3 ? "tcp" : null;
    if (proto != null) {
      r.append(invP ? " ! -p " : " -p ").append(proto);
    }
    if (rnd.nextInt(10) == 0) {
      r.append(rnd.nextBoolean() ? " -f" : " ! -f");
    }
    final int nm = withMatches ? rnd.nextInt(4) : 0;
    for (int k = 0; k < nm; k++) {
      final int kind = rnd.nextInt(6);
      if (kind == 0) {
        r.append(" -m statistic --mode nth").append(not(rnd, 4)).append(" --every 3 --packet ")
            .append(rnd.nextInt(3));
      } else if (kind == 1) {
        r.append(" -m mark --mark 0x1");
      } else if (kind == 2) {
        r.append(" -m comment --comment \"c").append(k).append('"');
      } else if (!invP && "tcp".equals(proto) && kind == 3) {
        r.append(" -m tcp");
        portOpt(rnd, r, "sport", 3);
        portOpt(rnd, r, "dport", 2);
        if (rnd.nextInt(4) == 0) {
          r.append(" --tcp-flags SYN,ACK SYN");
        }
        if (rnd.nextInt(5) == 0) {
          r.append(not(rnd, 3)).append(" --tcp-option 2");
        }
      } else if (!invP && "udp".equals(proto) && kind == 3) {
        r.append(" -m udp");
        portOpt(rnd, r, "sport", 3);
        portOpt(rnd, r, "dport", 2);
      } else if (!invP && ("tcp".equals(proto) || "udp".equals(proto)) && kind >= 4) {
        final String opt = pick(rnd, new String[] {"sports", "dports", "ports"});
        r.append(" -m multiport").append(not(rnd, 4)).append(" --").append(opt).append(' ')
            .append(pick(rnd, new String[] {"22", "80,443", "80:90,1000", "0:21,444:65535", "85"}));
      }
    }
    final int t = rnd.nextInt(10);
    if (t == 0) {
      r.append(" -j ACCEPT");
    } else if (t == 1) {
      r.append(" -j DROP");
    } else if (t == 2) {
      r.append(" -j RETURN");
    } else if (t == 3 && self + 1 < users) {
      r.append(rnd.nextBoolean() ? " -j U" : " -g U").append(self + 1 + rnd.nextInt(users - self - 1));
    } else if (t == 4 && withMatches) {
      r.append(" -j LOG --log-prefix x");
    }
    return r.toString();
  }

  private static void portOpt(Random rnd, StringBuilder r, String opt, int oneIn) {
    if (rnd.nextInt(oneIn) != 0) {
      return;
    }
    r.append(not(rnd, 4)).append(" --").append(opt).append(' ');
    final int a = PORTS[rnd.nextInt(PORTS.length)];
    final int b = PORTS[rnd.nextInt(PORTS.length)];
    r.append(rnd.nextBoolean() ? Integer.toString(a) : Math.min(a, b) + ":" + Math.max(a, b));
  }

  private static String not(Random rnd, int oneIn) {
    return rnd.nextInt(oneIn) == 0 ? " !" : "";
  }

  private static String pick(Random rnd, String[] a) {
    return a[rnd.nextInt(a.length)];
  }

  private static NetInterface dev(Random rnd) {
    final String n = PKT_DEVS[rnd.nextInt(PKT_DEVS.length)];
    return n == null ? null : new NetInterface(n, 2, 0, 1500, 0, 0, null, "ether", List.of());
  }

  // ---- random packets ----------------------------------------------------------------------------

  /**
   * TCP, UDP or ICMP; sometimes a later fragment (offset 1 or 100), a first fragment, or a datagram
   * whose L4 header is cut short.
   */
  static PacketView packet(Random rnd) {
    final int kind = rnd.nextInt(3);
    final int proto = kind == 0 ? 6 : kind == 1 ? 17 : 1;
    final int l4full = proto == 6 ? 20 : 8;
    final int shape = rnd.nextInt(8);
    final int frag = shape == 0 ? 1 : shape == 1 ? 100 : shape == 2 ? 0x2000 : 0;
    final int l4 = shape == 3 ? rnd.nextInt(l4full) : l4full + rnd.nextInt(20);
    final int len = 20 + l4;
    final ByteBuffer b = ByteBuffer.allocate(len);
    b.put(0, (byte) 0x45);
    b.putShort(2, (short) len);
    b.putShort(4, (short) rnd.nextInt(65536));
    b.putShort(6, (short) frag);
    b.put(8, (byte) 64);
    b.put(9, (byte) proto);
    b.putInt(12, Packets.ip(PKT_ADDRS[rnd.nextInt(PKT_ADDRS.length)]));
    b.putInt(16, Packets.ip(PKT_ADDRS[rnd.nextInt(PKT_ADDRS.length)]));
    if (l4 >= 4) {
      b.putShort(20, (short) PORTS[rnd.nextInt(PORTS.length)]);
      b.putShort(22, (short) PORTS[rnd.nextInt(PORTS.length)]);
    }
    if (proto == 6 && l4 >= 20) {
      b.put(32, (byte) 0x50);
      b.put(33, (byte) (rnd.nextBoolean() ? 0x02 : 0x10));
    }
    if (proto == 17 && l4 >= 8) {
      b.putShort(24, (short) l4);
    }
    PacketWriter.fillIpv4HeaderChecksum(b, 0, 20);
    final PacketView v = new PacketView();
    v.wrap(b, 0, len, len, LinkType.IPV4);
    v.decode();
    return v;
  }
}
