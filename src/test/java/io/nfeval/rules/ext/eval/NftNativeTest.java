package io.nfeval.rules.ext.eval;

import static io.nfeval.rules.ext.eval.Rules.match;
import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.ext.Match;
import org.junit.jupiter.api.Test;

/** The native nf_tables forms iptables-nft gives tcp, udp and limit. */
class NftNativeTest {
  private final FakeContext ctx = new FakeContext();

  NftNativeTest() {
    ctx.nft = true;
  }

  private boolean eval(Match m, Pkt p) {
    ctx.packet(p.bytes());
    ctx.state = m.newState();
    return m.matches(ctx);
  }

  @Test
  void payloadLoadsReadLaterFragmentsAndNeverHotdrop() {
    final Match m = match("-p tcp -m tcp --dport 80");
    assertThat(eval(m, Pkt.tcp(1, 80, 2).frag(20, false))).isTrue();
    assertThat(eval(m, Pkt.tcp(1, 80, 2).frag(1, true))).isTrue();
    assertThat(ctx.hotdropped).isFalse();
    final Match syn = match("-p tcp -m tcp --syn");
    assertThat(eval(syn, Pkt.tcp(1, 80, 2).frag(20, false))).isTrue();
    // the empty match and --tcp-option stay xt: fragments do not match
    assertThat(eval(match("-p tcp -m tcp"), Pkt.tcp(1, 80, 2).frag(20, false))).isFalse();
    assertThat(eval(match("-p tcp -m tcp --dport 80 --tcp-option 2"), Pkt.tcp(1, 80, 2).frag(20, false))).isFalse();
    assertThat(eval(match("-p udp -m udp --dport 53"), Pkt.udp(5, 53, new byte[0]).frag(7, false))).isTrue();
  }

  @Test
  void twoInvertedSinglePortsCompareTheWholeWord() {
    final Match m = match("-p udp -m udp ! --sport 53 ! --dport 80");
    assertThat(eval(m, Pkt.udp(53, 81, new byte[0]))).isTrue(); // xt would say false
    assertThat(eval(m, Pkt.udp(53, 80, new byte[0]))).isFalse();
    ctx.nft = false;
    assertThat(eval(m, Pkt.udp(53, 81, new byte[0]))).isFalse();
  }

  @Test
  void nftLimitIsANanosecondBucket() {
    final Match m = match("-m limit --limit 1/sec --limit-burst 3");
    final Object s = m.newState();
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    final long sec = 1_000_000_000L;
    final boolean[] got = new boolean[7];
    final long[] at = {0, 1, 2, 3, sec + 2, sec + 3, 2 * sec + 2};
    for (int i = 0; i < at.length; i++) {
      ctx.packet(p.bytes()).at(at[i]);
      ctx.state = s;
      got[i] = m.matches(ctx);
    }
    assertThat(got).containsExactly(true, true, true, false, true, false, true);
  }
}
