package io.nfeval.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The firewall policy of the simulated router, as data shared by the ruleset writer and the traffic
 * generator (so generated traffic is what the rules were written for): inside zones (one /24 each) with
 * the outbound services they may use, published inside services (port forwards) with source allowlists,
 * and a source blocklist on the outside interface.
 *
 * <p>The ruleset is shaped like real hand-written/generated router rulesets: {@code raw} PREROUTING
 * drops spoofed and blocklisted sources before conntrack; {@code filter} FORWARD accepts
 * {@code RELATED,ESTABLISHED} first, then dispatches by direction to {@code inside_out} (one
 * {@code -s zone -j zone_N} rule per zone: specific denies, then allows, then REJECT) and
 * {@code outside_in} (one {@code -d server -p tcp --dport P -j svc_N} per published service: allowlist,
 * then DROP); {@code nat} has one DNAT port forward per published service and MASQUERADE (SNAT for
 * 10.1.0.0/16) out {@code eth0}. The stateless variant has no conntrack match and no nat table: replies
 * are accepted by per-zone {@code --sport} rules (the pre-conntrack way), so every packet traverses the
 * dispatch rules.
 *
 * <p>The rule count is exact: the fixed structure is sized from the requested count, the remainder
 * filled with blocklist entries (30%), service allowlist entries (30%) and zone deny rules (40%). Below
 * the size of the smallest general structure (29 rules, 31 stateless) a minimal ruleset (10 rules) is
 * used and padded with zone denies.
 */
final class SitePolicy {
  /** First octets of "good" Internet addresses: servers, inbound clients, allowlists. */
  static final int[] GOOD_OCTETS = {23, 31, 34, 35, 52, 54, 66, 72, 81, 91, 104, 142, 151, 185, 212, 216};
  /** First octets the blocklists and deny rules come from: disjoint from the good ones. */
  static final int[] BAD_OCTETS = {5, 27, 36, 41, 45, 58, 61, 77, 89, 94, 103, 109, 112, 117, 121, 175, 177,
      186, 190, 193, 200};
  /** Public resolvers; zone i uses RESOLVERS[i % 8]. */
  static final int[] RESOLVERS = {Topology.ip(8, 8, 8, 8), Topology.ip(9, 9, 9, 9), Topology.ip(1, 1, 1, 1),
      Topology.ip(208, 67, 222, 222), Topology.ip(8, 8, 4, 4), Topology.ip(149, 112, 112, 112),
      Topology.ip(1, 0, 0, 1), Topology.ip(208, 67, 220, 220)};
  private static final int[] SERVICE_PORTS = {443, 80, 8080, 25, 993, 22, 3000, 5432};
  private static final String[] ANTISPOOF = {"0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16",
      "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4"};

  /** An inside zone: one /24 and the SSH admin network it may reach. */
  static final class Zone {
    final int index;
    final int net;
    final int resolver;
    final int sshNet;
    final List<String> denies = new ArrayList<>();

    Zone(int index, int net, int resolver, int sshNet) {
      this.index = index;
      this.net = net;
      this.resolver = resolver;
      this.sshNet = sshNet;
    }

    boolean snat() {
      return (net & 0xffff0000) == Topology.SNAT_NET;
    }
  }

  /** A published inside service: a port forward from the public address (stateful) or routed (stateless). */
  static final class Service {
    final int index;
    final int addr;
    final int port;
    final int publicPort;
    /** Allowlisted source networks (address, prefix length); empty = open to all. */
    final List<int[]> allow = new ArrayList<>();

    Service(int index, int addr, int port, int publicPort) {
      this.index = index;
      this.addr = addr;
      this.port = port;
      this.publicPort = publicPort;
    }
  }

  final int rules;
  final boolean stateless;
  final boolean minimal;
  final List<Zone> zones = new ArrayList<>();
  final List<Service> services = new ArrayList<>();
  /** Blocklisted source networks (address, prefix length). */
  final List<int[]> blocklist = new ArrayList<>();

  private SitePolicy(int rules, boolean stateless, boolean minimal) {
    this.rules = rules;
    this.stateless = stateless;
    this.minimal = minimal;
  }

  /** Fixed rules of the general structure for {@code z} zones and {@code s} services. */
  static int structure(int z, int s, boolean stateless) {
    if (stateless) {
      return 13 * z + 3 * s + 15;
    }
    return 7 * z + 3 * s + 19 + (z > 254 ? 1 : 0);
  }

