package io.nfeval.rules.ext.eval;

import static io.nfeval.rules.ext.eval.Rules.target;
import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.ext.XtVerdict;
import org.junit.jupiter.api.Test;

/** Evaluation of the targets added on h-ext2. */
class Ext2TargetTest {
  private final FakeContext ctx = new FakeContext();

  private int run(String table, String chain, String rule, Pkt p) {
    ctx.packet(p.bytes());
    return target(table, chain, rule).execute(ctx);
  }

  private static int tcpChecksumOf(byte[] datagram) {
    return ((datagram[36] & 0xff) << 8) | (datagram[37] & 0xff);
  }

  @Test
  void ecnTcpRemoveClearsEceCwrAndPatchesTheChecksum() {
    final Pkt p = Pkt.tcp(1000, 80, 0x02 | 0x40 | 0x80);
    p.tos = 0x03;
    final int v = run("mangle", "PREROUTING", "-p tcp -j ECN --ecn-tcp-remove --ecn-ip-ect 1", p);
    assertThat(v).isEqualTo(XtVerdict.CONTINUE);
    assertThat(ctx.buf.get(33) & 0xff).isEqualTo(0x02);
    assertThat(ctx.view.tos() & 3).isEqualTo(1);
    assertThat(ctx.view.headerChecksumOk()).isTrue();
    // the patched checksum equals that of a segment built with the new flags
    final Pkt want = Pkt.tcp(1000, 80, 0x02);
    assertThat(((ctx.buf.get(36) & 0xff) << 8) | (ctx.buf.get(37) & 0xff)).isEqualTo(tcpChecksumOf(want.bytes()));
    assertThat(run("mangle", "PREROUTING", "-p tcp -j ECN --ecn-tcp-cwr 1", Pkt.tcp(1, 2, 0x10))).isEqualTo(
        XtVerdict.CONTINUE);
    assertThat(ctx.buf.get(33) & 0xff).isEqualTo(0x90);
  }

  @Test
  void synproxyStealsSynsAndCookieAcks() {
    assertThat(run("filter", "INPUT", "-p tcp -j SYNPROXY --mss 1460", Pkt.tcp(1, 80, 0x02)))
        .isEqualTo(XtVerdict.STOLEN);
    assertThat(ctx.logs).isNotEmpty();
    assertThat(run("filter", "INPUT", "-p tcp -j SYNPROXY", Pkt.tcp(1, 80, 0x10))).isEqualTo(XtVerdict.STOLEN);
    assertThat(ctx.assumed).contains("SYNPROXY cookie");
    ctx.assumeUnknowable = false;
    assertThat(run("filter", "INPUT", "-p tcp -j SYNPROXY", Pkt.tcp(1, 80, 0x10))).isEqualTo(XtVerdict.DROP);
    assertThat(run("filter", "INPUT", "-p tcp -j SYNPROXY", Pkt.tcp(1, 80, 0x18 | 0x01)))
        .isEqualTo(XtVerdict.CONTINUE);
    assertThat(run("filter", "INPUT", "-p tcp -j SYNPROXY", Pkt.tcp(1, 80, 0x12))).isEqualTo(XtVerdict.CONTINUE);
  }

  @Test
  void passiveTargetsContinue() {
    final Pkt p = Pkt.udp(1, 2, new byte[4]);
    assertThat(run("filter", "INPUT", "-j TEE --gateway 10.9.9.9", p)).isEqualTo(XtVerdict.CONTINUE);
    assertThat(ctx.logs).anyMatch(s -> s.contains("10.9.9.9"));
    assertThat(run("security", "INPUT", "-j SECMARK --selctx system_u:object_r:x_t:s0", p))
        .isEqualTo(XtVerdict.CONTINUE);
    assertThat(run("mangle", "INPUT", "-j CONNSECMARK --save", p)).isEqualTo(XtVerdict.CONTINUE);
    assertThat(run("filter", "INPUT", "-j IDLETIMER --timeout 5 --label t", p)).isEqualTo(XtVerdict.CONTINUE);
    assertThat(run("filter", "INPUT", "-j LED --led-trigger-id x", p)).isEqualTo(XtVerdict.CONTINUE);
    assertThat(run("filter", "INPUT", "-j RATEEST --rateest-name r --rateest-interval 1s --rateest-ewmalog 8s", p))
        .isEqualTo(XtVerdict.CONTINUE);
  }

  /**
   * Differential against the kernel: 60 UDP packets (below) sent into a network namespace whose mangle
   * PREROUTING had these two HMARK rules, each followed by one {@code -m mark --mark N} counter per value,
   * and two cluster rules (Linux 6.18, iptables 1.8.9; see the h-ext2 report). Counts are the kernel's.
   */
  @Test
  void hmarkAndClusterHashesEqualTheKernels() {
    final var h1 = target("mangle", "PREROUTING", "-p udp -j HMARK --hmark-tuple src,dst,sport,dport,proto"
        + " --hmark-mod 7 --hmark-rnd 0xdeadbeef --hmark-offset 100");
    final var h2 = target("mangle", "PREROUTING", "-p udp -j HMARK --hmark-src-prefix 16 --hmark-dport-mask 0xff"
        + " --hmark-proto-mask 0 --hmark-mod 5 --hmark-rnd 0x1234");
    final var c1 = Rules.match("mangle", "PREROUTING",
        "-m cluster --cluster-total-nodes 3 --cluster-local-node 1 --cluster-hash-seed 0xfeedcafe -j ACCEPT");
    final var c2 = Rules.match("mangle", "PREROUTING",
        "-m cluster --cluster-total-nodes 3 --cluster-local-nodemask 6 --cluster-hash-seed 0xfeedcafe -j ACCEPT");
    final int[] m1 = new int[7];
    final int[] m2 = new int[5];
    int n1 = 0;
    int n2 = 0;
    for (int x = 1; x <= 60; x++) {
      final int src = (10 << 24) | ((x % 5) << 16) | (x << 8) | (x * 3 % 250 + 1);
      final Pkt p = Pkt.udp(1000 + x * 7, 53 + x % 3, new byte[] {'x'}).from(src).to(0x0a4d0002);
      ctx.packet(p.bytes());
      h1.execute(ctx);
      m1[ctx.mark - 100]++;
      h2.execute(ctx);
      m2[ctx.mark]++;
      ctx.ctInfo = 2;
      ctx.ctTuple[0] = src;
      n1 += c1.matches(ctx) ? 1 : 0;
      n2 += c2.matches(ctx) ? 1 : 0;
    }
    assertThat(m1).containsExactly(6, 6, 10, 15, 11, 6, 6);
    assertThat(m2).containsExactly(4, 12, 8, 32, 4);
    assertThat(n1).isEqualTo(20);
    assertThat(n2).isEqualTo(40);
  }
}
