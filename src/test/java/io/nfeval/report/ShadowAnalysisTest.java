package io.nfeval.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.RulesetParser;
import io.nfeval.rules.ParseOptions.UnknownPolicy;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The static analysis claims shadowed/redundant rules only when they are, and never through a match it cannot model. */
class ShadowAnalysisTest {
  static List<ShadowAnalysis.Finding> analyse(String... rules) {
    final String text = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:svc - [0:0]\n"
        + String.join("\n", rules) + "\nCOMMIT\n";
    return ShadowAnalysis.analyse(RulesetParser.parse(text, "t.rules",
        ParseOptions.unknown(UnknownPolicy.MATCH)));
  }

  static List<String> claims(List<ShadowAnalysis.Finding> f) {
    return f.stream().map(x -> x.chain() + "#" + x.rule() + " " + x.kind() + (x.by() > 0 ? " by #" + x.by() : ""))
        .collect(Collectors.toList());
  }

  @Test
  void prefixCoversLongerPrefixWithDifferentTarget() {
    assertThat(claims(analyse(
        "-A INPUT -s 10.0.0.0/8 -j DROP",
        "-A INPUT -s 10.1.2.0/24 -p tcp --dport 22 -j ACCEPT"))).containsExactly("INPUT#2 shadowed by #1");
  }

  @Test
  void sameTargetIsRedundant() {
    assertThat(claims(analyse(
        "-A INPUT -p tcp -m multiport --dports 20:25,80 -j ACCEPT",
        "-A INPUT -s 192.0.2.1 -p tcp --dport 22 -j ACCEPT"))).containsExactly("INPUT#2 redundant by #1");
  }

  @Test
  void portsRangesStatesInterfacesMarks() {
    assertThat(claims(analyse(
        "-A FORWARD -i eth+ -p udp -m udp --dport 1000:2000 -m conntrack --ctstate NEW,ESTABLISHED -m mark --mark 0x1/0x1 -j REJECT",
        "-A FORWARD -i eth3 -p udp -m udp --dport 1500 -m state --state NEW -m mark --mark 0x3/0x3 -j ACCEPT",
        "-A FORWARD -i wlan0 -p udp -m udp --dport 1500 -j ACCEPT",
        "-A FORWARD -i eth3 -p udp -m udp --dport 1500 -m state --state RELATED -j ACCEPT")))
        .containsExactly("FORWARD#2 shadowed by #1");
  }

  @Test
  void invertedMatches() {
    // ! -s 10.0.0.0/8 covers 192.168.0.0/16; ! -i lo covers -i eth0; "! -p tcp" covers "-p udp"
    assertThat(claims(analyse(
        "-A INPUT ! -s 10.0.0.0/8 ! -i lo ! -p tcp -j DROP",
        "-A INPUT -s 192.168.1.0/24 -i eth0 -p udp --dport 53 -j ACCEPT",
        "-A INPUT -s 10.1.0.0/16 -p udp -j ACCEPT")))
        // rule 3: the ACCEPT policy does the same and nothing follows it
        .containsExactly("INPUT#2 shadowed by #1", "INPUT#3 redundant");
  }

  @Test
  void gotoAndReturnTerminateJumpDoesNot() {
    assertThat(claims(analyse(
        "-A INPUT -p tcp -j svc",
        "-A INPUT -p tcp --dport 80 -j ACCEPT",
        "-A INPUT -p udp -g svc",
        "-A INPUT -p udp --dport 53 -j ACCEPT",
        "-A svc -j RETURN",
        "-A svc -p icmp -j DROP")))// rule 2 accepts like the policy and no later rule can see tcp: redundant
        .containsExactly("INPUT#2 redundant", "INPUT#4 shadowed by #3", "svc#2 shadowed by #1");
  }

