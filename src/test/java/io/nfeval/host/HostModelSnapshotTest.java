package io.nfeval.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nfeval.InputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden snapshot src/test/resources/host/sample-hs1 (real iproute2 6.1 JSON from a namespace on a 6.18
 * kernel, see SOURCES.md there); expected results are what {@code ip route get} printed in that namespace.
 */
class HostModelSnapshotTest {
  static final Path SAMPLE = Paths.get("src/test/resources/host/sample-hs1");

  @TempDir Path tmp;

  static int a(String s) {
    return Inet4.parse(s);
  }

  @Test
  void interfacesAndAddresses() {
    HostModel h = HostModel.load(SAMPLE);
    assertThat(h.interfaces()).extracting(NetInterface::name).containsExactly("lo", "v1", "br0", "v4", "v3");
    NetInterface v1 = h.byName("v1");
    assertThat(v1.index()).isEqualTo(2);
    assertThat(h.byIndex(2)).isSameAs(v1);
    assertThat(v1.isUp()).isTrue();
    assertThat(v1.flags() & NetInterface.IFF_MULTICAST).isNotZero();
    assertThat(v1.mtu()).isEqualTo(1500);
    assertThat(v1.mac()).isEqualTo(0xa69f75cf1654L);
    assertThat(v1.addresses()).extracting(IfAddress::toString)
        .containsExactly("10.1.0.1/24", "10.2.0.1/16", "10.1.0.7/24 secondary");
    assertThat(v1.addresses().get(1).label()).isEqualTo("v1:sec");
    assertThat(v1.addresses().get(1).broadcast()).isEqualTo(a("10.2.255.255"));
    assertThat(v1.primaryAddress().address()).isEqualTo(a("10.1.0.1"));
    assertThat(v1.primaryAddressFor(a("10.2.3.4"))).isEqualTo(a("10.2.0.1"));
    assertThat(h.byName("v3").master()).isEqualTo("br0");
    assertThat(h.byName("lo").isLoopback()).isTrue();
    assertThat(h.byName("lo").linkType()).isEqualTo("loopback");
    assertThat(h.ipForward()).isTrue();
    assertThat(h.rules()).extracting(PolicyRule::priority)
        .containsExactly(0, 199, 200, 300, 302, 303, 304, 32765, 32766, 32767);
  }

  @Test
  void outputRoutesAsTheKernelPrintedThem() {
    HostModel h = HostModel.load(SAMPLE);
    assertRoute(h.route(0, a("1.2.3.4"), 0, 0, null, null), "unicast via 10.1.0.254 dev v1 table 254 src 10.1.0.1");
    // rule 303 "goto 32766" skips the fwmark rule 32765 in this snapshot, so mark 1 still uses main
    assertRoute(h.route(0, a("1.2.3.4"), 0, 1, null, null), "unicast via 10.1.0.254 dev v1 table 254 src 10.1.0.1");
    // rule 200: from 192.168.5.0/24 lookup 100
    assertRoute(h.route(a("192.168.5.1"), a("1.2.3.4"), 0, 0, null, null), "unicast via 10.1.0.100 dev v1 table 100 src 192.168.5.1");
    assertRoute(h.route(0, a("10.3.3.3"), 0, 1, null, null), "unicast via 10.1.0.254 dev v1 table 254 src 10.1.0.1");
    assertRoute(h.route(0, a("8.8.8.8"), 0, 0, null, null), "unicast via 10.1.0.252 dev v1 table 254 src 10.1.0.1");
    assertRoute(h.route(0, a("10.1.0.1"), 0, 0, null, null), "local dev lo table 255 src 10.1.0.1");
    assertRoute(h.route(0, a("127.0.0.5"), 0, 0, null, null), "local dev lo table 255 src 127.0.0.1");
    assertRoute(h.route(0, a("10.1.0.255"), 0, 0, null, null), "broadcast dev v1 table 255 src 10.1.0.1");
    assertRoute(h.route(0, a("255.255.255.255"), 0, 0, null, null), "broadcast dev v1 table 254 src 10.1.0.1");
    assertRoute(h.route(0, a("224.0.0.1"), 0, 0, null, null), "multicast dev v1 table 254 src 10.1.0.1");
    assertThat(h.route(0, a("172.16.1.1"), 0, 0, null, null).error()).isEqualTo(Errno.EINVAL);
    assertThat(h.route(0, a("203.0.113.5"), 0, 0, null, null).error()).isEqualTo(Errno.EHOSTUNREACH);
    assertThat(h.route(0, a("198.51.100.1"), 0, 0, null, null).error()).isEqualTo(Errno.EACCES);
    RouteResult r = h.route(0, a("9.9.9.9"), 0, 0, null, null);
    assertThat(r.error()).isEqualTo(Errno.EACCES);
    assertThat(r.reason()).isEqualTo(RouteResult.Reason.PROHIBIT);
  }

