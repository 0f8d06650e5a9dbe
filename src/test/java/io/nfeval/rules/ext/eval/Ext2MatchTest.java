package io.nfeval.rules.ext.eval;

import static io.nfeval.rules.ext.eval.Rules.match;
import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.ext.Match;
import org.junit.jupiter.api.Test;

/** Evaluation of the matches added on h-ext2, against what the kernel's xt_*.c compute. */
class Ext2MatchTest {
  private final FakeContext ctx = new FakeContext();

  private boolean eval(Match m, Pkt p) {
    ctx.packet(p.bytes());
    ctx.state = m.newState();
    return m.matches(ctx);
  }

  /** Evaluates with the state kept from the previous packet (stateful matches). */
  private boolean again(Match m, Pkt p) {
    ctx.packet(p.bytes());
    return m.matches(ctx);
  }

  @Test
  void ecnReadsIpEctAndTcpFlags() {
    final Pkt p = Pkt.tcp(1, 2, 0x02 | 0x40 | 0x80); // SYN ECE CWR
    p.tos = 0x02; // ECT(0)
    assertThat(eval(match("-p tcp -m ecn --ecn-tcp-ece --ecn-tcp-cwr -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-p tcp -m ecn ! --ecn-tcp-cwr -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-p tcp -m ecn --ecn-ip-ect 2 -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-p tcp -m ecn ! --ecn-ip-ect 2 -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-p udp -m ecn --ecn-ip-ect 1 -j ACCEPT"), Pkt.udp(1, 2, new byte[0]))).isFalse();
    final Pkt plain = Pkt.tcp(1, 2, 0x10);
    assertThat(eval(match("-p tcp -m ecn ! --ecn-tcp-ece -j ACCEPT"), plain)).isTrue();
  }

  @Test
  void ahAndEspSpis() {
    final Pkt ah = new Pkt();
    ah.proto = 51;
    ah.l4 = new byte[] {6, 4, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 1};
    assertThat(eval(match("-p ah -m ah --ahspi 4096 -j ACCEPT"), ah)).isTrue();
    assertThat(eval(match("-p ah -m ah ! --ahspi 0:4096 -j ACCEPT"), ah)).isFalse();
    assertThat(eval(match("-p ah -m ah --ahspi 4097: -j ACCEPT"), ah)).isFalse();
    ah.l4 = new byte[] {6, 4, 0, 0, 0, 0, 0x10, 0};
    assertThat(eval(match("-p ah -m ah -j ACCEPT"), ah)).isFalse();
    assertThat(ctx.hotdropped).isTrue();
    final Pkt esp = new Pkt();
    esp.proto = 50;
    esp.l4 = new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe, 0, 0, 0, 1};
    assertThat(eval(match("-p esp -m esp --espspi 4294967294 -j ACCEPT"), esp)).isTrue();
    assertThat(eval(match("-p esp -m esp ! --espspi 0:4294967294 -j ACCEPT"), esp)).isFalse();
    esp.frag(10, false);
    assertThat(eval(match("-p esp -m esp -j ACCEPT"), esp)).isFalse();
    assertThat(ctx.hotdropped).isFalse();
  }

  @Test
  void quotaSpendsBytesThenEmpties() {
    final Pkt p = Pkt.udp(1, 2, new byte[72]); // 100 bytes
    final Match q = match("-m quota --quota 250 -j ACCEPT");
    assertThat(eval(q, p)).isTrue(); // 150 left
    assertThat(again(q, p)).isTrue(); // 50 left
    assertThat(again(q, Pkt.udp(1, 2, new byte[22]))).isTrue(); // 50 bytes: 0 left
    assertThat(again(q, Pkt.udp(1, 2, new byte[0]))).isFalse(); // 28 > 0: emptied
    final Match inv = match("-m quota ! --quota 100 -j ACCEPT");
    assertThat(eval(inv, p)).isFalse();
    assertThat(again(inv, p)).isTrue();
    final Match huge = match("-m quota --quota 18446744073709551615 -j ACCEPT");
    assertThat(eval(huge, p)).isTrue();
  }

  @Test
  void cpuIsAssumedZero() {
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    assertThat(eval(match("-m cpu --cpu 0 -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m cpu ! --cpu 0 -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-m cpu --cpu 1 -j ACCEPT"), p)).isFalse();
    assertThat(ctx.assumed).contains("cpu");
  }
}
