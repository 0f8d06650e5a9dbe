package io.nfeval.rules.ext.eval;

import static io.nfeval.rules.ext.eval.Rules.match;
import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.ext.Match;
import org.junit.jupiter.api.Test;

/** limit and hashlimit: the first burst packets match, refill follows the rate in whole jiffies. */
class RateMatchTest {
  private static final long MS = 1_000_000L;
  private final FakeContext ctx = new FakeContext();

  private final java.util.Map<Match, Object> states = new java.util.IdentityHashMap<>();

  private boolean at(Match m, long ms, Pkt p) {
    ctx.packet(p.bytes()).at(ms * MS);
    ctx.state = states.computeIfAbsent(m, Match::newState);
    return m.matches(ctx);
  }

  @Test
  void limitBurstThenOnePerInterval() {
    final Match m = match("-m limit --limit 1/sec --limit-burst 3 -j ACCEPT");
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    assertThat(at(m, 1000, p)).isTrue();
    assertThat(at(m, 1000, p)).isTrue();
    assertThat(at(m, 1001, p)).isTrue();
    assertThat(at(m, 1002, p)).isFalse();
    // 249 jiffies (HZ=250) after the last refill point give 249*128 < 32000 credits
    assertThat(at(m, 1996, p)).isFalse();
    assertThat(at(m, 2002, p)).isTrue();
    assertThat(at(m, 2003, p)).isFalse();
    // a long pause refills to the burst only
    assertThat(at(m, 60000, p)).isTrue();
    assertThat(at(m, 60000, p)).isTrue();
    assertThat(at(m, 60000, p)).isTrue();
    assertThat(at(m, 60000, p)).isFalse();
  }

  @Test
  void ticksFallWhereTheHostsClockPutsThem() {
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    // the same two packet times on two hosts whose ticks lie 2 ms apart on CLOCK_REALTIME
    for (long offset : new long[] {0, 2 * MS}) {
      ctx.realtimeMinusMonotonic = offset;
      final Match m = match("-m limit --limit 1/sec --limit-burst 1 -j ACCEPT");
      assertThat(at(m, 1002, p)).isTrue(); // jiffy 250 on both grids (1002/4, 1000/4)
      // 1/sec refills in 250 jiffies: 2001 ms is jiffy 500 on the first grid, 499 on the second
      assertThat(at(m, 2001, p)).as("offset %d", offset).isEqualTo(offset == 0);
    }
  }

  @Test
  void ticksAreTheHostsConfigHz() {
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    // 1,000 packets a second for a second through 400/sec, burst 1: a bucket of one packet's cost (80
    // credits at either rate). At HZ=250 a 4 ms tick refills 128, capped at 80: one packet a tick, 250.
    // At HZ=1000 a 1 ms tick refills 32: one packet every 3 ms, 334.
    final int[] passed = new int[2];
    final int[] hzs = {250, 1000};
    for (int k = 0; k < 2; k++) {
      ctx.ticks = io.nfeval.rules.ext.Jiffies.of(hzs[k]);
      final Match m = match("-m limit --limit 400/sec --limit-burst 1 -j ACCEPT");
      for (int ms = 0; ms < 1000; ms++) {
        passed[k] += at(m, 10_000 + ms, p) ? 1 : 0;
      }
    }
    ctx.ticks = io.nfeval.rules.ext.Jiffies.DEFAULT;
    assertThat(passed[0]).isEqualTo(250);
    assertThat(passed[1]).isEqualTo(334);
  }

  @Test
  void hashlimitCountsInTheHostsTicks() {
    final Pkt p = Pkt.udp(1, 2, new byte[0]).from(Pkt.A);
    // 500/sec burst 1 at 1,000 packets a second: every other packet at HZ=1000; at HZ=250 the 4 ms
    // tick refills two packets' credit but the bucket holds one, so one packet per tick
    final int[] hzs = {250, 1000};
    final int[] passed = new int[2];
    for (int k = 0; k < 2; k++) {
      ctx.ticks = io.nfeval.rules.ext.Jiffies.of(hzs[k]);
      final Match m = match("-m hashlimit --hashlimit-upto 500/sec --hashlimit-burst 1 --hashlimit-mode srcip"
          + " --hashlimit-name hz" + hzs[k] + " -j ACCEPT");
      for (int ms = 0; ms < 1000; ms++) {
        passed[k] += at(m, 10_000 + ms, p) ? 1 : 0;
      }
    }
    ctx.ticks = io.nfeval.rules.ext.Jiffies.DEFAULT;
    assertThat(passed[0]).isEqualTo(250);
    assertThat(passed[1]).isEqualTo(500);
  }

  @Test
  void limitDefaultIsThreePerHourBurstFive() {
    final Match m = match("-m limit -j LOG");
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    for (int i = 0; i < 5; i++) {
      assertThat(at(m, i, p)).isTrue();
    }
    assertThat(at(m, 10, p)).isFalse();
    assertThat(at(m, 1_199_000, p)).isFalse();
    assertThat(at(m, 1_200_010, p)).isTrue();
  }

  @Test
  void hashlimitPerSourceBuckets() {
    final Match m = match("-m hashlimit --hashlimit-upto 1/sec --hashlimit-burst 2 --hashlimit-mode srcip "
        + "--hashlimit-name t1 -j ACCEPT");
    final Pkt a = Pkt.udp(1, 2, new byte[0]).from(Pkt.A);
    final Pkt b = Pkt.udp(1, 2, new byte[0]).from(Pkt.B);
    assertThat(at(m, 0, a)).isTrue();
    assertThat(at(m, 0, a)).isTrue();
    assertThat(at(m, 0, a)).isFalse();
    assertThat(at(m, 0, b)).isTrue();
    assertThat(at(m, 0, b)).isTrue();
    assertThat(at(m, 0, b)).isFalse();
    assertThat(at(m, 996, a)).isFalse();
    assertThat(at(m, 1000, a)).isTrue();
    assertThat(at(m, 1000, a)).isFalse();
  }

  @Test
  void hashlimitAboveIsTheInverseAndEntriesExpire() {
    final Match m = match("-m hashlimit --hashlimit-above 1/min --hashlimit-burst 1 --hashlimit-mode srcip,dstport "
        + "--hashlimit-name t2 --hashlimit-htable-expire 2000 -j DROP");
    final Pkt p = Pkt.tcp(1, 22, 2);
    assertThat(at(m, 0, p)).isFalse();
    assertThat(at(m, 100, p)).isTrue();
    assertThat(at(m, 100, Pkt.tcp(1, 23, 2))).isFalse(); // another dport: another bucket
    assertThat(at(m, 1900, p)).isTrue();
    // idle past the expiry: the entry is gone and the bucket starts full again
    assertThat(at(m, 4000, p)).isFalse();
  }

  @Test
  void hashlimitTablesAreSharedByName() {
    final Match r1 = match("-m hashlimit --hashlimit-upto 1/hour --hashlimit-burst 1 --hashlimit-name shared -j ACCEPT");
    final Match r2 = match("-m hashlimit --hashlimit-upto 1/hour --hashlimit-burst 1 --hashlimit-name shared -j ACCEPT");
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    assertThat(at(r1, 0, p)).isTrue();
    assertThat(at(r2, 0, p)).isFalse();
  }
}
