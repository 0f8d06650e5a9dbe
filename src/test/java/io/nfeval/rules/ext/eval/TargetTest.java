package io.nfeval.rules.ext.eval;

import static io.nfeval.rules.ext.eval.Rules.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nfeval.engine.InMemoryIpSets;
import io.nfeval.rules.ext.PacketContext;
import io.nfeval.rules.ext.Target;
import io.nfeval.rules.ext.UnknownTarget;
import io.nfeval.rules.ext.VerdictTarget;
import io.nfeval.rules.ext.XtVerdict;
import org.junit.jupiter.api.Test;

/** Non-terminating targets: mark arithmetic, header rewrites, logging, sets. */
class TargetTest {
  private final FakeContext ctx = new FakeContext();

  TargetTest() {
    ctx.packet(Pkt.tcp(1, 2, 2).ttl(64).bytes());
  }

  private int run(String table, String chain, String rule) {
    return target(table, chain, rule).execute(ctx);
  }

  @Test
  void markArithmetic() {
    ctx.mark = 0x1234;
    assertThat(run("mangle", "PREROUTING", "-j MARK --set-xmark 0x1/0xff")).isEqualTo(XtVerdict.CONTINUE);
    assertThat(ctx.mark).isEqualTo(0x1201);
    run("mangle", "PREROUTING", "-j MARK --set-mark 0x5");
    assertThat(ctx.mark).isEqualTo(0x5);
    ctx.mark = 0xf0;
    run("mangle", "PREROUTING", "-j MARK --or-mark 0x0f");
    assertThat(ctx.mark).isEqualTo(0xff);
    run("mangle", "PREROUTING", "-j MARK --and-mark 0x3c");
    assertThat(ctx.mark).isEqualTo(0x3c);
    run("mangle", "PREROUTING", "-j MARK --xor-mark 0x0f");
    assertThat(ctx.mark).isEqualTo(0x33);
  }

  @Test
  void connmarkSetSaveRestore() {
    ctx.ctMark = 0xaa00;
    run("mangle", "PREROUTING", "-j CONNMARK --set-xmark 0x5/0xff");
    assertThat(ctx.ctMark).isEqualTo(0xaa00); // no connection: nothing happens
    ctx.ctInfo = 0;
    run("mangle", "PREROUTING", "-j CONNMARK --set-xmark 0x5/0xff");
    assertThat(ctx.ctMark).isEqualTo(0xaa05);
    ctx.mark = 0x1234;
    run("mangle", "PREROUTING", "-j CONNMARK --save-mark --nfmask 0xff --ctmask 0xffff");
    assertThat(ctx.ctMark).isEqualTo(0x34); // (0xaa05 & ~0xffff) ^ (0x1234 & 0xff)
    ctx.ctMark = 0xbeef;
    run("mangle", "PREROUTING", "-j CONNMARK --restore-mark --nfmask 0xff00 --ctmask 0xff00");
    assertThat(ctx.mark).isEqualTo(0xbe34); // (0x1234 & ~0xff00) ^ (0xbeef & 0xff00)
    run("mangle", "PREROUTING", "-j CONNMARK --restore-mark");
    assertThat(ctx.mark).isEqualTo(0xbeef);
  }

  @Test
  void ttlTosDscpRewriteKeepTheChecksum() {
    run("mangle", "PREROUTING", "-j TTL --ttl-dec 1");
    assertThat(ctx.view.ttl()).isEqualTo(63);
    assertThat(ctx.view.headerChecksumOk()).isTrue();
    run("mangle", "PREROUTING", "-j TTL --ttl-inc 250");
    assertThat(ctx.view.ttl()).isEqualTo(255);
    run("mangle", "PREROUTING", "-j TTL --ttl-set 7");
    assertThat(ctx.view.ttl()).isEqualTo(7);
    run("mangle", "PREROUTING", "-j TTL --ttl-dec 9");
    assertThat(ctx.view.ttl()).isEqualTo(0);
    run("mangle", "PREROUTING", "-j TOS --set-tos 0x10/0x3f");
    assertThat(ctx.view.tos()).isEqualTo(0x10);
    run("mangle", "PREROUTING", "-j DSCP --set-dscp-class EF");
    assertThat(ctx.view.tos()).isEqualTo(0xb8);
    assertThat(ctx.view.headerChecksumOk()).isTrue();
  }

  @Test
  void classifyLogAuditAndSet() {
    run("mangle", "POSTROUTING", "-j CLASSIFY --set-class 1:10");
    assertThat(ctx.priority).isEqualTo(0x10010);
    run("filter", "INPUT", "-j LOG --log-prefix \"in: \"");
    run("filter", "INPUT", "-j NFLOG --nflog-group 5 --nflog-prefix x");
    run("filter", "INPUT", "-j AUDIT --type drop");
    assertThat(ctx.logs).containsExactly("LOG:in: ", "NFLOG:x", "AUDIT:drop");
    ctx.ipsets.create("seen", 32, 0, InMemoryIpSets.Kind.IP);
    run("filter", "INPUT", "-j SET --add-set seen src");
    assertThat(ctx.ipsets.contains("seen", 0, Pkt.A)).isTrue();
    assertThat(ctx.ipsets.packets("seen", Pkt.A)).isEqualTo(1); // the adding packet counts
    run("filter", "INPUT", "-j SET --del-set seen src");
    assertThat(ctx.ipsets.contains("seen", 0, Pkt.A)).isFalse();
  }

  @Test
  void tcpmssClampNeedsAPathMtuAndTproxyIsAssumed() {
    ctx.pathMtu = 0;
    assertThat(run("mangle", "FORWARD", "-p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu"))
        .isEqualTo(XtVerdict.DROP);
    ctx.pathMtu = 1400;
    assertThat(run("mangle", "FORWARD", "-p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu"))
        .isEqualTo(XtVerdict.CONTINUE);
    assertThat(run("mangle", "PREROUTING", "-p tcp -m tcp -j TPROXY --on-port 3128 --tproxy-mark 0x1/0x1"))
        .isEqualTo(XtVerdict.ACCEPT);
    assertThat(ctx.mark & 1).isEqualTo(1);
    ctx.assumeUnknowable = false;
    assertThat(run("mangle", "PREROUTING", "-p tcp -m tcp -j TPROXY --on-port 3128 --tproxy-mark 0x1/0x1"))
        .isEqualTo(XtVerdict.DROP);
    assertThat(ctx.assumed).contains("TPROXY");
  }

  @Test
  void unknownEngineAndStandardTargets() {
    assertThat(new UnknownTarget("FOO", " --x").execute(ctx)).isEqualTo(XtVerdict.CONTINUE);
    assertThat(ctx.assumed).contains("unknown:FOO");
    final Target dnat = target("nat", "PREROUTING", "-p tcp -j DNAT --to-destination 10.0.0.9");
    assertThatThrownBy(() -> dnat.execute(ctx)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> VerdictTarget.ACCEPT.execute(ctx)).isInstanceOf(IllegalStateException.class);
    assertThat(PacketContext.CT_OPEN).isEqualTo(1);
  }
}