  static SitePolicy build(int rules, boolean stateless, Prng rnd) {
    if (rules < 10) {
      throw new IllegalArgumentException("--rules must be at least 10");
    }
    int z = Math.max(1, Math.min(500, rules / 20));
    int s = Math.max(1, Math.min(200, rules / 60));
    while (structure(z, s, stateless) > rules && (z > 1 || s > 1)) {
      z = Math.max(1, z - 1);
      if (structure(z, s, stateless) > rules) {
        s = Math.max(1, s - 1);
      }
    }
    final boolean minimal = structure(z, s, stateless) > rules;
    final SitePolicy p = new SitePolicy(rules, stateless, minimal);
    for (int i = 0; i < z; i++) {
      final int net = i < 254 ? Topology.ip(10, 0, i + 2, 0) : Topology.ip(10, 1, i - 254, 0);
      p.zones.add(new Zone(i, net, RESOLVERS[i % RESOLVERS.length], goodNet(rnd, 24)));
    }
    for (int i = 0; i < s; i++) {
      final int port = SERVICE_PORTS[i % SERVICE_PORTS.length];
      final int pub = i < 2 ? port : 10000 + i;
      p.services.add(new Service(i, Topology.ip(10, 0, 1, 10 + i), port, pub));
    }
    final int fill = rules - (minimal ? 10 : structure(z, s, stateless));
    int blocks = minimal ? 0 : fill * 3 / 10;
    int allows = minimal ? 0 : fill * 3 / 10;
    int denies = fill - blocks - allows;
    for (int i = 0; i < blocks; i++) {
      final int len = new int[] {16, 20, 22, 24, 24, 24}[rnd.nextInt(6)];
      p.blocklist.add(new int[] {badNet(rnd, len), len});
    }
    for (int i = 0; i < allows; i++) {
      final int len = new int[] {16, 20, 24, 24, 28}[rnd.nextInt(5)];
      p.services.get(i % s).allow.add(new int[] {goodNet(rnd, len), len});
    }
    for (int i = 0; i < denies; i++) {
      p.zones.get(i % z).denies.add(denyRule(rnd));
    }
    return p;
  }

  static int mask(int len) {
    return len == 0 ? 0 : -1 << (32 - len);
  }

  static int goodNet(Prng rnd, int len) {
    final int a = (GOOD_OCTETS[rnd.nextInt(GOOD_OCTETS.length)] << 24) | (rnd.nextInt(1 << 24));
    return a & mask(len);
  }

  static int badNet(Prng rnd, int len) {
    final int a = (BAD_OCTETS[rnd.nextInt(BAD_OCTETS.length)] << 24) | (rnd.nextInt(1 << 24));
    return a & mask(len);
  }

  private static String denyRule(Prng rnd) {
    final int len = new int[] {16, 24, 24, 32}[rnd.nextInt(4)];
    final String d = "-d " + Topology.cidr(badNet(rnd, len), len);
    switch (rnd.nextInt(4)) {
      case 0:
        return d + " -j DROP";
      case 1:
        return d + " -p tcp -m tcp --dport " + new int[] {21, 23, 25, 445, 3389, 6667}[rnd.nextInt(6)]
            + " -j DROP";
      case 2:
        return "-p tcp -m multiport --dports 135,137:139,445 -j DROP";
      default:
        return d + " -j REJECT --reject-with icmp-port-unreachable";
    }
  }

  // ------------------------------------------------------------------ iptables-save text

  /** One table: built-in chains with policies, user chains, rules per chain. */
  private static final class TableText {
    final String name;
    final Map<String, String> builtins = new java.util.LinkedHashMap<>();
    final Map<String, List<String>> user = new TreeMap<>();
    final Map<String, List<String>> rules = new java.util.HashMap<>();

    TableText(String name, String... builtinPolicies) {
      this.name = name;
      for (int i = 0; i < builtinPolicies.length; i += 2) {
        builtins.put(builtinPolicies[i], builtinPolicies[i + 1]);
      }
    }

    void add(String chain, String rule) {
      if (!builtins.containsKey(chain)) {
        user.computeIfAbsent(chain, c -> new ArrayList<>());
      }
      rules.computeIfAbsent(chain, c -> new ArrayList<>()).add(rule);
    }

    int count() {
      return rules.values().stream().mapToInt(List::size).sum();
    }