  @Test
  void unmodeledMatchesNeverCover() {
    // limit, recent, owner, addrtype, tcp flags, string, an unknown module: none of them covers anything
    assertThat(claims(analyse(
        "-A INPUT -p tcp -m limit --limit 5/sec -j ACCEPT",
        "-A INPUT -p tcp -m tcp --tcp-flags SYN,ACK SYN -j DROP",
        "-A INPUT -m addrtype --dst-type LOCAL -j DROP",
        "-A INPUT -m recent --name x --rcheck -j DROP",
        "-A INPUT -m frobnicate --zap 1 -j DROP",
        "-A INPUT -p tcp --dport 22 -j REJECT"))).isEmpty();
  }

  @Test
  void coveredRuleMayHaveUnmodeledMatches() {
    // over-approximating the covered rule is sound: rule 2's packets are a subset of "-p tcp"
    assertThat(claims(analyse(
        "-A INPUT -p tcp -j DROP",
        "-A INPUT -p tcp -m limit --limit 5/sec -m tcp --dport 22 -j ACCEPT")))
        .containsExactly("INPUT#2 shadowed by #1");
  }

  @Test
  void partialOverlapIsNotCover() {
    assertThat(claims(analyse(
        "-A INPUT -s 10.0.0.0/24 -j DROP",
        "-A INPUT -s 10.0.0.0/23 -j ACCEPT",
        "-A INPUT -p tcp --dport 1:100 -j DROP",
        "-A INPUT -p tcp --dport 50:150 -j ACCEPT",
        "-A INPUT -i eth+ -j DROP",
        "-A INPUT -i e+ -j ACCEPT",
        "-A INPUT -m mark --mark 0x1/0x1 -j DROP",
        "-A INPUT -m mark --mark 0x0/0x2 -j ACCEPT",
        "-A INPUT -p tcp -j DROP",
        "-A INPUT -p tcp -f -j ACCEPT"))).containsExactly("INPUT#10 shadowed by #9");
  }

  @Test
  void fragmentsDoNotMatchPortRules() {
    // "-p tcp --dport 0:65535" does not match non-first fragments (tcp_mt): it does not cover "-p tcp -f"
    assertThat(claims(analyse(
        "-A INPUT -p tcp -m tcp --dport 0:65535 -j DROP",
        "-A INPUT -p tcp -f -j REJECT"))).isEmpty();
  }

  @Test
  void redundantBeforeLaterRuleAndPolicy() {
    assertThat(claims(analyse(
        "-A FORWARD -s 10.0.0.1 -j DROP",
        "-A FORWARD -d 192.0.2.0/24 -j ACCEPT",
        "-A FORWARD -s 10.0.0.0/8 -j DROP",
        "-A OUTPUT -d 198.51.100.7 -j ACCEPT",
        "-A OUTPUT -d 198.51.100.9 -p tcp -j LOG")))
        .containsExactly("FORWARD#3 redundant", "OUTPUT#1 redundant");
  }

  @Test
  void aRuleThatChangesTheMarkInBetweenStopsTheClaim() {
    // rule 3 is reached: rule 2 marks packets that rule 1 let through; same through a jump to a marking chain
    assertThat(claims(analyse(
        "-A FORWARD -m mark --mark 0x1 -j ACCEPT",
        "-A FORWARD -j MARK --set-xmark 0x1/0xffffffff",
        "-A FORWARD -m mark --mark 0x1 -p tcp -j REJECT",
        "-A svc -j MARK --set-xmark 0x2/0xffffffff",
        "-A OUTPUT -m mark --mark 0x2 -j DROP",
        "-A OUTPUT -j svc",
        "-A OUTPUT -m mark --mark 0x2 -p udp -j REJECT"))).isEmpty();
    // a LOG in between changes nothing
    assertThat(claims(analyse(
        "-A FORWARD -m mark --mark 0x1 -j ACCEPT",
        "-A FORWARD -j LOG",
        "-A FORWARD -m mark --mark 0x1 -p tcp -j REJECT"))).containsExactly("FORWARD#3 shadowed by #1");
  }

  @Test
  void emptyMatch() {
    assertThat(claims(analyse("-A INPUT -m conntrack --ctstate NEW -m state ! --state NEW -j DROP")))
        .containsExactly("INPUT#1 never-matches");
  }
}
