package io.nfeval.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The simulated router: {@code eth0} faces the Internet (198.51.100.2/24, a second address .3 for SNAT,
 * default route via 198.51.100.1), {@code eth1} faces the inside (10.0.0.1/16; 10.1.0.0/16 behind an
 * inside router 10.0.0.254). Writes the snapshot files in the shapes {@code ip -j addr show},
 * {@code ip -j route show table all} and {@code ip -j rule show} print.
 */
final class Topology {
  static final String OUTSIDE = "eth0";
  static final String INSIDE = "eth1";
  static final long OUTSIDE_MAC = 0x020000000001L;
  static final long INSIDE_MAC = 0x020000000002L;
  /** The upstream gateway 198.51.100.1: source MAC of every frame arriving on eth0. */
  static final long GATEWAY_MAC = 0x0200000001ffL;
  /** The inside router 10.0.0.254: source MAC of frames from 10.1.0.0/16. */
  static final long INSIDE_ROUTER_MAC = 0x0200000002feL;

  static final int PUBLIC_IP = ip(198, 51, 100, 2);
  static final int PUBLIC_IP2 = ip(198, 51, 100, 3);
  static final int INSIDE_NET = ip(10, 0, 0, 0);
  static final int SNAT_NET = ip(10, 1, 0, 0);

  private Topology() {}

  static int ip(int a, int b, int c, int d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
  }

  static String ipText(int a) {
    return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
  }

  static String cidr(int a, int len) {
    return ipText(a) + "/" + len;
  }

  /** The MAC of an inside host: 02:10 followed by its address (hosts behind 10.0.0.254 use the router's). */
  static long insideHostMac(int addr) {
    if ((addr & 0xffff0000) == SNAT_NET) {
      return INSIDE_ROUTER_MAC;
    }
    return 0x021000000000L | (addr & 0xffffffffL);
  }