    void write(StringBuilder sb) {
      sb.append('*').append(name).append('\n');
      builtins.forEach((c, p) -> sb.append(':').append(c).append(' ').append(p).append(" [0:0]\n"));
      user.keySet().forEach(c -> sb.append(':').append(c).append(" - [0:0]\n"));
      final List<String> order = new ArrayList<>(builtins.keySet());
      order.addAll(user.keySet());
      for (String c : order) {
        for (String r : rules.getOrDefault(c, List.of())) {
          sb.append("-A ").append(c).append(' ').append(r).append('\n');
        }
      }
      sb.append("COMMIT\n");
    }
  }

  static String zoneChain(Zone z) {
    return String.format("zone_%04d", z.index);
  }

  /** The ruleset in iptables-save form (nf_tables back end header, zero counters). */
  String iptablesSave() {
    final TableText raw = new TableText("raw", "PREROUTING", "ACCEPT", "OUTPUT", "ACCEPT");
    final TableText nat = new TableText("nat", "PREROUTING", "ACCEPT", "INPUT", "ACCEPT", "OUTPUT", "ACCEPT",
        "POSTROUTING", "ACCEPT");
    final TableText filter = new TableText("filter", "INPUT", "DROP", "FORWARD", "DROP", "OUTPUT", "ACCEPT");
    final String pub = Topology.cidr(Topology.PUBLIC_IP, 32);
    final String est = "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT";
    if (minimal) {
      writeMinimal(nat, filter, pub, est);
    } else {
      writeGeneral(raw, nat, filter, pub, est);
    }
    final int n = raw.count() + nat.count() + filter.count();
    if (n != rules) {
      throw new IllegalStateException("generated " + n + " rules, wanted " + rules);
    }
    final StringBuilder sb = new StringBuilder(rules * 64 + 1024);
    final String when = "Thu Jan  1 00:00:00 2026";
    sb.append("# Generated by iptables-save v1.8.9 (nf_tables) on ").append(when).append('\n');
    if (raw.count() > 0) {
      raw.write(sb);
    }
    if (!stateless) {
      nat.write(sb);
    }
    filter.write(sb);
    sb.append("# Completed on ").append(when).append('\n');
    return sb.toString();
  }

  private void writeMinimal(TableText nat, TableText filter, String pub, String est) {
    final Zone z = zones.get(0);
    final Service s = services.get(0);
    final String zn = Topology.cidr(z.net, 24);
    final String web = "-p tcp -m multiport --dports 80,443 -j ACCEPT";
    final String dns = "-d " + Topology.cidr(z.resolver, 32) + " -p udp -m udp --dport 53 -j ACCEPT";
    final String svc = "-d " + Topology.cidr(s.addr, 32) + " -p tcp -m tcp --dport " + s.port + " -j ACCEPT";
    filter.add("INPUT", "-p icmp -m icmp --icmp-type 8 -j ACCEPT");
    if (stateless) {
      filter.add("FORWARD", "-i eth1 -o eth0 -j inside_out");
      filter.add("FORWARD", "-i eth0 -o eth1 -j outside_in");
      filter.add("inside_out", "-s " + Topology.cidr(s.addr, 32) + " -p tcp -m tcp --sport " + s.port
          + " -j ACCEPT");
      filter.add("inside_out", "-s " + zn + " -j " + zoneChain(z));
      filter.add("outside_in", svc);
      filter.add("outside_in", "-d " + zn + " -p tcp -m multiport --sports 80,443 -j ACCEPT");
      filter.add("outside_in", "-d " + zn + " -p udp -m udp --sport 53 -j ACCEPT");
    } else {
      nat.add("PREROUTING", "-d " + pub + " -i eth0 -p tcp -m tcp --dport " + s.publicPort
          + " -j DNAT --to-destination " + Topology.ipText(s.addr) + ":" + s.port);
      nat.add("POSTROUTING", "-s 10.0.0.0/16 -o eth0 -j MASQUERADE");
      filter.add("FORWARD", est);
      filter.add("FORWARD", "-i eth1 -o eth0 -j inside_out");
      filter.add("FORWARD", "-i eth0 -o eth1 -j outside_in");
      filter.add("inside_out", "-s " + zn + " -j " + zoneChain(z));
      filter.add("outside_in", svc);
    }
    for (String d : z.denies) {
      filter.add(zoneChain(z), d);
    }
    filter.add(zoneChain(z), dns);
    filter.add(zoneChain(z), web);
  }