  @Test
  void inputRoutes() {
    HostModel h = HostModel.load(SAMPLE);
    NetInterface v1 = h.byName("v1");
    RouteResult r = h.route(a("10.1.0.9"), a("1.2.3.4"), 0, 0, v1, null);
    assertRoute(r, "unicast via 10.1.0.254 dev v1 table 254 redirect");
    assertRoute(h.route(a("10.1.0.9"), a("10.1.0.1"), 0, 0, v1, null), "local dev lo table 255");
    assertRoute(h.route(a("10.1.0.9"), a("10.1.0.255"), 0, 0, v1, null), "broadcast dev lo table 255");
    assertRoute(h.route(a("10.1.0.9"), a("224.0.0.1"), 0, 0, v1, null), "multicast dev lo table 0");
    r = h.route(a("10.1.0.9"), a("203.0.113.5"), 0, 0, v1, null);
    assertThat(r.error()).isEqualTo(Errno.EHOSTUNREACH);
    assertThat(r.icmpType()).isEqualTo(3);
    assertThat(r.icmpCode()).isEqualTo(1);
    r = h.route(a("10.1.0.1"), a("1.2.3.4"), 0, 0, v1, null);
    assertThat(r.error()).isEqualTo(Errno.EINVAL);
    assertThat(r.reason()).isEqualTo(RouteResult.Reason.MARTIAN_SOURCE);
    assertThat(h.route(a("127.0.0.1"), a("1.2.3.4"), 0, 0, v1, null).reason())
        .isEqualTo(RouteResult.Reason.MARTIAN_SOURCE);
    assertThat(h.route(a("10.1.0.9"), a("239.9.9.9"), 0, 0, v1, null).reason())
        .isEqualTo(RouteResult.Reason.MULTICAST_NOT_JOINED);
    assertThat(h.route(a("10.1.0.9"), a("172.16.0.1"), 0, 0, v1, null).reason())
        .isEqualTo(RouteResult.Reason.BLACKHOLE);
    assertThat(h.route(a("10.1.0.9"), a("172.16.0.1"), 0, 0, v1, null).icmpType()).isEqualTo(-1);
  }

  @Test
  void addrType() {
    HostModel h = HostModel.load(SAMPLE);
    assertThat(h.addrType(a("10.1.0.1"), null)).isEqualTo(RouteType.LOCAL);
    assertThat(h.addrType(a("10.1.0.7"), null)).isEqualTo(RouteType.LOCAL);
    assertThat(h.addrType(a("127.9.9.9"), null)).isEqualTo(RouteType.LOCAL);
    assertThat(h.addrType(a("10.1.0.255"), null)).isEqualTo(RouteType.BROADCAST);
    assertThat(h.addrType(a("10.1.0.0"), null)).isEqualTo(RouteType.UNICAST);
    assertThat(h.addrType(a("0.0.0.0"), null)).isEqualTo(RouteType.BROADCAST);
    // 0/8 other than 0.0.0.0 is unicast since Linux 5.3 (KernelAddrTypeTest checks it on the kernel)
    assertThat(h.addrType(a("0.0.0.3"), null)).isEqualTo(RouteType.UNICAST);
    assertThat(h.addrType(a("255.255.255.255"), null)).isEqualTo(RouteType.BROADCAST);
    assertThat(h.addrType(a("239.1.1.1"), null)).isEqualTo(RouteType.MULTICAST);
    assertThat(h.addrType(a("1.2.3.4"), null)).isEqualTo(RouteType.UNICAST);
    assertThat(h.addrType(a("10.1.0.1"), h.byName("v1"))).isEqualTo(RouteType.LOCAL);
    assertThat(h.addrType(a("10.1.0.1"), h.byName("br0"))).isEqualTo(RouteType.UNICAST);
    assertThat(h.addrType(a("192.168.5.1"), h.byName("br0"))).isEqualTo(RouteType.LOCAL);
  }