  static void writeSnapshot(Path dir, String iptablesRules) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("iptables.rules"), iptablesRules, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("ip-addr.json"), addrJson(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("ip-route.json"), routeJson(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("ip-rule.json"), "[{\"priority\":0,\"src\":\"all\",\"table\":\"local\"},"
        + "{\"priority\":32766,\"src\":\"all\",\"table\":\"main\"},"
        + "{\"priority\":32767,\"src\":\"all\",\"table\":\"default\"}]\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("sysctl.txt"), String.join("\n",
        "# nfeval bench workload: a router between eth0 (outside) and eth1 (inside)",
        "net.ipv4.ip_forward = 1",
        "net.ipv4.conf.all.forwarding = 1",
        "net.ipv4.conf.default.forwarding = 1",
        "net.ipv4.conf.eth0.forwarding = 1",
        "net.ipv4.conf.eth1.forwarding = 1",
        "net.ipv4.conf.all.rp_filter = 0",
        "net.ipv4.conf.default.rp_filter = 2",
        "net.ipv4.conf.eth0.rp_filter = 2",
        "net.ipv4.conf.eth1.rp_filter = 2",
        "net.netfilter.nf_conntrack_max = 262144",
        "net.netfilter.nf_conntrack_tcp_loose = 1",
        "net.netfilter.nf_conntrack_checksum = 1",
        ""), StandardCharsets.UTF_8);
  }

  private static String mac(long m) {
    final StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      if (i > 0) {
        sb.append(':');
      }
      sb.append(String.format("%02x", (m >>> (40 - 8 * i)) & 0xff));
    }
    return sb.toString();
  }

  private static String addrJson() {
    final String life = "\"valid_life_time\":4294967295,\"preferred_life_time\":4294967295";
    return "[{\"ifindex\":1,\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\",\"UP\",\"LOWER_UP\"],\"mtu\":65536,"
        + "\"qdisc\":\"noqueue\",\"operstate\":\"UNKNOWN\",\"group\":\"default\",\"txqlen\":1000,"
        + "\"link_type\":\"loopback\",\"address\":\"00:00:00:00:00:00\",\"broadcast\":\"00:00:00:00:00:00\","
        + "\"addr_info\":[{\"family\":\"inet\",\"local\":\"127.0.0.1\",\"prefixlen\":8,\"scope\":\"host\","
        + "\"label\":\"lo\"," + life + "}]},"
        + link(2, OUTSIDE, OUTSIDE_MAC)
        + "\"addr_info\":[{\"family\":\"inet\",\"local\":\"198.51.100.2\",\"prefixlen\":24,"
        + "\"broadcast\":\"198.51.100.255\",\"scope\":\"global\",\"label\":\"eth0\"," + life + "},"
        + "{\"family\":\"inet\",\"local\":\"198.51.100.3\",\"prefixlen\":24,\"broadcast\":\"198.51.100.255\","
        + "\"scope\":\"global\",\"secondary\":true,\"label\":\"eth0\"," + life + "}]},"
        + link(3, INSIDE, INSIDE_MAC)
        + "\"addr_info\":[{\"family\":\"inet\",\"local\":\"10.0.0.1\",\"prefixlen\":16,"
        + "\"broadcast\":\"10.0.255.255\",\"scope\":\"global\",\"label\":\"eth1\"," + life + "}]}]\n";
  }

  private static String link(int index, String name, long mac) {
    return "{\"ifindex\":" + index + ",\"ifname\":\"" + name + "\",\"flags\":[\"BROADCAST\",\"MULTICAST\","
        + "\"UP\",\"LOWER_UP\"],\"mtu\":1500,\"qdisc\":\"fq_codel\",\"operstate\":\"UP\",\"group\":\"default\","
        + "\"txqlen\":1000,\"link_type\":\"ether\",\"address\":\"" + mac(mac) + "\","
        + "\"broadcast\":\"ff:ff:ff:ff:ff:ff\",";
  }

  private static String routeJson() {
    return "[{\"dst\":\"default\",\"gateway\":\"198.51.100.1\",\"dev\":\"eth0\",\"flags\":[]},"
        + "{\"dst\":\"10.0.0.0/16\",\"dev\":\"eth1\",\"protocol\":\"kernel\",\"scope\":\"link\","
        + "\"prefsrc\":\"10.0.0.1\",\"flags\":[]},"
        + "{\"dst\":\"10.1.0.0/16\",\"gateway\":\"10.0.0.254\",\"dev\":\"eth1\",\"flags\":[]},"
        + "{\"dst\":\"198.51.100.0/24\",\"dev\":\"eth0\",\"protocol\":\"kernel\",\"scope\":\"link\","
        + "\"prefsrc\":\"198.51.100.2\",\"flags\":[]},"
        + local("local", "127.0.0.0/8", "lo", "host", "127.0.0.1")
        + local("local", "127.0.0.1", "lo", "host", "127.0.0.1")
        + local("broadcast", "127.255.255.255", "lo", "link", "127.0.0.1")
        + local("local", "10.0.0.1", "eth1", "host", "10.0.0.1")
        + local("broadcast", "10.0.255.255", "eth1", "link", "10.0.0.1")
        + local("local", "198.51.100.2", "eth0", "host", "198.51.100.2")
        + local("local", "198.51.100.3", "eth0", "host", "198.51.100.2")
        + "{\"type\":\"broadcast\",\"dst\":\"198.51.100.255\",\"dev\":\"eth0\",\"table\":\"local\","
        + "\"protocol\":\"kernel\",\"scope\":\"link\",\"prefsrc\":\"198.51.100.2\",\"flags\":[]}]\n";
  }

  private static String local(String type, String dst, String dev, String scope, String prefsrc) {
    return "{\"type\":\"" + type + "\",\"dst\":\"" + dst + "\",\"dev\":\"" + dev + "\",\"table\":\"local\","
        + "\"protocol\":\"kernel\",\"scope\":\"" + scope + "\",\"prefsrc\":\"" + prefsrc + "\",\"flags\":[]},";
  }
}
