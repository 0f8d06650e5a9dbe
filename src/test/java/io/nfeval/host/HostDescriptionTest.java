package io.nfeval.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nfeval.InputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config/host-example.json, and the implied routes compared with what the kernel creates. */
class HostDescriptionTest {
  static final Path EXAMPLE = Paths.get("config/host-example.json");

  @TempDir Path tmp;

  static int a(String s) {
    return Inet4.parse(s);
  }

  @Test
  void exampleLoads() {
    HostModel h = HostModel.fromDescription(EXAMPLE);
    assertThat(h.interfaces()).extracting(NetInterface::name)
        .containsExactly("lo", "eth0", "eth1", "docker0", "veth1");
    assertThat(h.byName("lo").index()).isEqualTo(1);
    assertThat(h.byName("eth0").addresses().get(1).isSecondary()).isTrue();
    assertThat(h.byName("veth1").master()).isEqualTo("docker0");
    assertThat(h.byName("eth1").mtu()).isEqualTo(9000);
    assertThat(h.ipForward()).isTrue();
    assertThat(h.rpFilter(h.byName("eth0"))).isEqualTo(2);
    // IN_DEV_ORCONF: all=0 and default=0 (the device's starting value) turn redirects off
    assertThat(h.sendRedirects(h.byName("eth0"))).isFalse();
    assertThat(h.sysctlInt("net.netfilter.nf_conntrack_max", 0)).isEqualTo(262144);
    assertThat(h.addrType(a("203.0.113.11"), null)).isEqualTo(RouteType.LOCAL);
    assertThat(h.addrType(a("10.0.255.255"), null)).isEqualTo(RouteType.BROADCAST);
    assertThat(h.route(0, a("8.8.8.8"), 0, 0, null, null).toString())
        .isEqualTo("unicast via 203.0.113.1 dev eth0 table 254 src 203.0.113.10");
    assertThat(h.route(0, a("8.8.8.8"), 0, 1, null, null).toString())
        .isEqualTo("unicast via 10.0.0.253 dev eth1 table 100 src 10.0.0.1");
    assertThat(h.route(0, a("172.17.0.5"), 0, 0, null, null).toString())
        .isEqualTo("unicast dev docker0 table 254 src 172.17.0.1");
    // rp_filter is max(all=2, eth0=1) = 2, loose: any routable source passes, a blackholed one does not
    assertThat(h.validateSource(a("10.8.1.1"), a("203.0.113.10"), 0, 0, h.byName("eth0"), null)).isTrue();
    assertThat(h.validateSource(a("1.1.1.1"), a("10.0.0.1"), 0, 0, h.byName("eth1"), null)).isTrue();
    assertThat(h.validateSource(a("192.168.1.1"), a("10.0.0.1"), 0, 0, h.byName("eth1"), null)).isFalse();
    // a source that is one of the host's own addresses is a martian on a non-loopback device
    assertThat(h.validateSource(a("10.0.0.1"), a("203.0.113.10"), 0, 0, h.byName("eth0"), null)).isFalse();
  }

  @Test
  void strictReversePath() throws Exception {
    Path f = tmp.resolve("strict.json");
    Files.writeString(f, Files.readString(EXAMPLE).replace("\"net.ipv4.conf.all.rp_filter\": 2",
        "\"net.ipv4.conf.all.rp_filter\": 0"));
    HostModel h = HostModel.fromDescription(f);
    assertThat(h.rpFilter(h.byName("eth0"))).isEqualTo(1);
    assertThat(h.validateSource(a("10.8.1.1"), a("203.0.113.10"), 0, 0, h.byName("eth0"), null)).isFalse();
    assertThat(h.validateSource(a("1.1.1.1"), a("203.0.113.10"), 0, 0, h.byName("eth0"), null)).isTrue();
    RouteResult r = h.route(a("10.8.1.1"), a("203.0.113.10"), 0, 0, h.byName("eth0"), null);
    assertThat(r.error()).isEqualTo(Errno.EINVAL);
    assertThat(r.reason()).isEqualTo(RouteResult.Reason.RP_FILTER);
    // rp_filter 0 on eth1: anything but our own addresses passes
    assertThat(h.validateSource(a("192.168.1.1"), a("10.0.0.1"), 0, 0, h.byName("eth1"), null)).isTrue();
  }

