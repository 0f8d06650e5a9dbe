package io.nfeval.rules.ext.eval;

import static io.nfeval.rules.ext.eval.Rules.match;
import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.ext.Match;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** recent, statistic, connlimit: state kept across packets (per rule or per name). */
class StatefulMatchTest {
  private static final long SEC = 1_000_000_000L;
  private final FakeContext ctx = new FakeContext();

  private boolean run(Match m, Object state, long t, Pkt p) {
    ctx.packet(p.bytes()).at(t);
    ctx.state = state;
    return m.matches(ctx);
  }

  @Test
  void recentUpdateWithHitcountRecordsOnlyWhenItMatched() {
    final Match set = match("-m recent --set --name ssh --mask 255.255.255.255 --rsource -j ACCEPT");
    final Match upd = match("-m recent --update --seconds 60 --hitcount 2 --name ssh --mask 255.255.255.255 "
        + "--rsource -j DROP");
    final Object ss = set.newState();
    final Object us = upd.newState();
    final Pkt p = Pkt.tcp(1, 22, 2);
    assertThat(run(set, ss, 0, p)).isTrue(); // one stamp
    // If a failed --update recorded a stamp, the second would see two stamps and match.
    assertThat(run(upd, us, SEC, p)).isFalse();
    assertThat(run(upd, us, 2 * SEC, p)).isFalse();
    assertThat(run(set, ss, 3 * SEC, p)).isTrue(); // second stamp
    assertThat(run(upd, us, 4 * SEC, p)).isTrue(); // matches and records a third
    // stamps older than --seconds do not count
    assertThat(run(upd, us, 63 * SEC + 1, p)).isTrue(); // stamps at 3 s and 4 s are within 60 s
    assertThat(run(upd, us, 200 * SEC, p)).isFalse();
  }

  @Test
  void recentRcheckRemoveAndOtherAddresses() {
    final Match set = match("-m recent --set --name x --mask 255.255.255.255 --rsource -j ACCEPT");
    final Match chk = match("-m recent --rcheck --name x --mask 255.255.255.255 --rsource -j DROP");
    final Match rm = match("-m recent --remove --name x --mask 255.255.255.255 --rsource -j ACCEPT");
    final Object ss = set.newState();
    final Object cs = chk.newState();
    final Object rs = rm.newState();
    final Pkt a = Pkt.udp(1, 2, new byte[0]).from(Pkt.A);
    final Pkt b = Pkt.udp(1, 2, new byte[0]).from(Pkt.B);
    assertThat(run(chk, cs, 0, a)).isFalse();
    run(set, ss, 0, a);
    assertThat(run(chk, cs, 1, a)).isTrue();
    assertThat(run(chk, cs, 1, b)).isFalse();
    assertThat(run(rm, rs, 2, a)).isTrue();
    assertThat(run(rm, rs, 2, a)).isFalse();
    assertThat(run(chk, cs, 3, a)).isFalse();
  }

