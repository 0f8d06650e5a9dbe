package io.nfeval.rules.ext.eval;

import static io.nfeval.rules.ext.eval.Rules.match;
import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.ext.Match;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** u32 and string over real headers and payloads. */
class PayloadMatchTest {
  private final FakeContext ctx = new FakeContext();

  private boolean eval(Match m, Pkt p) {
    ctx.packet(p.bytes());
    return m.matches(ctx);
  }

  @Test
  void u32ReadsThroughTheIpHeaderToTheTcpPort() {
    // word 0 >> 22 & 0x3c = IHL*4; @ jumps there; the low half of the first TCP word is the dport
    final Match m = match("-m u32 --u32 \"0>>22&0x3C@0&0xFFFF=80\" -j ACCEPT");
    assertThat(eval(m, Pkt.tcp(1234, 80, 2))).isTrue();
    assertThat(eval(m, Pkt.tcp(1234, 81, 2))).isFalse();
    final Match proto = match("-m u32 --u32 \"6&0xFF=6&&0>>22&0x3C@12>>26&0x3C@0=0x47455420\" -j ACCEPT");
    final byte[] get = "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(eval(proto, Pkt.tcp(1, 80, 0x18, new byte[0], get))).isTrue();
    assertThat(eval(proto, Pkt.tcp(1, 80, 0x18, new byte[0], "PUT /".getBytes(StandardCharsets.US_ASCII))))
        .isFalse();
    final Match ranges = match("-m u32 --u32 \"0&0xFFFF=0x0:0x28,0x100:0x200\" -j ACCEPT");
    assertThat(eval(ranges, Pkt.tcp(1, 80, 2))).isTrue(); // total length 40
    final Match inv = match("-m u32 ! --u32 \"0&0xFFFF=0x0:0x28\" -j ACCEPT");
    assertThat(eval(inv, Pkt.tcp(1, 80, 2))).isFalse();
  }

  @Test
  void u32ReadPastTheEndFails() {
    final Match m = match("-m u32 --u32 \"100=0:0xFFFFFFFF\" -j ACCEPT");
    assertThat(eval(m, Pkt.tcp(1, 80, 2))).isFalse();
    final Match at = match("-m u32 --u32 \"0>>22&0x3C@36=0:0xFFFFFFFF\" -j ACCEPT");
    assertThat(eval(at, Pkt.tcp(1, 80, 2))).isFalse();
  }

  @Test
  void stringSearchWithOffsetsAndCase() {
    final byte[] payload = "GET /index.html HTTP/1.1\r\nHost: Example\r\n".getBytes(StandardCharsets.US_ASCII);
    final Pkt p = Pkt.tcp(1, 80, 0x18, new byte[0], payload);
    assertThat(eval(match("-m string --string \"index.html\" --algo bm -j DROP"), p)).isTrue();
    assertThat(eval(match("-m string --string \"example\" --algo kmp -j DROP"), p)).isFalse();
    assertThat(eval(match("-m string --string \"example\" --algo kmp --icase -j DROP"), p)).isTrue();
    // payload starts at 40; "GET" occupies [40, 43)
    assertThat(eval(match("-m string --string \"GET\" --algo bm --from 40 --to 43 -j DROP"), p)).isTrue();
    assertThat(eval(match("-m string --string \"GET\" --algo bm --from 41 -j DROP"), p)).isFalse();
    assertThat(eval(match("-m string --string \"GET\" --algo bm --to 42 -j DROP"), p)).isFalse();
    assertThat(eval(match("-m string ! --string \"POST\" --algo bm -j DROP"), p)).isTrue();
    assertThat(eval(match("-m string --hex-string \"|0d0a|Host\" --algo bm -j DROP"), p)).isTrue();
  }
}
