package io.nfeval.rules.ext.eval;

import static io.nfeval.rules.ext.eval.Rules.match;
import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.PacketContext;
import org.junit.jupiter.api.Test;

/** conntrack and state: state bits from ctinfo, NAT status bits, tuple, status, expiry, direction. */
class ConntrackMatchTest {
  private final FakeContext ctx = new FakeContext();

  ConntrackMatchTest() {
    ctx.packet(Pkt.tcp(1000, 80, 0x10).bytes());
  }

  private void conn(int ctinfo) {
    ctx.ctInfo = ctinfo;
    ctx.ctDir = ctinfo >= 3 ? 1 : 0;
    ctx.ctProto = 6;
    ctx.ctTuple = new int[] {Pkt.A, Pkt.B, Pkt.B, Pkt.A, 1000, 80, 80, 1000};
  }

  @Test
  void stateBitsFoldRepliesOntoOriginals() {
    final Match est = match("-m state --state RELATED,ESTABLISHED -j ACCEPT");
    final Match nw = match("-m conntrack --ctstate NEW -j ACCEPT");
    conn(0);
    assertThat(est.matches(ctx)).isTrue();
    conn(3); // ESTABLISHED_REPLY
    assertThat(est.matches(ctx)).isTrue();
    conn(4); // RELATED_REPLY
    assertThat(est.matches(ctx)).isTrue();
    conn(2);
    assertThat(est.matches(ctx)).isFalse();
    assertThat(nw.matches(ctx)).isTrue();
  }

  @Test
  void invalidAndUntracked() {
    final Match inv = match("-m conntrack --ctstate INVALID -j DROP");
    final Match untr = match("-m state --state UNTRACKED -j ACCEPT");
    final Match notNew = match("-m conntrack ! --ctstate NEW -j ACCEPT");
    ctx.ctInfo = PacketContext.CT_INVALID;
    assertThat(inv.matches(ctx)).isTrue();
    assertThat(untr.matches(ctx)).isFalse();
    assertThat(notNew.matches(ctx)).isTrue();
    ctx.ctInfo = PacketContext.CT_UNTRACKED;
    assertThat(inv.matches(ctx)).isFalse();
    assertThat(untr.matches(ctx)).isTrue();
  }

  @Test
  void withoutConnectionOnlyAStateTestCanMatch() {
    ctx.ctInfo = PacketContext.CT_INVALID;
    assertThat(match("-m conntrack --ctproto tcp -j ACCEPT").matches(ctx)).isFalse();
    assertThat(match("-m conntrack ! --ctproto udp -j ACCEPT").matches(ctx)).isFalse();
  }

  @Test
  void natStatesMatchInBothDirections() {
    final Match dnat = match("-m conntrack --ctstate DNAT -j ACCEPT");
    conn(2);
    ctx.ctStatus = 1 << 5; // IPS_DST_NAT
    assertThat(dnat.matches(ctx)).isTrue();
    conn(3);
    assertThat(dnat.matches(ctx)).isTrue();
    ctx.ctStatus = 1 << 4; // SNAT only
    assertThat(dnat.matches(ctx)).isFalse();
    assertThat(match("-m conntrack --ctstate SNAT -j ACCEPT").matches(ctx)).isTrue();
  }

  @Test
  void tupleStatusExpiryAndDirection() {
    conn(3);
    ctx.ctStatus = 0x2 | 0x4 | 0x8; // SEEN_REPLY, ASSURED, CONFIRMED
    ctx.ctExpires = 100;
    assertThat(match("-m conntrack --ctorigsrc 10.0.0.0/24 --ctorigdstport 80 -j ACCEPT").matches(ctx)).isTrue();
    assertThat(match("-m conntrack --ctreplsrc 10.0.0.1 -j ACCEPT").matches(ctx)).isFalse();
    assertThat(match("-m conntrack ! --ctreplsrc 10.0.0.1 -j ACCEPT").matches(ctx)).isTrue();
    assertThat(match("-m conntrack --ctstatus ASSURED -j ACCEPT").matches(ctx)).isTrue();
    assertThat(match("-m conntrack --ctstatus EXPECTED -j ACCEPT").matches(ctx)).isFalse();
    assertThat(match("-m conntrack --ctexpire 50:150 -j ACCEPT").matches(ctx)).isTrue();
    assertThat(match("-m conntrack --ctexpire 101:150 -j ACCEPT").matches(ctx)).isFalse();
    assertThat(match("-m conntrack --ctdir REPLY -j ACCEPT").matches(ctx)).isTrue();
    assertThat(match("-m conntrack --ctdir ORIGINAL -j ACCEPT").matches(ctx)).isFalse();
    assertThat(match("-m conntrack --ctproto tcp -j ACCEPT").matches(ctx)).isTrue();
  }

  @Test
  void connmarkNeedsAConnection() {
    final Match m = match("-m connmark --mark 0x1/0x1 -j ACCEPT");
    final Match notM = match("-m connmark ! --mark 0x1/0x1 -j ACCEPT");
    ctx.ctInfo = PacketContext.CT_INVALID;
    assertThat(m.matches(ctx)).isFalse();
    assertThat(notM.matches(ctx)).isFalse();
    conn(0);
    ctx.ctMark = 3;
    assertThat(m.matches(ctx)).isTrue();
    assertThat(notM.matches(ctx)).isFalse();
  }

  @Test
  void connbytesCountsAndInvertedRange() {
    conn(0);
    ctx.ctPackets = new long[] {5, 3};
    ctx.ctBytes = new long[] {500, 3000};
    assertThat(match("-m connbytes --connbytes 8:10 --connbytes-mode packets --connbytes-dir both -j ACCEPT")
        .matches(ctx)).isTrue();
    assertThat(match("-m connbytes --connbytes 6 --connbytes-mode packets --connbytes-dir original -j ACCEPT")
        .matches(ctx)).isFalse();
    assertThat(match("-m connbytes ! --connbytes 6 --connbytes-mode packets --connbytes-dir original -j ACCEPT")
        .matches(ctx)).isTrue();
    assertThat(match("-m connbytes --connbytes 100:400 --connbytes-mode avgpkt --connbytes-dir both -j ACCEPT") // 3500/8 = 437
        .matches(ctx)).isFalse();
    assertThat(match("-m connbytes --connbytes 1000:1000 --connbytes-mode avgpkt --connbytes-dir reply -j ACCEPT")
        .matches(ctx)).isTrue();
  }
}
