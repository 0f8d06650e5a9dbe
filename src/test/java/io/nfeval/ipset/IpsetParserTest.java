package io.nfeval.ipset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nfeval.InputException;
import io.nfeval.rules.ext.Num;
import org.junit.jupiter.api.Test;

class IpsetParserTest {
  private static final String SAVE = """
      create blocked hash:ip family inet hashsize 1024 maxelem 65536 timeout 600 counters comment
      add blocked 10.0.0.1 timeout 300 packets 5 bytes 420 comment "bad host"
      add blocked 10.0.0.2 timeout 0 packets 0 bytes 0
      create nets hash:net family inet hashsize 1024 maxelem 65536
      add nets 192.168.0.0/16
      add nets 192.168.10.0/24 nomatch
      add nets 10.1.2.3
      create svc hash:ip,port family inet hashsize 1024 maxelem 65536
      add svc 10.0.0.5,tcp:443
      add svc 10.0.0.5,udp:53
      add svc 10.0.0.6,80
      add svc 10.0.0.7,icmp:8/0
      create npt hash:net,port family inet
      add npt 172.16.0.0/12,tcp:22
      create ipi hash:ip,port,ip family inet
      add ipi 1.1.1.1,tcp:80,2.2.2.2
      create ipn hash:ip,port,net family inet
      add ipn 1.1.1.1,udp:53,10.0.0.0/8
      create ni hash:net,iface family inet
      add ni 10.0.0.0/8,eth0
      create macs hash:mac
      add macs 02:00:00:AA:BB:CC
      create bip bitmap:ip range 192.168.1.0/24
      add bip 192.168.1.7
      create bport bitmap:port range 1-1024
      add bport 22
      create all list:set size 8
      add all blocked
      add all nets
      create v6 hash:ip family inet6
      add v6 2001:db8::1
      """;

  private static int ip(String s) {
    return Num.ipv4(s);
  }

  @Test
  void membership() {
    final IpsetRegistry reg = IpsetParser.parse(SAVE, "ipset.save").start(0);
    final SetKey k = new SetKey();
    assertThat(reg.names()).contains("blocked", "nets", "svc", "all", "v6");
    assertThat(reg.get("blocked").def().timeout()).isEqualTo(600);
    assertThat(reg.get("blocked").test(k.set(ip("10.0.0.1"), 0, 0, 0), 1000)).isTrue();
    assertThat(reg.get("blocked").test(k.set(ip("10.0.0.1"), 0, 0, 0), 300_000)).isFalse(); // expired
    assertThat(reg.get("blocked").test(k.set(ip("10.0.0.2"), 0, 0, 0), 1_000_000_000L)).isTrue(); // timeout 0
    assertThat(reg.get("blocked").test(k.set(ip("10.0.0.3"), 0, 0, 0), 0)).isFalse();

    final IpSet nets = reg.get("nets");
    assertThat(nets.test(k.set(ip("192.168.1.1"), 0, 0, 0), 0)).isTrue();
    assertThat(nets.lookup(k.set(ip("192.168.10.9"), 0, 0, 0), 0)).isEqualTo(IpSet.NOMATCH);
    assertThat(nets.test(k.set(ip("10.1.2.3"), 0, 0, 0), 0)).isTrue();
    assertThat(nets.test(k.set(ip("10.1.2.4"), 0, 0, 0), 0)).isFalse();

    final IpSet svc = reg.get("svc");
    assertThat(svc.test(k.set(ip("10.0.0.5"), 6, 443, 0), 0)).isTrue();
    assertThat(svc.test(k.set(ip("10.0.0.5"), 17, 443, 0), 0)).isFalse();
    assertThat(svc.test(k.set(ip("10.0.0.6"), 6, 80, 0), 0)).isTrue();
    assertThat(svc.test(k.set(ip("10.0.0.7"), 1, 8 << 8, 0), 0)).isTrue();
    assertThat(reg.get("npt").test(k.set(ip("172.20.1.1"), 6, 22, 0), 0)).isTrue();
    assertThat(reg.get("ipi").test(k.set(ip("1.1.1.1"), 6, 80, ip("2.2.2.2")), 0)).isTrue();
    assertThat(reg.get("ipn").test(k.set(ip("1.1.1.1"), 17, 53, ip("10.9.9.9")), 0)).isTrue();
    k.iface = "eth0";
    assertThat(reg.get("ni").test(k.set(ip("10.2.3.4"), 0, 0, 0), 0)).isTrue();
    k.iface = "eth1";
    assertThat(reg.get("ni").test(k.set(ip("10.2.3.4"), 0, 0, 0), 0)).isFalse();
    k.mac = 0x020000aabbccL;
    assertThat(reg.get("macs").test(k, 0)).isTrue();
    assertThat(reg.get("bip").test(k.set(ip("192.168.1.7"), 0, 0, 0), 0)).isTrue();
    assertThat(reg.get("bip").test(k.set(ip("192.168.2.7"), 0, 0, 0), 0)).isFalse();
    assertThat(reg.get("bport").test(k.set(0, 6, 22, 0), 0)).isTrue();
    assertThat(reg.get("all").test(k.set(ip("192.168.1.1"), 0, 0, 0), 0)).isTrue();
    assertThat(reg.get("v6").test(k.set(ip("1.2.3.4"), 0, 0, 0), 0)).isFalse();
  }

  @Test
  void addAndDelAtRunTimeDoNotTouchTheDefinition() {
    final IpsetRegistry defs = IpsetParser.parse(SAVE, "ipset.save");
    final IpsetRegistry run = defs.start(0);
    final SetKey k = new SetKey().set(ip("10.9.9.9"), 0, 0, 0);
    assertThat(run.get("blocked").add(k, -1, false, 1000)).isTrue();
    assertThat(run.get("blocked").test(k, 2000)).isTrue();
    assertThat(run.get("blocked").test(k, 1000 + 600_000)).isFalse(); // default timeout 600 s
    assertThat(defs.start(0).get("blocked").test(k, 2000)).isFalse();
    assertThat(run.get("nets").add(k, -1, false, 0)).isTrue();
    assertThat(run.get("nets").test(k, 0)).isTrue();
    assertThat(run.get("nets").del(k)).isTrue();
    assertThat(run.get("nets").test(k, 0)).isFalse();
  }

  @Test
  void badInputNamesTheLine() {
    assertThatThrownBy(() -> IpsetParser.parse("create a hash:ip\nadd b 1.2.3.4\n", "s"))
        .isInstanceOf(InputException.class).hasMessage("s:2: add to unknown set b");
    assertThatThrownBy(() -> IpsetParser.parse("create a hash:foo\n", "s")).hasMessageContaining("s:1: unsupported set type");
    assertThatThrownBy(() -> IpsetParser.parse("create a hash:ip,port\nadd a 1.2.3.4\n", "s"))
        .hasMessageContaining("s:2: element");
  }
}