  @Test
  void nthRoundRobinAcrossRules() {
    final Match r1 = match("nat", "PREROUTING",
        "-m statistic --mode nth --every 3 --packet 0 -j DNAT --to-destination 10.0.0.11");
    final Match r2 = match("nat", "PREROUTING",
        "-m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 10.0.0.12");
    final Object s1 = r1.newState();
    final Object s2 = r2.newState();
    final Pkt p = Pkt.tcp(1, 80, 2);
    final List<Integer> chosen = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      if (run(r1, s1, i, p)) {
        chosen.add(1);
      } else if (run(r2, s2, i, p)) {
        chosen.add(2);
      } else {
        chosen.add(3);
      }
    }
    assertThat(chosen).containsExactly(1, 2, 3, 1, 2, 3, 1, 2, 3);
  }

  @Test
  void nthPacketOffset() {
    final Match m = match("-m statistic --mode nth --every 4 --packet 2 -j ACCEPT");
    final Object s = m.newState();
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    final List<Boolean> got = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      got.add(run(m, s, i, p));
    }
    assertThat(got).containsExactly(false, false, true, false, false, false, true, false);
  }

  @Test
  void randomIsDeterministicPerRuleAndFlagged() {
    final Match m = match("-m statistic --mode random --probability 0.5 -j ACCEPT");
    final Object s1 = m.newState();
    final Object s2 = m.newState();
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    int hits = 0;
    for (int i = 0; i < 1000; i++) {
      final boolean a = run(m, s1, i, p);
      assertThat(run(m, s2, i, p)).isEqualTo(a);
      hits += a ? 1 : 0;
    }
    assertThat(hits).isBetween(400, 600);
    assertThat(ctx.assumed).contains("statistic-random");
  }

  @Test
  void connlimitCountsTheConnectionBeingChecked() {
    final Match m = match("-p tcp -m tcp --syn -m connlimit --connlimit-above 2 --connlimit-mask 32 "
        + "--connlimit-saddr -j REJECT");
    final Object s = m.newState();
    ctx.ctInfo = 2;
    ctx.ctProto = 6;
    final boolean[] got = new boolean[4];
    for (int c = 0; c < 3; c++) {
      final int sport = 1001 + c;
      ctx.ctTuple = new int[] {Pkt.A, Pkt.B, Pkt.B, Pkt.A, sport, 22, 22, sport};
      got[c] = run(m, s, c * SEC, Pkt.tcp(sport, 22, 2));
      if (c < 2) {
        ctx.live.add(FakeContext.key(Pkt.A, Pkt.B, 6, (sport << 16) | 22, 0));
      }
    }
    assertThat(got[0]).isFalse(); // 1 connection
    assertThat(got[1]).isFalse(); // 2
    assertThat(got[2]).isTrue(); // 3 > 2: the third counts itself
    // The first closes; the rejected third never became a connection: both leave the count.
    ctx.closed.add(FakeContext.key(Pkt.A, Pkt.B, 6, (1001 << 16) | 22, 0));
    ctx.ctTuple = new int[] {Pkt.A, Pkt.B, Pkt.B, Pkt.A, 1004, 22, 22, 1004};
    got[3] = run(m, s, 10 * SEC, Pkt.tcp(1004, 22, 2));
    assertThat(got[3]).isFalse(); // 1002 and 1004
    // another source address has its own count
    ctx.ctTuple = new int[] {Pkt.B, Pkt.A, Pkt.A, Pkt.B, 5000, 22, 22, 5000};
    assertThat(run(m, s, 11 * SEC, Pkt.tcp(5000, 22, 2).from(Pkt.B).to(Pkt.A))).isFalse();
  }

  @Test
  void connlimitUptoAndRetransmittedSyn() {
    final Match m = match("-m connlimit --connlimit-upto 1 --connlimit-mask 24 -j ACCEPT");
    final Object s = m.newState();
    ctx.ctInfo = 2;
    ctx.ctProto = 17;
    ctx.ctTuple = new int[] {Pkt.A, Pkt.B, Pkt.B, Pkt.A, 7, 53, 53, 7};
    final Pkt p = Pkt.udp(7, 53, new byte[0]);
    assertThat(run(m, s, 0, p)).isTrue();
    ctx.live.add(FakeContext.key(Pkt.A, Pkt.B, 17, (7 << 16) | 53, 0));
    ctx.ctInfo = 0;
    assertThat(run(m, s, SEC, p)).isTrue(); // the same connection is not counted twice
    ctx.ctStatus = 0x8; // confirmed: nothing is added, not even in the same jiffy
    assertThat(run(m, s, SEC, p)).isTrue();
    assertThat(run(m, s, SEC, p)).isTrue();
    // a second connection from the /24: its first packet (unconfirmed) counts
    ctx.ctStatus = 0;
    ctx.ctInfo = 2;
    ctx.ctTuple = new int[] {Pkt.A + 1, Pkt.B, Pkt.B, Pkt.A + 1, 7, 53, 53, 7};
    assertThat(run(m, s, 2 * SEC, Pkt.udp(7, 53, new byte[0]).from(Pkt.A + 1))).isFalse();
  }
}
