package io.nfeval.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HostModel#addrType} against the kernel's addrtype match: one {@code -m addrtype --dst-type T}
 * rule per destination and type in OUTPUT, one UDP datagram per destination, then the rule counters.
 * Root only; skipped visibly otherwise.
 */
class KernelAddrTypeTest {
  private static final String[] TYPES = {"UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST",
      "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"};
  private static final Pattern RULE =
      Pattern.compile("^\\[(\\d+):\\d+\\] -A OUTPUT -d (\\S+)/32 .*--dst-type (\\S+)");

  @TempDir Path tmp;

  @Test
  void dstTypeMatchesTheKernel() throws Exception {
    Netns.assumeRoot();
    try (Netns ns = Netns.create("a")) {
      ns.sh(KernelRoutingDifferentialTest.PEERS
          + "ip addr add 10.1.0.1/24 dev v1; ip addr add 10.1.0.7/24 dev v1; ip addr add 10.2.0.1/16 brd + dev v1\n"
          + "ip addr add 172.20.0.1/30 dev v2; ip addr add 198.18.0.5/31 dev v2; ip addr add 192.0.2.9/32 dev v2\n"
          + "ip route add default via 10.1.0.254\n"
          + "ip route add table local anycast 10.9.9.9 dev v1\n");
      ns.snapshot(tmp);
      HostModel host = HostModel.load(tmp);
      Set<Integer> dsts = new LinkedHashSet<>();
      for (String s : new String[] {"10.1.0.1", "10.1.0.7", "10.1.0.255", "10.1.0.0", "10.1.0.9", "10.2.0.1",
          "10.2.255.255", "10.2.0.0", "172.20.0.1", "172.20.0.3", "172.20.0.0", "198.18.0.5", "198.18.0.4",
          "192.0.2.9", "127.0.0.1", "127.9.9.9", "127.255.255.255", "0.0.0.3", "0.255.255.255", "255.255.255.255",
          "224.0.0.1", "239.1.2.3", "10.9.9.9", "8.8.8.8"}) {
        dsts.add(Inet4.parse(s));
      }
      Random rnd = new Random(7);
      for (int i = 0; i < 10; i++) {
        int d = rnd.nextInt();
        if (d != 0) {
          dsts.add(d);
        }
      }
      StringBuilder rules = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
          + ":OUTPUT ACCEPT [0:0]\n");
      StringBuilder py = new StringBuilder("import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
          + "s.setsockopt(socket.SOL_SOCKET,socket.SO_BROADCAST,1)\nfor d in [");
      for (int d : dsts) {
        for (String t : TYPES) {
          rules.append("-A OUTPUT -d ").append(Inet4.format(d)).append("/32 -p udp -m addrtype --dst-type ")
              .append(t).append('\n');
        }
        py.append('\'').append(Inet4.format(d)).append("',");
      }
      rules.append("COMMIT\n");
      py.append("]:\n  try: s.sendto(b'x',(d,9))\n  except OSError: pass\n");
      Netns.Result r = ns.exec(List.of("iptables-restore"), rules.toString());
      assertThat(r.rc).as(r.err).isZero();
      r = ns.exec(List.of("/usr/bin/python3", "-c", py.toString()), null);
      assertThat(r.rc).as(r.err).isZero();
      r = ns.exec(List.of("iptables-save", "-c", "-t", "filter"), null);
      List<String> mismatches = new ArrayList<>();
      Set<Integer> seen = new LinkedHashSet<>();
      for (String line : r.out.split("\n")) {
        Matcher m = RULE.matcher(line);
        if (!m.find()) {
          continue;
        }
        long pkts = Long.parseLong(m.group(1));
        int dst = Inet4.parse(m.group(2));
        String type = m.group(3);
        boolean packetSeen = dsts.contains(dst);
        boolean model = TYPES[host.addrType(dst, null)].equals(type);
        if (pkts > 0) {
          seen.add(dst);
        }
        if (pkts > 0 && !model) {
          mismatches.add(Inet4.format(dst) + ": kernel says " + type + ", model "
              + TYPES[host.addrType(dst, null)]);
        }
        assertThat(packetSeen).isTrue();
      }
      // every destination that reached OUTPUT matched exactly the model's type (checked above); make sure
      // most of them did reach it
      assertThat(seen.size()).as("destinations that reached OUTPUT").isGreaterThan(dsts.size() / 2);
      for (String line : r.out.split("\n")) {
        Matcher m = RULE.matcher(line);
        if (m.find() && Long.parseLong(m.group(1)) == 0 && seen.contains(Inet4.parse(m.group(2)))
            && TYPES[host.addrType(Inet4.parse(m.group(2)), null)].equals(m.group(3))) {
          mismatches.add(m.group(2) + ": model says " + m.group(3) + " but the kernel's rule did not match");
        }
      }
      System.out.println("[addrtype] " + seen.size() + " of " + dsts.size() + " destinations reached OUTPUT, "
          + mismatches.size() + " mismatches");
      assertThat(mismatches).isEmpty();
    }
  }
}
