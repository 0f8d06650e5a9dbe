package io.nfeval.rules.ext.eval;

import static io.nfeval.rules.ext.eval.Rules.match;
import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.engine.InMemoryIpSets;
import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.UnknownMatch;
import io.nfeval.rules.ext.PacketContext;
import org.junit.jupiter.api.Test;

/** Header and metadata matches. */
class MiscMatchTest {
  private final FakeContext ctx = new FakeContext();

  private boolean eval(Match m, Pkt p) {
    ctx.packet(p.bytes());
    ctx.state = m.newState();
    return m.matches(ctx);
  }

  @Test
  void markIprangeLengthTtlTosDscp() {
    final Pkt p = Pkt.udp(1, 2, new byte[12]).from(0x0a000005).ttl(5);
    p.tos = 0xb8; // DSCP EF
    ctx.mark = 0x1234;
    assertThat(eval(match("-m mark --mark 0x34/0xff -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m mark ! --mark 0x1234 -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-m iprange --src-range 10.0.0.1-10.0.0.9 -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m iprange --src-range 10.0.0.6-200.0.0.1 -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-m iprange ! --dst-range 10.0.0.6-200.0.0.1 -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m length --length 40 -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m length ! --length 0:39 -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m ttl --ttl-lt 6 -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m ttl --ttl-gt 5 -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-m ttl ! --ttl-eq 5 -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-m dscp --dscp-class EF -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m tos --tos 0xb8/0xfc -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m tos ! --tos 0x10/0x3f -j ACCEPT"), p)).isTrue();
  }

  @Test
  void addrtypeMacPkttypeDevgroupRpfilter() {
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    ctx.addrType = 3; // BROADCAST
    assertThat(eval(match("-m addrtype --dst-type BROADCAST -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m addrtype ! --dst-type LOCAL,BROADCAST -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-m mac --mac-source 02:00:00:00:00:01 -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-m mac ! --mac-source 02:00:00:00:00:01 -j ACCEPT"), p)).isFalse(); // no MAC
    ctx.hasMac = true;
    ctx.mac = 0x020000000001L;
    assertThat(eval(match("-m mac --mac-source 02:00:00:00:00:01 -j ACCEPT"), p)).isTrue();
    ctx.pktType = 0;
    assertThat(eval(match("-m pkttype --pkt-type unicast -j ACCEPT"), p)).isTrue();
    ctx.pktType = 5; // looped back, unicast destination: broadcast
    assertThat(eval(match("-m pkttype --pkt-type broadcast -j ACCEPT"), p)).isTrue();
    ctx.inGroup = 0x12;
    assertThat(eval(match("-m devgroup --src-group 0x2/0xf -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m devgroup ! --src-group 0x12 -j ACCEPT"), p)).isFalse();
    ctx.rpOk = false;
    assertThat(eval(match("raw", "PREROUTING", "-m rpfilter --invert -j DROP"), p)).isTrue();
  }

  @Test
  void physdevWithoutBridgeMatchesOnlyInvertedOptions() {
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    assertThat(eval(match("-m physdev --physdev-is-bridged -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-m physdev ! --physdev-is-bridged -j ACCEPT"), p)).isTrue();
    ctx.physIn = "veth1";
    ctx.physOut = "veth2";
    assertThat(eval(match("-m physdev --physdev-in veth+ --physdev-is-bridged -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m physdev --physdev-out veth1 -j ACCEPT"), p)).isFalse();
  }

  @Test
  void ownerSocketRules() {
    final Pkt p = Pkt.tcp(1, 2, 2);
    ctx.in = null;
    ctx.out = "eth0";
    final Match uid = match("filter", "OUTPUT", "-m owner --uid-owner 1000 -j ACCEPT");
    assertThat(eval(uid, p)).isTrue(); // unknown socket: assumed
    assertThat(ctx.assumed).contains("owner");
    ctx.uid = 1000;
    ctx.gid = 1000;
    assertThat(eval(uid, p)).isTrue();
    ctx.uid = 0;
    assertThat(eval(uid, p)).isFalse();
    assertThat(eval(match("filter", "OUTPUT", "-m owner ! --socket-exists -j ACCEPT"), p)).isFalse();
    ctx.in = "eth1"; // forwarded: no socket
    final Match notUid = match("mangle", "POSTROUTING", "-m owner ! --uid-owner 0 -j ACCEPT");
    assertThat(eval(notUid, p)).isTrue();
    assertThat(eval(match("mangle", "POSTROUTING", "-m owner --socket-exists -j ACCEPT"), p)).isFalse();
    // the stack's own RST: a kernel control socket, no file (owner_mt's filp == NULL branch)
    ctx.in = null;
    ctx.uid = -1;
    ctx.socketKind = PacketContext.SOCKET_KERNEL;
    assertThat(eval(uid, p)).isFalse();
    assertThat(eval(notUid, p)).isTrue();
    assertThat(eval(match("filter", "OUTPUT", "-m owner --socket-exists -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("filter", "OUTPUT", "-m owner ! --socket-exists -j ACCEPT"), p)).isFalse();
  }

  @Test
  void setMatchWithNomatchAndInversion() {
    ctx.ipsets.create("blk", 32, 0, InMemoryIpSets.Kind.IP);
    ctx.ipsets.addElement("blk", false, Pkt.A);
    ctx.ipsets.create("nets", 32, 0, InMemoryIpSets.Kind.IP);
    ctx.ipsets.addElement("nets", true, Pkt.A);
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    assertThat(eval(match("-m set --match-set blk src -j DROP"), p)).isTrue();
    assertThat(eval(match("-m set --match-set blk dst -j DROP"), p)).isFalse();
    assertThat(eval(match("-m set ! --match-set blk src -j DROP"), p)).isFalse();
    assertThat(eval(match("-m set --match-set nets src -j DROP"), p)).isFalse();
    assertThat(eval(match("-m set --match-set nets src --return-nomatch -j DROP"), p)).isTrue();
    assertThat(eval(match("-m set --match-set missing src -j DROP"), p)).isFalse();
    assertThat(ctx.assumed).contains("ipset:missing");
    assertThat(ctx.ipsets.packets("blk", Pkt.A)).isEqualTo(2); // src matched twice, counters updated
  }

  @Test
  void alwaysTrueAndAssumed() {
    final Pkt p = Pkt.tcp(1, 2, 2);
    assertThat(eval(match("-m comment --comment \"x\" -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m nfacct --nfacct-name acct -j ACCEPT"), p)).isTrue();
    assertThat(((long[]) ctx.shared.get("nfacct:acct"))[0]).isEqualTo(1);
    assertThat(eval(match("-m policy --dir in --pol none -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m policy --dir in --pol ipsec -j ACCEPT"), p)).isFalse();
    ctx.assumeUnknowable = false;
    assertThat(eval(match("-m socket -j ACCEPT"), p)).isFalse();
    assertThat(ctx.assumed).contains("socket");
    assertThat(eval(new UnknownMatch("foo", " --bar", true), p)).isTrue();
    assertThat(eval(new UnknownMatch("foo", " --bar", false), p)).isFalse();
    assertThat(ctx.assumed).contains("unknown:foo");
  }

  @Test
  void helperIsTheMastersHelper() {
    final Pkt p = Pkt.tcp(1, 2, 2);
    final Match h = match("-m helper --helper ftp -j ACCEPT");
    ctx.ctInfo = 1;
    ctx.ctHelper = "ftp";
    assertThat(eval(h, p)).isFalse(); // not an expected connection
    ctx.ctStatus = 1; // IPS_EXPECTED
    assertThat(eval(h, p)).isTrue();
  }
}