  @Test
  void badDescriptions() throws Exception {
    Path f = tmp.resolve("h.json");
    Files.writeString(f, "{\"interfaces\": [{\"name\": \"eth0\", \"addresses\": [\"10.0.0.300/24\"]}]}");
    assertThatThrownBy(() -> HostModel.fromDescription(f)).isInstanceOf(InputException.class)
        .hasMessageContaining("h.json").hasMessageContaining("interface eth0");
    Files.writeString(f, "{\"interfaces\": []");
    assertThatThrownBy(() -> HostModel.fromDescription(f)).isInstanceOf(InputException.class)
        .hasMessageContaining("h.json:1:");
    Files.writeString(f, "{}");
    assertThatThrownBy(() -> HostModel.fromDescription(f)).isInstanceOf(InputException.class)
        .hasMessageContaining("interfaces");
    for (String hz : new String[] {"\"1000\"", "0", "250.5", "20000"}) {
      Files.writeString(f, "{\"interfaces\": [], \"configHz\": " + hz + "}");
      assertThatThrownBy(() -> HostModel.fromDescription(f)).isInstanceOf(InputException.class)
          .hasMessageContaining("h.json").hasMessageContaining("configHz");
    }
    Files.writeString(f, "{\"interfaces\": [], \"configHz\": 1000}");
    org.assertj.core.api.Assertions.assertThat(HostModel.fromDescription(f).configHz()).isEqualTo(1000);
  }

  /** The routes implied by the example's addresses equal those the kernel creates for the same addresses. */
  @Test
  void impliedRoutesMatchTheKernel() throws Exception {
    Netns.assumeRoot();
    try (Netns ns = Netns.create("d")) {
      ns.sh("ip link set lo up\n"
          + "ip link add eth0 type veth peer name p0; ip link set eth0 up; ip link set p0 up\n"
          + "ip link add eth1 type veth peer name p1; ip link set eth1 up; ip link set p1 up\n"
          + "ip link add docker0 type bridge; ip link set docker0 up\n"
          + "ip link add veth1 type veth peer name p2; ip link set veth1 master docker0; ip link set veth1 up\n"
          + "ip addr add 203.0.113.10/24 dev eth0; ip addr add 203.0.113.11/24 dev eth0 label eth0:web\n"
          + "ip addr add 10.0.0.1/16 broadcast 10.0.255.255 dev eth1\n"
          + "ip addr add 172.17.0.1/16 dev docker0\n"
          + "ip addr add 192.0.2.7/32 dev eth1; ip addr add 198.18.0.1/31 dev eth1\n"
          + "ip addr add 100.64.0.1 peer 100.64.0.9/32 dev eth1; ip addr add 10.200.0.1/24 brd 10.200.0.128 dev eth1\n"
          + "ip link add eth2 type veth peer name p3; ip addr add 10.99.0.1/24 dev eth2\n");
      ns.snapshot(tmp);
      HostModel kernel = HostModel.load(tmp);
      Path desc = tmp.resolve("desc.json");
      String json = Files.readString(EXAMPLE).replaceFirst("\"routes\": \\[[^\\]]*\\]", "\"routes\": []")
          .replace("{ \"address\": \"10.0.0.1/16\", \"broadcast\": \"10.0.255.255\" }",
              "{ \"address\": \"10.0.0.1/16\", \"broadcast\": \"10.0.255.255\" }, \"192.0.2.7/32\","
              + " \"198.18.0.1/31\", { \"address\": \"100.64.0.1/32\", \"peer\": \"100.64.0.9\" },"
              + " { \"address\": \"10.200.0.1/24\", \"broadcast\": \"10.200.0.128\" }")
          .replace("{ \"name\": \"veth1\"", "{ \"name\": \"eth2\", \"flags\": [\"BROADCAST\", \"MULTICAST\"],"
              + " \"addresses\": [\"10.99.0.1/24\"] },\n    { \"name\": \"veth1\"");
      Files.writeString(desc, json);
      HostModel described = HostModel.fromDescription(desc);
      for (int t : new int[] {HostModel.TABLE_LOCAL, HostModel.TABLE_MAIN}) {
        assertThat(routeSet(described.table(t))).as("table " + t).isEqualTo(routeSet(kernel.table(t)));
      }
    }
  }

  private static TreeSet<String> routeSet(List<Route> routes) {
    TreeSet<String> s = new TreeSet<>();
    for (Route r : routes) {
      s.add(r + " scope " + r.scope() + " src " + Inet4.format(r.prefsrc()));
    }
    return s;
  }
}
