package io.nfeval.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nfeval snapshot OUTDIR --netns NAME} in a throw-away namespace (root only). */
class SnapshotCommandTest {
  @TempDir Path tmp;

  @Test
  void snapshotOfANamespaceLoads() throws Exception {
    Netns.assumeRoot();
    try (Netns ns = Netns.create("s")) {
      ns.sh("ip link set lo up\n"
          + "ip link add eth0 type veth peer name p0; ip link set eth0 up; ip link set p0 up\n"
          + "ip addr add 192.0.2.5/24 dev eth0; ip route add default via 192.0.2.1\n"
          + "ip rule add fwmark 3 table 30 pref 100; ip route add table 30 default via 192.0.2.3\n"
          + "sysctl -qw net.ipv4.ip_forward=1; sysctl -qw net.ipv4.conf.eth0.rp_filter=2\n"
          + "iptables -A INPUT -p tcp --dport 22 -j ACCEPT\n");
      Path out = tmp.resolve("snap");
      StringWriter err = new StringWriter();
      int rc = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err),
          "snapshot", out.toString(), "--netns", ns.name);
      assertThat(rc).as("exit code; stderr: " + err).isZero();
      for (String f : new String[] {"iptables.rules", "ip-addr.json", "ip-route.json", "ip-rule.json",
          "sysctl.txt", "snapshot-info.txt"}) {
        assertThat(out.resolve(f)).exists();
      }
      assertThat(Files.readString(out.resolve("iptables.rules"))).contains("--dport 22 -j ACCEPT");
      assertThat(Files.readString(out.resolve("snapshot-info.txt"))).contains("backend: ");
      assertThat(Files.list(out).map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
      if (Files.readString(out.resolve("snapshot-info.txt")).contains("backend: nf_tables")) {
        // iptables -A INPUT made filter INPUT only: iptables-save prints FORWARD and OUTPUT too, and
        // nft-chains.json shows they do not exist.
        assertThat(out.resolve("nft-chains.json")).exists();
        assertThat(io.nfeval.engine.Snapshot.load(out, null, io.nfeval.rules.ParseOptions.DEFAULT).ruleset()
            .absentBaseChains()).containsExactlyInAnyOrder("filter/FORWARD", "filter/OUTPUT");
      }
      HostModel h = HostModel.load(out);
      assertThat(h.ipForward()).isTrue();
      assertThat(h.rpFilter(h.byName("eth0"))).isEqualTo(2);
      assertThat(h.sysctlInt("net.ipv4.ip_local_port_range", 0)).isPositive();
      // the kernel's tick rate, as the writer's own reading of this kernel finds it (root reads timer_list)
      assertThat(h.configHz()).isEqualTo(SnapshotWriter.configHz(System.getProperty("os.version")));
      assertThat(h.configHz()).isNotEqualTo(HostModel.HZ_UNKNOWN);
      assertThat(h.route(0, Inet4.parse("8.8.8.8"), 0, 3, null, null).gateway())
          .isEqualTo(Inet4.parse("192.0.2.3"));
    }
  }

  @Test
  void missingNamespaceIsReportedAndExits2() {
    Netns.assumeRoot();
    Path out = tmp.resolve("snap");
    StringWriter err = new StringWriter();
    int rc = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err),
        "snapshot", out.toString(), "--netns", "nfeval-no-such-ns");
    assertThat(rc).isEqualTo(2);
    assertThat(err.toString()).contains("cannot enter network namespace nfeval-no-such-ns");
    assertThat(out).doesNotExist();
  }
}
