package io.nfeval.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RulesCliTest {
  @TempDir Path dir;

  private String[] run(String... args) {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final int rc = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new String[] {Integer.toString(rc), out.toString(), err.toString()};
  }

  private Path write(String name, String text) throws Exception {
    final Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void showPrintsCanonicalForm() throws Exception {
    final Path f = write("r", "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n");
    final String[] r = run("rules", "show", "--rules", f.toString());
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).isEqualTo("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n");
    assertThat(run("rules", "show", "--counters", "--rules", f.toString())[1]).contains("[0:0] -A INPUT");
  }

  @Test
  void showUnknownModule() throws Exception {
    final Path f = write("r", "*filter\n-A INPUT -m geoip --src-cc US -j ACCEPT\nCOMMIT\n");
    final String[] bad = run("rules", "show", "--rules", f.toString());
    assertThat(bad[0]).isEqualTo("2");
    assertThat(bad[2]).contains(f + ":2: unknown match 'geoip'");
    final String[] ok = run("rules", "show", "--unknown=match", "--rules", f.toString());
    assertThat(ok[0]).isEqualTo("0");
    assertThat(ok[1]).contains("-A INPUT -m geoip --src-cc US -j ACCEPT");
  }

  @Test
  void checkFindsProblems() throws Exception {
    final Path f = write("r", """
        *filter
        :INPUT ACCEPT [0:0]
        :a - [0:0]
        :b - [0:0]
        :orphan - [0:0]
        -A INPUT -j a
        -A INPUT -j missing
        -A a -j b
        -A b -j a
        -A b -j DROP
        -A b -p tcp -j ACCEPT
        -A INPUT -i eth9 -m set --match-set nosuch src -j DROP
        -A INPUT -m geoip --src-cc CN -j DROP
        COMMIT
        """);
    final String[] strict = run("check", "--unknown=fail", "--rules", f.toString());
    assertThat(strict[0]).isEqualTo("2");
    assertThat(strict[2]).contains(":13: unknown match 'geoip'");
    final String[] r = run("check", "--rules", f.toString());
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1]).contains(f + ":7: jump to missing chain missing in table filter")
        .contains("loop in chain graph of table filter: a -> b -> a")
        .contains(f + ":11: rule 3 of filter/b never reached: rule 2 (line 10) ends the chain unconditionally (DROP)")
        .contains(f + ":5: user chain filter/orphan is unreachable")
        .contains(f + ":13: unsupported module in filter/INPUT rule 4: match 'geoip'")
        .doesNotContain("nosuch").doesNotContain("eth9");
  }

  @Test
  void checkSnapshotChecksSetsAndInterfaces() throws Exception {
    Files.createDirectories(dir.resolve("snap"));
    write("snap/iptables.rules", "*filter\n-A INPUT -i eth9 -m set --match-set nosuch src -j DROP\n"
        + "-A INPUT -i lo -m set --match-set ok src -j DROP\n-A INPUT -i e+ -j ACCEPT\nCOMMIT\n");
    write("snap/ipset.save", "create ok hash:ip\n");
    write("snap/ip-addr.json", "[{\"ifindex\":1,\"ifname\":\"lo\"},{\"ifindex\":2,\"ifname\":\"eth0\"}]");
    final String[] r = run("check", "--snapshot", dir.resolve("snap").toString());
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1]).contains(":2: reference to missing ipset nosuch").contains(":2: interface eth9 does not exist")
        .doesNotContain("ipset ok").doesNotContain("e+");
    final Path clean = write("clean", "*filter\n-A INPUT -j ACCEPT\nCOMMIT\n");
    assertThat(run("check", "--rules", clean.toString())[0]).isEqualTo("0");
    assertThat(run("check", "--rules", dir.resolve("nope").toString())[0]).isEqualTo("2");
  }

  @Test
  void checkValidatesHooksOfUserChains() throws Exception {
    final Path f = write("r", """
        *nat
        :PREROUTING ACCEPT [0:0]
        :INPUT ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        :svc - [0:0]
        -A PREROUTING -j svc
        -A POSTROUTING -j svc
        -A svc -p tcp -j DNAT --to-destination 10.0.0.1:80
        COMMIT
        """);
    final String[] r = run("check", "--rules", f.toString());
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1]).contains(f + ":9: DNAT: DNAT is only valid in PREROUTING and OUTPUT (chain nat/svc is reached"
        + " from PREROUTING, POSTROUTING; the kernel refuses this ruleset)");
  }
}