  @Test
  void sysctlsParse() throws Exception {
    Path f = tmp.resolve("sysctl.txt");
    Files.writeString(f, "# comment\n; other\nnet.ipv4.ip_forward=1\n net.ipv4.conf.all.rp_filter = 2\n"
        + "net.ipv4.conf.eth0/100.rp_filter = 1\nnet.ipv4.ip_local_port_range = 32768\t60999\n\n");
    Sysctls s = Sysctls.parse(f);
    assertThat(s.getInt("net.ipv4.ip_forward", 0)).isEqualTo(1);
    assertThat(s.getInt("net.ipv4.ip_local_port_range", 0)).isEqualTo(32768);
    assertThat(s.maxConf("eth0.100", "rp_filter", 0)).isEqualTo(2);
    assertThat(s.devConf("eth0.100", "rp_filter", 0)).isEqualTo(1);
    Files.writeString(f, "net.ipv4.ip_forward 1\n");
    assertThatThrownBy(() -> Sysctls.parse(f)).isInstanceOf(InputException.class)
        .hasMessageContaining("sysctl.txt:1:");
  }

  @Test
  void badJsonNamesFileAndLine() throws Exception {
    copySample();
    Files.writeString(tmp.resolve("ip-route.json"), "[{\"dst\":\"default\",\n\"gateway\": 10.1.0.1}]");
    assertThatThrownBy(() -> HostModel.load(tmp)).isInstanceOf(InputException.class)
        .hasMessageContaining("ip-route.json:2:").hasMessageContaining("bad JSON");
  }

  @Test
  void missingFieldNamesFileAndEntry() throws Exception {
    copySample();
    Files.writeString(tmp.resolve("ip-addr.json"), "[{\"ifindex\":1,\"flags\":[]}]");
    assertThatThrownBy(() -> HostModel.load(tmp)).isInstanceOf(InputException.class)
        .hasMessageContaining("ip-addr.json").hasMessageContaining("entry 1: missing \"ifname\"");
    copySample();
    Files.writeString(tmp.resolve("ip-rule.json"), "[{\"src\":\"all\",\"table\":\"main\"}]");
    assertThatThrownBy(() -> HostModel.load(tmp)).isInstanceOf(InputException.class)
        .hasMessageContaining("ip-rule.json").hasMessageContaining("priority");
    copySample();
    Files.writeString(tmp.resolve("ip-route.json"), "[{\"dst\":\"1.2.3.0/24\",\"dev\":\"nope\"}]");
    assertThatThrownBy(() -> HostModel.load(tmp)).isInstanceOf(InputException.class)
        .hasMessageContaining("ip-route.json").hasMessageContaining("unknown device nope");
    Files.delete(tmp.resolve("ip-route.json"));
    assertThatThrownBy(() -> HostModel.load(tmp)).isInstanceOf(InputException.class)
        .hasMessageContaining("ip-route.json: missing");
  }

  @Test
  void defaultRulesWhenRuleFileAbsent() throws Exception {
    copySample();
    Files.delete(tmp.resolve("ip-rule.json"));
    HostModel h = HostModel.load(tmp);
    assertThat(h.rules()).extracting(PolicyRule::priority).containsExactly(0, 32766, 32767);
    assertThat(h.route(0, a("1.2.3.4"), 0, 1, null, null).gateway()).isEqualTo(a("10.1.0.254"));
  }

  @Test
  void clockOffsetFromSnapshotInfo() throws Exception {
    copySample();
    assertThat(HostModel.load(tmp).realtimeMinusMonotonic()).isEqualTo(HostModel.CLOCK_UNKNOWN);
    Files.writeString(tmp.resolve("snapshot-info.txt"), "created: 2026-11-28T16:00:00Z\nbackend: nf_tables\n");
    assertThat(HostModel.load(tmp).realtimeMinusMonotonic()).isEqualTo(HostModel.CLOCK_UNKNOWN);
    Files.writeString(tmp.resolve("snapshot-info.txt"),
        "created: 2026-11-28T16:00:00Z\nrealtime-minus-monotonic-ns: 1795821214191145759\n");
    assertThat(HostModel.load(tmp).realtimeMinusMonotonic()).isEqualTo(1_795_821_214_191_145_759L);
    Files.writeString(tmp.resolve("snapshot-info.txt"), "backend: legacy\nrealtime-minus-monotonic-ns: soon\n");
    assertThatThrownBy(() -> HostModel.load(tmp)).isInstanceOf(InputException.class)
        .hasMessageContaining("snapshot-info.txt:2:").hasMessageContaining("'soon'");
  }

