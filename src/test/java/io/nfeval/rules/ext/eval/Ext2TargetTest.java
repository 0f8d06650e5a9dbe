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
}
