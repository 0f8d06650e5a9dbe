package io.nfeval.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds network namespaces with varied addressing, routing and sysctls, snapshots them, and compares
 * {@link HostModel#route} and {@link HostModel#addrType} with the kernel's {@code ip -j route get} for many
 * addresses (run in one {@code ip -batch} per namespace). Root only; skipped visibly otherwise.
 */
class KernelRoutingDifferentialTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern FAILED = Pattern.compile("Command failed -:(\\d+)");

  @TempDir Path tmp;

  @BeforeAll
  static void root() {
    Netns.assumeRoot();
  }

  static final String PEERS = "ip link set lo up\n"
      + "for i in v1 v2 v4; do ip link add $i type veth peer name ${i}p; ip link set $i up; ip link set ${i}p up; done\n";

  /** Policy routing heavy: rules of every kind, several tables, special route types, forwarding on. */
  static final String SETUP_POLICY = PEERS
      + "ip link add br0 type bridge; ip link set br0 up\n"
      + "ip link add v3 type veth peer name v3p; ip link set v3 master br0; ip link set v3 up; ip link set v3p up\n"
      + "ip addr add 10.1.0.1/24 dev v1; ip addr add 10.1.0.7/24 dev v1\n"
      + "ip addr add 10.2.0.1/16 brd + dev v1 label v1:sec\n"
      + "ip addr add 192.168.5.1/24 dev br0\n"
      + "ip addr add 172.20.0.1/30 dev v2; ip addr add 100.64.0.1 peer 100.64.0.2/32 dev v2\n"
      + "ip addr add 198.18.0.5/31 dev v2; ip addr add 203.0.113.200/32 dev v2\n"
      + "ip addr add 10.4.0.1/24 dev v4; ip link set v4 down\n"
      + "ip route add 10.44.0.0/16 via 10.1.0.44\n"
      + "ip route add default via 10.1.0.254 dev v1\n"
      + "ip route add blackhole 172.16.0.0/12; ip route add unreachable 203.0.113.0/24\n"
      + "ip route add prohibit 198.51.100.0/24\n"
      + "ip route add 8.8.8.0/24 via 10.1.0.253 src 10.1.0.7 metric 10\n"
      + "ip route add 8.8.8.0/24 via 10.1.0.252 metric 5\n"
      + "ip route add 8.8.0.0/16 via 172.20.0.2\n"
      + "ip route add 6.6.6.0/24 dev v1 tos 0x10; ip route add 6.6.0.0/16 via 172.20.0.2\n"
      + "ip route add table 100 default via 10.1.0.100; ip route add table 100 throw 10.0.0.0/8\n"
      + "ip route add table 100 10.9.0.0/16 via 172.20.0.2\n"
      + "ip route add table 200 local 44.0.0.0/8 dev lo\n"
      + "ip rule add fwmark 1 table 100\n"
      + "ip rule add from 192.168.5.0/24 lookup 100 pref 200\n"
      + "ip rule add to 9.9.9.9 prohibit pref 199\n"
      + "ip rule add to 9.9.9.10 unreachable pref 198\n"
      + "ip rule add to 9.9.9.11 blackhole pref 197\n"
      + "ip rule add fwmark 0x2/0xff lookup 200 pref 300\n"
      + "ip rule add not fwmark 0x4/0x4 to 44.1.0.0/16 lookup 200 pref 301\n"
      + "ip rule add iif v2 lookup 100 pref 400\n"
      + "ip rule add to 7.7.0.0/16 goto 32766 pref 500\n"
      + "ip rule add nop pref 501\n"
      + "ip rule add lookup main suppress_prefixlength 0 pref 600\n"
      + "ip rule add oif v2 lookup 100 pref 601\n"
      + "sysctl -qw net.ipv4.ip_forward=1\n";

  /** Reverse-path filtering and per-device sysctls with the kernel's default rules. */
  static final String SETUP_RPF = PEERS
      + "ip link add v3 type veth peer name v3p; ip link set v3 up; ip link set v3p up\n"
      + "ip addr add 10.10.0.1/24 dev v1; ip addr add 10.20.0.1/24 dev v2; ip addr add 10.30.0.1/24 dev v3\n"
      + "ip addr add 10.40.0.1/24 dev v4\n"
      + "ip route add 10.41.0.0/16 via 10.40.0.254\n"
      + "ip link set v4 down\n"
      + "ip route add 10.50.0.0/16 via 10.20.0.254\n"
      + "ip route add default via 10.10.0.254\n"
      + "ip route add blackhole 10.66.0.0/16\n"
      + "sysctl -qw net.ipv4.ip_forward=1\n"
      + "sysctl -qw net.ipv4.conf.all.rp_filter=0\n"
      + "sysctl -qw net.ipv4.conf.v1.rp_filter=1\n"
      + "sysctl -qw net.ipv4.conf.v2.rp_filter=2\n"
      + "sysctl -qw net.ipv4.conf.v3.forwarding=0\n"
      + "sysctl -qw net.ipv4.conf.v2.accept_local=1\n"
      + "sysctl -qw net.ipv4.conf.v3.route_localnet=1\n";

  /** The same with one custom rule (full source validation path) and src_valid_mark. */
  static final String SETUP_RPF_RULES = SETUP_RPF
      + "ip route add table 100 10.60.0.0/16 via 10.30.0.254\n"
      + "ip rule add fwmark 5 table 100\n"
      + "sysctl -qw net.ipv4.conf.v3.src_valid_mark=1\n"
      + "sysctl -qw net.ipv4.conf.v3.rp_filter=1\n";

  /** A plain host: forwarding off, default rules. */
  static final String SETUP_PLAIN = PEERS
      + "ip addr add 192.0.2.10/24 dev v1; ip addr add 192.0.2.11/24 dev v1; ip addr add 198.51.100.1/25 dev v2\n"
      + "ip route add default via 192.0.2.1\n";

  @Test
  void policyRouting() throws Exception {
    compare("p", SETUP_POLICY);
  }

  @Test
  void reversePathFilter() throws Exception {
    compare("r", SETUP_RPF);
  }

  @Test
  void reversePathFilterWithRules() throws Exception {
    compare("q", SETUP_RPF_RULES);
  }

  @Test
  void plainHostNoForwarding() throws Exception {
    compare("n", SETUP_PLAIN);
  }

  /** Rules selecting on ipproto, port ranges and uid ranges, and l3mdev / tun_id rules (no VRF, no tunnel). */
  static final String SETUP_FLOW = PEERS
      + "ip addr add 10.1.0.1/24 dev v1; ip addr add 10.2.0.1/24 dev v2; ip addr add 10.4.0.1/24 dev v4\n"
      + "ip route add default via 10.1.0.254\n"
      + "ip route add table 100 default via 10.2.0.254\n"
      + "ip route add table 101 default via 10.4.0.254\n"
      + "ip rule add ipproto udp dport 53 table 100 pref 100\n"
      + "ip rule add ipproto tcp sport 1000-2000 table 101 pref 101\n"
      + "ip rule add uidrange 1000-1999 table 100 pref 102\n"
      + "ip rule add not ipproto icmp to 8.8.8.0/24 table 101 pref 103\n"
      + "ip rule add dport 443 prohibit pref 99\n"
      + "ip rule add tun_id 5 table 100 pref 105\n"
      + "ip rule add l3mdev pref 1000\n"
      + "sysctl -qw net.ipv4.ip_forward=1\n"
      + "sysctl -qw net.ipv4.conf.all.rp_filter=0; sysctl -qw net.ipv4.conf.v4.rp_filter=0\n";

  @Test
  void flowSelectors() throws Exception {
    List<Query> queries = new ArrayList<>();
    HostModel host;
    List<String> answers;
    try (Netns ns = Netns.create("f")) {
      ns.sh(SETUP_FLOW);
      ns.snapshot(tmp);
      host = HostModel.load(tmp);
      assertThat(host.routesByFlow()).isTrue();
      final Object[][] flows = {
          {null, 0, 0, null}, {"udp", 5000, 53, null}, {"udp", 53, 5000, null}, {"tcp", 1500, 80, null},
          {"tcp", 999, 80, null}, {"tcp", 2000, 443, null}, {"tcp", 3000, 443, null}, {"icmp", 0, 0, null},
          {"tcp", 40000, 80, 1500}, {"udp", 40000, 123, 2000}, {null, 0, 0, 1000}};
      for (String dst : new String[] {"1.1.1.1", "8.8.8.8", "10.2.0.5", "10.1.0.1"}) {
        for (Object[] f : flows) {
          queries.add(new Query(Inet4.parse(dst), null, null, null, 0, 0)
              .flow((String) f[0], (Integer) f[1], (Integer) f[2], (Integer) f[3]));
          if (f[3] == null && f[0] != null) {
            queries.add(new Query(Inet4.parse(dst), Inet4.parse("10.4.0.9"), "v4", null, 0, 0)
                .flow((String) f[0], (Integer) f[1], (Integer) f[2], null));
          }
        }
      }
      answers = kernelAnswers(ns, queries);
    }
    check("f", host, queries, answers);
  }

  private void compare(String tag, String setup) throws Exception {
    List<Query> queries;
    List<String> answers;
    HostModel host;
    try (Netns ns = Netns.create(tag)) {
      ns.sh(setup);
      ns.snapshot(tmp);
      host = HostModel.load(tmp);
      queries = queries(host);
      answers = kernelAnswers(ns, queries);
    }
    String golden = System.getProperty("nfeval.writeGolden");
    if (golden != null) {
      writeGolden(Path.of(golden).resolve("kernel-" + tag), queries, answers);
    }
    check(tag, host, queries, answers);
  }

  /** Writes the snapshot and every 8th query with the kernel's answer as a golden test resource. */
  private void writeGolden(Path dir, List<Query> queries, List<String> answers) throws Exception {
    java.nio.file.Files.createDirectories(dir);
    for (String f : new String[] {"ip-addr.json", "ip-route.json", "ip-rule.json", "sysctl.txt"}) {
      java.nio.file.Files.copy(tmp.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < queries.size(); i += 8) {
      b.append(queries.get(i).command()).append('\t').append(answers.get(i)).append('\n');
    }
    java.nio.file.Files.writeString(dir.resolve("route-get.txt"), b.toString());
  }

  /**
   * Runs all queries through one {@code ip -j -force -batch -}. stdout has one JSON line per successful
   * command; stderr has the error text followed by "Command failed -:N". Answers are the JSON line or
   * "ERROR message".
   */
  static List<String> kernelAnswers(Netns ns, List<Query> queries) {
    StringBuilder batch = new StringBuilder();
    for (Query q : queries) {
      batch.append(q.command()).append('\n');
    }
    Netns.Result r = ns.exec(List.of("ip", "-j", "-force", "-batch", "-"), batch.toString());
    String[] errors = new String[queries.size() + 1];
    String last = null;
    for (String l : r.err.split("\n")) {
      Matcher m = FAILED.matcher(l);
      if (m.find()) {
        errors[Integer.parseInt(m.group(1))] = last == null ? "?" : last.replace("RTNETLINK answers: ", "");
        last = null;
      } else if (!l.isBlank()) {
        last = l.strip();
      }
    }
    String[] outLines = r.out.isEmpty() ? new String[0] : r.out.split("\n");
    List<String> answers = new ArrayList<>();
    int o = 0;
    for (int i = 0; i < queries.size(); i++) {
      answers.add(errors[i + 1] != null ? "ERROR " + errors[i + 1] : outLines[o++]);
    }
    assertThat(o).as("stdout lines consumed").isEqualTo(outLines.length);
    return answers;
  }

  /** Compares the model with the kernel's answers; fails listing the first 40 mismatches. */
  static void check(String tag, HostModel host, List<Query> queries, List<String> answers) throws Exception {
    List<String> mismatches = new ArrayList<>();
    java.util.TreeMap<String, Integer> outcomes = new java.util.TreeMap<>();
    for (int i = 0; i < queries.size(); i++) {
      Query q = queries.get(i);
      RouteResult model = q.run(host);
      outcomes.merge((q.iif == null ? "out " : "in ") + (model.ok() ? RouteType.name(model.type())
          + (model.doRedirect() ? "+redirect" : "") : model.reason().toString()), 1, Integer::sum);
      String answer = answers.get(i);
      if (answer.startsWith("ERROR ")) {
        String kernelError = answer.substring(6);
        if (model.ok() || !Errno.message(model.error()).equals(kernelError)) {
          mismatches.add(q.command() + ": kernel error '" + kernelError + "', model " + model);
        }
        continue;
      }
      JsonNode k = JSON.readTree(answer).get(0);
      String diff = diff(host, q, k, model);
      if (diff != null) {
        mismatches.add(q.command() + ": kernel " + k + " | model " + model + " | " + diff);
      }
      if (q.iif == null && q.src == null && q.mark == 0 && q.oif == null && q.tos == 0) {
        // addrtype: the kernel's type for a plain lookup of a local-table address
        String kt = k.path("type").asText("unicast");
        int mt = host.addrType(q.dst, null);
        if ((kt.equals("local") || kt.equals("broadcast")) && !RouteType.name(mt).equals(kt)
            && !Inet4.isZeronet(q.dst) && host.rules().size() == 3) {
          mismatches.add("addrType " + Inet4.format(q.dst) + ": kernel " + kt + ", model " + RouteType.name(mt));
        }
      }
    }
    System.out.println("[" + tag + "] compared " + queries.size() + " route lookups with the kernel, "
        + mismatches.size() + " mismatches; outcomes " + outcomes);
    assertThat(mismatches).as("model vs kernel (first 40)")
        .satisfies(l -> assertThat(l.subList(0, Math.min(40, l.size()))).isEmpty());
  }

  private static String diff(HostModel host, Query q, JsonNode k, RouteResult m) {
    if (!m.ok()) {
      return "kernel routed, model failed";
    }
    String type = k.path("type").asText("unicast");
    if (!type.equals(RouteType.name(m.type()))) {
      return "type";
    }
    String dev = k.path("dev").asText(null);
    if (dev != null && (m.oif() == null || !dev.equals(m.oif().name()))) {
      return "dev";
    }
    int gw = k.hasNonNull("gateway") ? Inet4.parse(k.get("gateway").asText()) : 0;
    if (gw != m.gateway()) {
      return "gateway";
    }
    if (k.hasNonNull("prefsrc") && Inet4.parse(k.get("prefsrc").asText()) != m.prefsrc()) {
      return "prefsrc";
    }
    boolean redirect = false;
    for (JsonNode c : k.path("cache")) {
      redirect |= c.asText().equals("redirect");
    }
    if (redirect != m.doRedirect()) {
      return "redirect";
    }
    if (host.rules().size() != 3 && m.table() != 0) {
      // without custom rules the kernel merges local into main and reports main
      String kt = k.path("table").asText("main");
      if (!kt.equals(host.tableName(m.table()))) {
        return "table";
      }
    }
    return null;
  }

  static final class Query {
    final int dst;
    final Integer src;
    final String iif;
    final String oif;
    final int mark;
    final int tos;
    /** The flow's L4 key (ip route get's ipproto/sport/dport/uid); proto null when not given. */
    String proto;
    int sport;
    int dport;
    Integer uid;

    Query(int dst, Integer src, String iif, String oif, int mark, int tos) {
      this.dst = dst;
      this.src = src;
      this.iif = iif;
      this.oif = oif;
      this.mark = mark;
      this.tos = tos;
    }

    Query flow(String p, int s, int d, Integer u) {
      proto = p;
      sport = s;
      dport = d;
      uid = u;
      return this;
    }

    /** Parses a command as {@link #command()} writes it. */
    static Query parse(String cmd) {
      String[] t = cmd.trim().split("\\s+");
      int dst = Inet4.parse(t[2]);
      Integer src = null;
      String iif = null;
      String oif = null;
      int mark = 0;
      int tos = 0;
      for (int i = 3; i + 1 < t.length; i += 2) {
        switch (t[i]) {
          case "from": src = Inet4.parse(t[i + 1]); break;
          case "iif": iif = t[i + 1]; break;
          case "oif": oif = t[i + 1]; break;
          case "mark": mark = Integer.decode(t[i + 1]); break;
          case "tos": tos = Integer.decode(t[i + 1]); break;
          case "ipproto": case "sport": case "dport": case "uid": break; // read below
          default: throw new IllegalArgumentException(cmd);
        }
      }
      final Query q = new Query(dst, src, iif, oif, mark, tos);
      for (int i = 3; i + 1 < t.length; i += 2) {
        switch (t[i]) {
          case "ipproto": q.proto = t[i + 1]; break;
          case "sport": q.sport = Integer.parseInt(t[i + 1]); break;
          case "dport": q.dport = Integer.parseInt(t[i + 1]); break;
          case "uid": q.uid = Integer.parseInt(t[i + 1]); break;
          default: break;
        }
      }
      return q;
    }

    String command() {
      StringBuilder b = new StringBuilder("route get ").append(Inet4.format(dst));
      if (src != null) {
        b.append(" from ").append(Inet4.format(src));
      }
      if (iif != null) {
        b.append(" iif ").append(iif);
      }
      if (oif != null) {
        b.append(" oif ").append(oif);
      }
      if (mark != 0) {
        b.append(" mark ").append(mark);
      }
      if (tos != 0) {
        b.append(" tos 0x").append(Integer.toHexString(tos));
      }
      if (proto != null) {
        b.append(" ipproto ").append(proto);
        if (sport != 0) {
          b.append(" sport ").append(sport);
        }
        if (dport != 0) {
          b.append(" dport ").append(dport);
        }
      }
      if (uid != null) {
        b.append(" uid ").append(uid);
      }
      return b.toString();
    }

    RouteResult run(HostModel h) {
      final int p = proto == null ? 0 : switch (proto) {
        case "tcp" -> 6;
        case "udp" -> 17;
        case "icmp" -> 1;
        default -> Integer.parseInt(proto);
      };
      // ip route get without uid asks as the caller (root, 0); input lookups always see uid 0
      return h.route(new RouteResult(), src == null ? 0 : src, dst, tos, mark, iif == null ? null : h.byName(iif),
          oif == null ? null : h.byName(oif), p, sport, dport, uid == null ? 0 : uid);
    }
  }

  private static List<Query> queries(HostModel host) {
    Set<Integer> dsts = new LinkedHashSet<>();
    Set<Integer> own = new LinkedHashSet<>();
    for (NetInterface i : host.interfaces()) {
      for (IfAddress a : i.addresses()) {
        own.add(a.address());
        dsts.add(a.address());
        dsts.add(a.address() + 1);
        dsts.add(a.peer() & a.mask());
        dsts.add((a.peer() & a.mask()) | ~a.mask());
      }
    }
    for (int t : new int[] {HostModel.TABLE_MAIN, HostModel.TABLE_LOCAL, 100, 200}) {
      for (Route r : host.table(t)) {
        dsts.add(r.dst());
        dsts.add(r.dst() | ~Inet4.mask(r.prefixLen()));
        dsts.add(r.dst() + 3);
        for (Nexthop nh : r.nexthops()) {
          if (nh.gateway() != 0) {
            dsts.add(nh.gateway());
          }
        }
      }
    }
    for (String s : new String[] {"0.0.0.0", "255.255.255.255", "127.0.0.1", "127.1.2.3", "224.0.0.1",
        "224.0.0.251", "239.1.1.1", "9.9.9.9", "9.9.9.10", "9.9.9.11", "7.7.7.7", "44.1.2.3", "44.2.0.1",
        "6.6.6.6", "1.1.1.1", "10.9.1.1", "10.3.3.3", "10.60.1.1", "10.50.1.1", "10.66.0.1"}) {
      dsts.add(Inet4.parse(s));
    }
    Random rnd = new Random(42);
    for (int i = 0; i < 30; i++) {
      dsts.add(rnd.nextInt());
    }
    List<Integer> sources = new ArrayList<>();
    for (int d : dsts) {
      if (!Inet4.isMulticast(d) && d != -1 && d != 0) {
        sources.add(d);
      }
    }
    sources.add(Inet4.parse("127.0.0.1"));
    sources.add(0);
    sources.add(3);
    sources.add(Inet4.parse("224.0.0.9"));
    List<String> inIfs = new ArrayList<>();
    for (NetInterface i : host.interfaces()) {
      if (!i.name().endsWith("p")) {
        inIfs.add(i.name());
      }
    }
    int ownFirst = own.stream().filter(a -> !Inet4.isLoopback(a)).findFirst().orElse(0);
    List<Query> q = new ArrayList<>();
    int s = 0;
    for (int d : dsts) {
      q.add(new Query(d, null, null, null, 0, 0));
      q.add(new Query(d, null, null, null, 1, 0));
      q.add(new Query(d, null, null, null, 2, 0));
      q.add(new Query(d, null, null, null, 0, 0x10));
      if (ownFirst != 0) {
        q.add(new Query(d, ownFirst, null, null, 0, 0));
      }
      q.add(new Query(d, null, null, inIfs.get(s % inIfs.size()), 0, 0));
      q.add(new Query(d, sources.get((s * 13) % sources.size()), null, null, 0, 0));
      q.add(new Query(d, sources.get((s * 5 + 1) % sources.size()), inIfs.get((s + 1) % inIfs.size()), null, 0,
          0x10));
      for (String iif : inIfs) {
        for (int k = 0; k < 3; k++) {
          int src = sources.get((s++ * 7 + k) % sources.size());
          q.add(new Query(d, src, iif, null, k == 2 ? (s % 2 == 0 ? 1 : 5) : 0, 0));
        }
      }
    }
    return q;
  }
}