  @Test
  void configHzFromSnapshotInfo() throws Exception {
    copySample();
    assertThat(HostModel.load(tmp).configHz()).isEqualTo(HostModel.HZ_UNKNOWN);
    Files.writeString(tmp.resolve("snapshot-info.txt"),
        "realtime-minus-monotonic-ns: 17\nconfig-hz: 1000\nkernel: 6.12.0-55.el10.x86_64\n");
    final HostModel h = HostModel.load(tmp);
    assertThat(h.configHz()).isEqualTo(1000);
    assertThat(h.realtimeMinusMonotonic()).isEqualTo(17);
    for (String bad : new String[] {"fast", "0", "-250", "100000"}) {
      Files.writeString(tmp.resolve("snapshot-info.txt"), "backend: legacy\nconfig-hz: " + bad + "\n");
      assertThatThrownBy(() -> HostModel.load(tmp)).isInstanceOf(InputException.class)
          .hasMessageContaining("snapshot-info.txt:2:").hasMessageContaining("config-hz")
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void theWriterReadsConfigHzFromAKernelConfiguration() throws Exception {
    final Path plain = tmp.resolve("config-6.12.0");
    Files.writeString(plain, "# CONFIG_HZ_250 is not set\nCONFIG_HZ_1000=y\nCONFIG_HZ=1000\nCONFIG_SCHED_HRTICK=y\n");
    assertThat(SnapshotWriter.hzFromConfig(plain, false)).isEqualTo(1000);
    final Path gz = tmp.resolve("config.gz");
    try (java.io.OutputStream o = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
      o.write("CONFIG_HZ_PERIODIC=n\nCONFIG_HZ=300\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    assertThat(SnapshotWriter.hzFromConfig(gz, true)).isEqualTo(300);
    assertThat(SnapshotWriter.hzFromConfig(plain, true)).as("not gzip").isEqualTo(HostModel.HZ_UNKNOWN);
    assertThat(SnapshotWriter.hzFromConfig(tmp.resolve("absent"), false)).isEqualTo(HostModel.HZ_UNKNOWN);
    Files.writeString(plain, "CONFIG_NO_HZ=y\n");
    assertThat(SnapshotWriter.hzFromConfig(plain, false)).isEqualTo(HostModel.HZ_UNKNOWN);
    // a measured rate is rounded to the Kconfig choice it lies within 5% of
    assertThat(SnapshotWriter.roundHz(243.9)).isEqualTo(250);
    assertThat(SnapshotWriter.roundHz(1012)).isEqualTo(1000);
    assertThat(SnapshotWriter.roundHz(296)).isEqualTo(300);
    assertThat(SnapshotWriter.roundHz(99.2)).isEqualTo(100);
    assertThat(SnapshotWriter.roundHz(512.4)).isEqualTo(512);
    assertThat(SnapshotWriter.roundHz(3)).isEqualTo(HostModel.HZ_UNKNOWN);
  }

  @Test
  void theWriterMeasuresTheTickRateOfThisKernel() {
    final Path timerList = Path.of("/proc/timer_list");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(timerList),
        "/proc/timer_list is not readable here (needs root): the measured tick rate is not checked");
    final int measured = SnapshotWriter.measuredHz(timerList, 250);
    final int configured = SnapshotWriter.hzFromConfig(Path.of("/proc/config.gz"), true);
    if (configured != HostModel.HZ_UNKNOWN) {
      assertThat(measured).isEqualTo(configured);
    } else {
      assertThat(measured).isIn(100, 250, 300, 1000);
    }
    assertThat(SnapshotWriter.configHz(System.getProperty("os.version"))).isEqualTo(measured);
  }

  @Test
  void theWriterRecordsAClockOffsetOfThisHost() {
    final long offset = SnapshotWriter.realtimeMinusMonotonic();
    final long expected = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    // the same clocks read a moment apart: agree within the millisecond of currentTimeMillis, plus slack
    assertThat(Math.abs(offset - expected)).isLessThan(50_000_000L);
  }

  private void copySample() throws Exception {
    for (String f : new String[] {"ip-addr.json", "ip-route.json", "ip-rule.json", "sysctl.txt"}) {
      Files.copy(SAMPLE.resolve(f), tmp.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static void assertRoute(RouteResult r, String expected) {
    assertThat(r.toString()).isEqualTo(expected);
  }
}
