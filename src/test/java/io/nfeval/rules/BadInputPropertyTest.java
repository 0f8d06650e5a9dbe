package io.nfeval.rules;

import io.nfeval.InputException;
import io.nfeval.ipset.IpsetParser;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Bad input never crashes: any token soup either parses or gives an InputException. */
class BadInputPropertyTest {
  private static final String[] VOCAB = {"-A", "INPUT", "FORWARD", "x", "-I", "-D", "-R", "-N", "-X", "-F", "-P",
      "-E", "-Z", "1", "0", "99", "-s", "-d", "!", "-p", "tcp", "udp", "icmp", "-m", "-j", "-g", "ACCEPT",
      "DNAT", "REJECT", "LOG", "MARK", "--dport", "--sport", "--tcp-flags", "SYN", "--to-destination",
      "1.2.3.4", "1.2.3.4/33", "1.2.3.4:80-70", ":", "::", "-", "--", "-c", "[1:2]", "\"", "'", "a\"b",
      "--comment", "comment", "conntrack", "--ctstate", "NEW", "multiport", "--dports", "1,2:3", "limit",
      "--limit", "5/zz", "recent", "--name", "u32", "--u32", "0>>", "string", "--algo", "--hex-string", "|0",
      "policy", "--dir", "--next", "set", "--match-set", "-i", "-o", "+", "eth0+", "--set-mark", "0x", "-f",
      "hashlimit", "--hashlimit-upto", "statistic", "--probability", "nan", "icmp-type", "--icmp-type", "3/",
      "=", "--set-xmark", "0xffffffffff", "CONNMARK", "--save-mark", "SNAT", "--to-source", "-4", "-6"};

  @Provide
  Arbitrary<String> soup() {
    final Arbitrary<String> line = Arbitraries.of(VOCAB).list().ofMaxSize(12).map(l -> String.join(" ", l));
    final Arbitrary<String> header = Arbitraries.of("*filter\n", "*nat\n", "*mangle\n", "*raw\n", "", "*x\n",
        "*filter\n:x - [0:0]\n:INPUT DROP [1:2]\n");
    return net.jqwik.api.Combinators.combine(header, line.list().ofMaxSize(6), Arbitraries.of("COMMIT\n", ""))
        .as((h, ls, c) -> h + String.join("\n", ls) + "\n" + c);
  }

  @Property(tries = 2000)
  void rulesetParserOnlyThrowsInputException(@ForAll("soup") String text) {
    try {
      RulesetParser.parse(text, "soup", ParseOptions.DEFAULT);
      RulesetParser.parse(text, "soup", ParseOptions.unknown(ParseOptions.UnknownPolicy.MATCH));
    } catch (InputException e) {
      // fine: bad input reported with file and line
    }
  }

  @Provide
  Arbitrary<String> ipsetSoup() {
    final String[] v = {"create", "add", "s", "hash:ip", "hash:net", "hash:ip,port", "bitmap:port", "range",
        "1-10", "1.2.3.4", "1.2.3.4/40", "1.2.3.4,tcp:80", "icmp:8", "timeout", "x", "nomatch", "\"", "family",
        "inet6", "list:set", "hash:mac", "00:11", "bitmap:ip", "10.0.0.0/30", "1.2.3.4-1.2.3.1", "netmask", "33"};
    return Arbitraries.of(v).list().ofMaxSize(7).map(l -> String.join(" ", l)).list().ofMaxSize(5)
        .map(ls -> String.join("\n", ls));
  }

  @Property(tries = 1000)
  void ipsetParserOnlyThrowsInputException(@ForAll("ipsetSoup") String text) {
    try {
      IpsetParser.parse(text, "ipset");
    } catch (InputException e) {
      // fine
    }
  }
}
