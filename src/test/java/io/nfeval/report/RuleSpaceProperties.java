package io.nfeval.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.Rule;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.RulesetParser;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Soundness of the header-space model on random rules: whenever {@code covers} or {@code disjoint} is
 * claimed, no concrete packet contradicts it (packets drawn around the rules' own edges).
 */
class RuleSpaceProperties {
  static final String[] SRC = {"", " -s 10.0.0.0/8", " -s 10.1.0.0/16", " ! -s 10.1.2.0/24", " -s 10.1.2.3",
      " -m iprange --src-range 10.1.0.5-10.1.3.0"};
  static final String[] IFACE = {"", " -i eth0", " -i eth+", " ! -i eth0", " ! -i e+", " -i wlan0"};
  static final String[] L4 = {"", " -p tcp", " -p udp", " ! -p tcp", " -p tcp -m tcp --dport 80",
      " -p tcp -m tcp --dport 1:1024", " -p tcp -m tcp ! --dport 22", " -p udp -m udp --sport 53",
      " -p tcp -m multiport --dports 22,80,8000:8100", " -p icmp -m icmp --icmp-type 8",
      " -p icmp -m icmp ! --icmp-type 3/1", " -p tcp -f"};
  static final String[] STATE = {"", " -m conntrack --ctstate NEW", " -m state --state NEW,ESTABLISHED",
      " -m conntrack ! --ctstate INVALID", " -m mark --mark 0x1/0x1", " -m mark ! --mark 0x2/0x3"};

  @Provide
  Arbitrary<String> rule() {
    return Combinators.combine(Arbitraries.of(SRC), Arbitraries.of(IFACE), Arbitraries.of(L4), Arbitraries.of(STATE))
        .as((a, b, c, d) -> "-A INPUT" + a + b + c + d + " -j DROP");
  }

  static RuleSpace space(String rule) {
    final Rule r = RulesetParser.parse("*filter\n:INPUT ACCEPT [0:0]\n" + rule + "\nCOMMIT\n", "p",
        ParseOptions.DEFAULT).table("filter").chain("INPUT").rules().get(0);
    return RuleSpace.of(r);
  }

  static final long[] ADDRS = {0x0a000000L, 0x0a0100ffL, 0x0a010203L, 0x0a010204L, 0x0a010005L, 0x0a010300L,
      0x0a010301L, 0x09ffffffL, 0x0b000000L, 0xc0000201L};
  static final int[] PORTS = {0, 1, 21, 22, 23, 53, 80, 81, 1024, 1025, 8000, 8100, 8101, 65535};
  static final String[] NAMES = {"", "eth0", "eth1", "e", "wlan0", "lo"};
  static final int[] PROTOS = {1, 6, 17, 47};
  static final int[] ICMPS = {8 * 256, 3 * 256 + 1, 3 * 256 + 2, 0};
  static final int[] STATES = {1, 2, 4, 8, 256};

  @Provide
  Arbitrary<RuleSpace.Point> point() {
    return Combinators.combine(Arbitraries.of(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)),
        Arbitraries.integers().between(0, PORTS.length - 1), Arbitraries.integers().between(0, NAMES.length - 1),
        Arbitraries.integers().between(0, PROTOS.length - 1), Arbitraries.integers().between(0, ICMPS.length - 1),
        Arbitraries.integers().between(0, STATES.length - 1), Arbitraries.integers().between(0, 3),
        Arbitraries.integers().between(1, 2)).as((a, p, n, pr, ic, st, mk, fr) -> {
          final RuleSpace.Point x = new RuleSpace.Point();
          x.src = ADDRS[a];
          x.dst = ADDRS[(a + 3) % ADDRS.length];
          x.dport = PORTS[p];
          x.sport = PORTS[(p + 5) % PORTS.length];
          x.in = NAMES[n];
          x.proto = PROTOS[pr];
          x.icmp = ICMPS[ic];
          x.state = STATES[st];
          x.mark = mk;
          x.frag = fr;
          return x;
        });
  }

  @Property(tries = 3000)
  void coversIsSound(@ForAll("rule") String a, @ForAll("rule") String b, @ForAll("point") RuleSpace.Point p) {
    final RuleSpace sa = space(a);
    final RuleSpace sb = space(b);
    net.jqwik.api.statistics.Statistics.collect(sa.covers(sb) ? "covers" : sa.disjoint(sb) ? "disjoint" : "neither");
    if (sa.covers(sb) && Boolean.TRUE.equals(sb.matches(p))) {
      assertThat(sa.matches(p)).as(a + " covers " + b).isEqualTo(Boolean.TRUE);
    }
    if (sa.disjoint(sb)) {
      assertThat(Boolean.TRUE.equals(sa.matches(p)) && Boolean.TRUE.equals(sb.matches(p)))
          .as(a + " disjoint " + b).isFalse();
    }
  }

  @Property(tries = 300)
  void everyRuleCoversItself(@ForAll("rule") String a) {
    assertThat(space(a).covers(space(a))).isTrue();
  }
}
