package io.nfeval.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.ext.Num;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * parse(print(x)) == x: a generated ruleset, printed canonically and parsed again, prints the same
 * text and has the same structure (rule counts, targets, numbers).
 */
class RoundTripPropertyTest {
  @Property(tries = 300)
  void printParsePrintIsStable(@ForAll("rulesets") String text) {
    final Ruleset a = RulesetParser.parse(text, "gen", ParseOptions.DEFAULT);
    final String printed = a.save(true);
    final Ruleset b = RulesetParser.parse(printed, "printed", ParseOptions.DEFAULT);
    assertThat(b.save(true)).isEqualTo(printed);
    assertThat(b.tables().size()).isEqualTo(a.tables().size());
    for (Table t : a.tables()) {
      for (Chain c : t.chains()) {
        final Chain c2 = b.table(t.name()).chain(c.name());
        assertThat(c2.rules()).hasSameSizeAs(c.rules());
        for (int i = 0; i < c.rules().size(); i++) {
          final Rule r1 = c.rules().get(i);
          final Rule r2 = c2.rules().get(i);
          assertThat(r2.number()).isEqualTo(i + 1);
          assertThat(r2.ip()).isEqualTo(r1.ip());
          assertThat(r2.target().getClass()).isEqualTo(r1.target().getClass());
          assertThat(r2.matches()).hasSameSizeAs(r1.matches());
          assertThat(r2.packets()).isEqualTo(r1.packets());
        }
      }
    }
  }

  private static Arbitrary<String> addr() {
    return Combinators.combine(Arbitraries.integers(), Arbitraries.integers().between(0, 32),
        Arbitraries.of(" -s ", " ! -s ", " -d ", " ! -d "))
        .as((a, len, opt) -> opt + Num.ipv4(a) + "/" + len);
  }

  private static Arbitrary<String> port() {
    return Combinators.combine(Arbitraries.integers().between(0, 65535), Arbitraries.integers().between(0, 65535))
        .as((x, y) -> Math.min(x, y) + (x.equals(y) ? "" : ":" + Math.max(x, y)));
  }

  private static Arbitrary<String> tcpPart() {
    return Arbitraries.oneOf(
        port().map(p -> " --dport " + p), port().map(p -> " ! --sport " + p),
        Arbitraries.of(" --syn", " ! --syn", " --tcp-flags SYN,ACK SYN", " --tcp-flags ALL NONE",
            " --tcp-option 2"));
  }

  private static String tcpKey(String part) {
    final String opt = part.replace("! ", "").strip().split(" ")[0];
    return opt.equals("--syn") ? "--tcp-flags" : opt;
  }

  private static Arbitrary<String> match() {
    return Arbitraries.oneOf(
        Arbitraries.of(" -m conntrack --ctstate NEW", " -m conntrack ! --ctstate INVALID,UNTRACKED",
            " -m state --state RELATED,ESTABLISHED", " -m addrtype --dst-type LOCAL",
            " -m addrtype ! --src-type BROADCAST,MULTICAST", " -m pkttype --pkt-type multicast",
            " -m limit --limit 7/min --limit-burst 3", " -m recent --rcheck --seconds 10 --name x",
            " -m connlimit --connlimit-above 3", " -m length ! --length 100:200", " -m ttl --ttl-gt 3",
            " -m tos --tos 0x10", " -m dscp --dscp 0x2e", " -m iprange --dst-range 1.2.3.4-1.2.3.9",
            " -m statistic --mode random --probability 0.25", " -m helper --helper sip",
            " -m hashlimit --hashlimit-upto 3/hour --hashlimit-name h1",
            " -m comment --comment \"with space and \\\"quote\\\"\"", " -m comment --comment plain"),
        Arbitraries.longs().between(0, 0xffffffffL).map(m -> " -m mark --mark 0x" + Long.toHexString(m)),
        Arbitraries.longs().between(0, 0xffffffffL).map(m -> " -m connmark ! --mark " + m + "/0xff"));
  }

  private static Arbitrary<String> target() {
    return Arbitraries.oneOf(
        Arbitraries.of("", " -j ACCEPT", " -j DROP", " -j RETURN", " -j user1", " -g user2",
            " -j LOG --log-prefix \"p: \"", " -j NFLOG --nflog-group 3", " -j REJECT",
            " -j REJECT --reject-with icmp-admin-prohibited", " -j AUDIT --type accept"),
        Arbitraries.longs().between(0, 0xffffffffL).map(m -> " -j MARK --or-mark " + m),
        Arbitraries.longs().between(0, 0xffffffffL).map(m -> " -j CONNMARK --set-mark " + m));
  }

  private static Arbitrary<String> rule() {
    final Arbitrary<String> proto = Arbitraries.oneOf(
        tcpPart().list().uniqueElements(RoundTripPropertyTest::tcpKey).ofMaxSize(3).map(l -> " -p tcp" + String.join("", l)),
        port().map(p -> " -p udp --sport " + p), Arbitraries.of(" -p icmp --icmp-type any",
            " -p icmp --icmp-type 3/1", " ! -p tcp", " -p gre", " -p 99", ""));
    return Combinators.combine(addr().list().ofMaxSize(1), Arbitraries.of("", " -i eth0", " ! -o wg+", " -i +"),
        proto, match().list().ofMaxSize(3), target(), Arbitraries.of("", " -f", " ! -f"),
        Arbitraries.longs().between(0, 1_000_000))
        .as((a, i, p, m, t, f, cnt) -> "[" + cnt + ":" + cnt * 60 + "] -A FORWARD" + String.join("", a) + i + p + f
            + String.join("", m) + t);
  }

  @Provide
  Arbitrary<String> rulesets() {
    return rule().list().ofMinSize(0).ofMaxSize(12).map(rules -> "*filter\n:INPUT DROP [1:2]\n:FORWARD ACCEPT [0:0]\n"
        + ":OUTPUT ACCEPT [0:0]\n:user1 - [0:0]\n:user2 - [0:0]\n" + String.join("\n", rules)
        + (rules.isEmpty() ? "" : "\n") + "COMMIT\n");
  }

}
