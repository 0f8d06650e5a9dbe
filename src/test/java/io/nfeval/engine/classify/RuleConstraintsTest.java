package io.nfeval.engine.classify;

import static io.nfeval.engine.classify.RuleConstraints.DPORT;
import static io.nfeval.engine.classify.RuleConstraints.DST;
import static io.nfeval.engine.classify.RuleConstraints.FRAG;
import static io.nfeval.engine.classify.RuleConstraints.PROTO;
import static io.nfeval.engine.classify.RuleConstraints.SPORT;
import static io.nfeval.engine.classify.RuleConstraints.SRC;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the classifier reads from a rule, and where it must refuse to read. */
class RuleConstraintsTest {
  private static RuleConstraints of(String spec) {
    return new RuleConstraints(Layout.rule(spec));
  }

  @Test
  void ipHeaderFields() {
    final RuleConstraints c = of("-s 10.1.2.0/24 ! -d 192.168.0.0/16 -i eth0 -o veth+ ! -p udp -f -j ACCEPT");
    assertThat(c.keys[SRC]).containsExactly(0x0a010200L, 0x0a0102ffL);
    assertThat(c.keys[DST]).containsExactly(0L, 0xc0a7ffffL, 0xc0a90000L, Intervals.MAX);
    assertThat(c.keys[PROTO]).containsExactly(0L, 16L, 18L, Intervals.MAX);
    assertThat(c.keys[FRAG]).containsExactly(1L, 1L);
    assertThat(c.in).isEqualTo("eth0");
    assertThat(c.out).isNull(); // wildcard: left to the full check
    assertThat(of("! -i eth0 -j ACCEPT").in).isNull();
    assertThat(of("! -f -j ACCEPT").keys[FRAG]).containsExactly(0L, 0L);
    assertThat(java.util.Arrays.asList(of("-j ACCEPT").keys)).containsOnlyNulls();
  }

  @Test
  void invertedAnyAddressMatchesNothing() {
    assertThat(of("! -s 0.0.0.0/0 -j ACCEPT").keys[SRC]).isEmpty();
  }

  @Test
  void portsOfTcpUdpAndMultiport() {
    final RuleConstraints t = of("-p tcp -m tcp --sport 1024:65535 ! --dport 22 -j ACCEPT");
    assertThat(t.keys[SPORT]).containsExactly(1024L, 65535L);
    assertThat(t.keys[DPORT]).containsExactly(0L, 21L, 23L, Intervals.MAX);
    assertThat(of("-p udp -m udp --dport 53 -j ACCEPT").keys[DPORT]).containsExactly(53L, 53L);
    assertThat(of("-p tcp -m multiport --dports 80,443,8000:8080,81 -j ACCEPT").keys[DPORT])
        .containsExactly(80L, 81L, 443L, 443L, 8000L, 8080L);
    assertThat(of("-p tcp -m multiport --ports 80,443 -j ACCEPT").keys[DPORT]).isNull();
    assertThat(of("-p tcp -m multiport --ports 80,443 -j ACCEPT").keys[SPORT]).isNull();
  }

  @Test
  void portsOnlyThroughPureMatches() {
    // statistic keeps a counter: the kernel steps it before the port test, so the port may not skip.
    assertThat(of("-p tcp -m statistic --mode nth --every 2 -m tcp --dport 80 -j ACCEPT").keys[DPORT]).isNull();
    assertThat(of("-p tcp -m tcp --dport 80 -m statistic --mode nth --every 2 -j ACCEPT").keys[DPORT])
        .containsExactly(80L, 80L);
    assertThat(of("-p tcp -m comment --comment x -m tcp --dport 80 -j ACCEPT").keys[DPORT])
        .containsExactly(80L, 80L);
    assertThat(of("-p tcp -m limit --limit 1/s -m tcp --dport 80 -j ACCEPT").keys[DPORT]).isNull();
    // --tcp-option may hot-drop (bad data offset) before the multiport test is reached.
    assertThat(of("-p tcp -m tcp --tcp-option 2 -m multiport --dports 80 -j ACCEPT").keys[DPORT]).isNull();
    assertThat(of("-p tcp -m tcp --sport 5 -m multiport --dports 80 -j ACCEPT").keys[DPORT])
        .containsExactly(80L, 80L);
  }
}