  private void writeGeneral(TableText raw, TableText nat, TableText filter, String pub, String est) {
    raw.add("PREROUTING", "-i eth0 -j blocklist");
    for (String a : ANTISPOOF) {
      raw.add("blocklist", "-s " + a + " -j DROP");
    }
    for (int[] b : blocklist) {
      raw.add("blocklist", "-s " + Topology.cidr(b[0], b[1]) + " -j DROP");
    }
    final String admin = Topology.cidr(zones.get(0).net, 24);
    filter.add("INPUT", "-i lo -j ACCEPT");
    if (!stateless) {
      filter.add("INPUT", est);
      filter.add("INPUT", "-m conntrack --ctstate INVALID -j DROP");
    }
    filter.add("INPUT", "-p icmp -m icmp --icmp-type 8 -j ACCEPT");
    filter.add("INPUT", "-s " + admin + " -i eth1 -p tcp -m tcp --dport 22 -j ACCEPT");
    if (!stateless) {
      filter.add("FORWARD", est);
      filter.add("FORWARD", "-m conntrack --ctstate INVALID -j DROP");
    }
    filter.add("FORWARD", "-i eth1 -o eth0 -j inside_out");
    filter.add("FORWARD", "-i eth0 -o eth1 -j outside_in");
    if (stateless) {
      filter.add("inside_out", "-s 10.0.1.0/24 -j srv_return");
      for (Service s : services) {
        filter.add("srv_return", "-s " + Topology.cidr(s.addr, 32) + " -p tcp -m tcp --sport " + s.port
            + " -j ACCEPT");
      }
    }
    for (Zone z : zones) {
      final String zn = Topology.cidr(z.net, 24);
      final String chain = zoneChain(z);
      filter.add("inside_out", "-s " + zn + " -m comment --comment \"zone " + z.index + "\" -j " + chain);
      for (String d : z.denies) {
        filter.add(chain, d);
      }
      filter.add(chain, "-d " + Topology.cidr(z.resolver, 32) + " -p udp -m udp --dport 53 -j ACCEPT");
      filter.add(chain, "-p tcp -m multiport --dports 80,443 -j ACCEPT");
      filter.add(chain, "-p udp -m udp --dport 123 -j ACCEPT");
      filter.add(chain, "-d " + Topology.cidr(z.sshNet, 24) + " -p tcp -m tcp --dport 22 -j ACCEPT");
      filter.add(chain, "-p icmp -m icmp --icmp-type 8 -j ACCEPT");
      filter.add(chain, "-j REJECT --reject-with icmp-port-unreachable");
    }
    for (Service s : services) {
      final String chain = String.format("svc_%04d", s.index);
      filter.add("outside_in", "-d " + Topology.cidr(s.addr, 32) + " -p tcp -m tcp --dport " + s.port
          + " -j " + chain);
      if (s.allow.isEmpty()) {
        filter.add(chain, "-j ACCEPT");
      } else {
        for (int[] a : s.allow) {
          filter.add(chain, "-s " + Topology.cidr(a[0], a[1]) + " -j ACCEPT");
        }
        filter.add(chain, "-j DROP");
      }
      if (!stateless) {
        nat.add("PREROUTING", "-d " + pub + " -i eth0 -p tcp -m tcp --dport " + s.publicPort
            + " -j DNAT --to-destination " + Topology.ipText(s.addr) + ":" + s.port);
      }
    }
    if (stateless) {
      for (Zone z : zones) {
        final String chain = String.format("zret_%04d", z.index);
        filter.add("outside_in", "-d " + Topology.cidr(z.net, 24) + " -j " + chain);
        filter.add(chain, "-p tcp -m multiport --sports 80,443 -j ACCEPT");
        filter.add(chain, "-p udp -m udp --sport 53 -j ACCEPT");
        filter.add(chain, "-p udp -m udp --sport 123 -j ACCEPT");
        filter.add(chain, "-p tcp -m tcp --sport 22 -j ACCEPT");
        filter.add(chain, "-p icmp -m icmp --icmp-type 0 -j ACCEPT");
      }
    } else {
      nat.add("POSTROUTING", "-s 10.0.0.0/16 -o eth0 -j MASQUERADE");
      if (zones.size() > 254) {
        nat.add("POSTROUTING", "-s 10.1.0.0/16 -o eth0 -j SNAT --to-source "
            + Topology.ipText(Topology.PUBLIC_IP2));
      }
    }
  }
}
