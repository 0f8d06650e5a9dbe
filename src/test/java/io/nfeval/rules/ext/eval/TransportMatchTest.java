package io.nfeval.rules.ext.eval;

import static io.nfeval.rules.ext.eval.Rules.match;
import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.ext.Match;
import org.junit.jupiter.api.Test;

/** tcp, udp, icmp, multiport, sctp, tcpmss: ports, flags, options and the fragment rules. */
class TransportMatchTest {
  private final FakeContext ctx = new FakeContext();

  private boolean eval(Match m, Pkt p) {
    ctx.packet(p.bytes());
    ctx.state = m.newState();
    return m.matches(ctx);
  }

  @Test
  void tcpPortsAndInversion() {
    final Match m = match("-p tcp -m tcp --dport 20:25 -j ACCEPT");
    assertThat(eval(m, Pkt.tcp(1000, 22, 0x02))).isTrue();
    assertThat(eval(m, Pkt.tcp(1000, 26, 0x02))).isFalse();
    final Match inv = match("-p tcp -m tcp ! --sport 1000 -j ACCEPT");
    assertThat(eval(inv, Pkt.tcp(1000, 22, 0x02))).isFalse();
    assertThat(eval(inv, Pkt.tcp(1001, 22, 0x02))).isTrue();
  }

  @Test
  void tcpFlagsMaskAndComparison() {
    final Match syn = match("-p tcp -m tcp --syn -j ACCEPT");
    assertThat(eval(syn, Pkt.tcp(1, 2, 0x02))).isTrue();
    assertThat(eval(syn, Pkt.tcp(1, 2, 0x12))).isFalse(); // SYN/ACK
    assertThat(eval(syn, Pkt.tcp(1, 2, 0x02 | 0x08))).isTrue(); // PSH is outside the mask
    final Match notSyn = match("-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT");
    assertThat(eval(notSyn, Pkt.tcp(1, 2, 0x10))).isTrue();
    final Match xmas = match("-p tcp -m tcp --tcp-flags ALL FIN,PSH,URG -j DROP");
    assertThat(eval(xmas, Pkt.tcp(1, 2, 0x29))).isTrue();
    assertThat(eval(xmas, Pkt.tcp(1, 2, 0x2b))).isFalse();
  }

  @Test
  void tcpOptionScan() {
    final Match m = match("-p tcp -m tcp --tcp-option 8 -j ACCEPT");
    final byte[] withTs = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0};
    final byte[] mssOnly = {2, 4, 5, (byte) 0xb4};
    assertThat(eval(m, Pkt.tcp(1, 2, 2, withTs, new byte[0]))).isTrue();
    assertThat(eval(m, Pkt.tcp(1, 2, 2, mssOnly, new byte[0]))).isFalse();
    assertThat(eval(m, Pkt.tcp(1, 2, 2))).isFalse();
    final Match inv = match("-p tcp -m tcp ! --tcp-option 8 -j ACCEPT");
    assertThat(eval(inv, Pkt.tcp(1, 2, 2))).isTrue();
  }

  @Test
  void nonFirstFragmentsNeverMatchAndOffsetEightHotdrops() {
    final Match m = match("-p tcp -m tcp ! --dport 22 -j ACCEPT");
    final Pkt later = Pkt.tcp(1, 80, 2).frag(100, false);
    assertThat(eval(m, later)).isFalse();
    assertThat(ctx.hotdropped).isFalse();
    assertThat(eval(m, Pkt.tcp(1, 80, 2).frag(1, true))).isFalse();
    assertThat(ctx.hotdropped).isTrue();
    final Match udp = match("-p udp -m udp ! --dport 53 -j ACCEPT");
    assertThat(eval(udp, Pkt.udp(1, 80, new byte[4]).frag(3, false))).isFalse();
  }

  @Test
  void truncatedHeaderInFirstFragmentHotdrops() {
    final Match m = match("-p tcp -m tcp --dport 80 -j ACCEPT");
    final Pkt p = Pkt.tcp(1, 80, 2);
    p.l4 = java.util.Arrays.copyOf(p.l4, 10); // 10 bytes of TCP header only
    p.mf = true;
    assertThat(eval(m, p)).isFalse();
    assertThat(ctx.hotdropped).isTrue();
  }

  @Test
  void udpPorts() {
    final Match m = match("-p udp -m udp --sport 53 --dport 1024:65535 -j ACCEPT");
    assertThat(eval(m, Pkt.udp(53, 40000, new byte[0]))).isTrue();
    assertThat(eval(m, Pkt.udp(53, 80, new byte[0]))).isFalse();
  }

  @Test
  void icmpTypeCodeAndAny() {
    final Match echo = match("-p icmp -m icmp --icmp-type 8 -j ACCEPT");
    assertThat(eval(echo, Pkt.icmp(8, 0))).isTrue();
    assertThat(eval(echo, Pkt.icmp(0, 0))).isFalse();
    final Match port = match("-p icmp -m icmp --icmp-type port-unreachable -j ACCEPT");
    assertThat(eval(port, Pkt.icmp(3, 3))).isTrue();
    assertThat(eval(port, Pkt.icmp(3, 1))).isFalse();
    final Match any = match("-p icmp -m icmp --icmp-type any -j ACCEPT");
    assertThat(eval(any, Pkt.icmp(42, 7))).isTrue();
    final Match notAny = match("-p icmp -m icmp ! --icmp-type any -j ACCEPT");
    assertThat(eval(notAny, Pkt.icmp(42, 7))).isFalse();
  }

  @Test
  void multiportListsRangesAndInversion() {
    final Match d = match("-p tcp -m multiport --dports 22,80,8000:8080 -j ACCEPT");
    assertThat(eval(d, Pkt.tcp(5, 80, 2))).isTrue();
    assertThat(eval(d, Pkt.tcp(5, 8042, 2))).isTrue();
    assertThat(eval(d, Pkt.tcp(80, 81, 2))).isFalse();
    final Match either = match("-p udp -m multiport --ports 53 -j ACCEPT");
    assertThat(eval(either, Pkt.udp(53, 4000, new byte[0]))).isTrue();
    assertThat(eval(either, Pkt.udp(4000, 53, new byte[0]))).isTrue();
    final Match inv = match("-p tcp -m multiport ! --sports 1:1023 -j ACCEPT");
    assertThat(eval(inv, Pkt.tcp(5, 80, 2))).isFalse();
    assertThat(eval(inv, Pkt.tcp(5000, 80, 2))).isTrue();
    assertThat(eval(d, Pkt.tcp(5, 80, 2).frag(10, false))).isFalse();
  }

  @Test
  void tcpmssOnSyn() {
    final Match m = match("-p tcp -m tcp --tcp-flags SYN,RST SYN -m tcpmss --mss 1400:1500 -j ACCEPT");
    final byte[] mss1460 = {2, 4, 5, (byte) 0xb4};
    final byte[] mss536 = {2, 4, 2, 0x18};
    assertThat(eval(m, Pkt.tcp(1, 2, 2, mss1460, new byte[0]))).isTrue();
    assertThat(eval(m, Pkt.tcp(1, 2, 2, mss536, new byte[0]))).isFalse();
    assertThat(eval(m, Pkt.tcp(1, 2, 2))).isFalse(); // no option: invert (false)
  }

  @Test
  void sctpPortsAndChunks() {
    final Match m = match("-p sctp -m sctp --dport 5000 --chunk-types any INIT -j ACCEPT");
    final Pkt init = new Pkt();
    init.proto = 132;
    init.l4 = new byte[] {0, 1, 0x13, (byte) 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 20,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assertThat(eval(m, init)).isTrue();
    init.l4[12] = 0; // DATA chunk
    assertThat(eval(m, init)).isFalse();
    final Match only = match("-p sctp -m sctp --chunk-types only DATA -j ACCEPT");
    assertThat(eval(only, init)).isTrue();
  }

  @Test
  void sctpAllChunkTypes() {
    final Match all = match("-p sctp -m sctp --chunk-types all DATA,SACK -j ACCEPT");
    final Pkt p = new Pkt();
    p.proto = 132;
    // common header, then a DATA chunk (16 bytes) and a SACK chunk (16 bytes)
    p.l4 = new byte[] {0, 1, 0x13, (byte) 0x88, 0, 0, 0, 1, 0, 0, 0, 0,
        0, 3, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
        3, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    assertThat(eval(all, p)).isTrue();
    p.l4[28] = 4; // the second chunk a HEARTBEAT: SACK missing
    assertThat(eval(all, p)).isFalse();
    // a type above 63 in the set (I_DATA, 64) goes to the second word of the pending bits
    final Match high = match("-p sctp -m sctp --chunk-types all DATA,I_DATA -j ACCEPT");
    assertThat(eval(high, p)).isFalse();
    p.l4[28] = 64;
    assertThat(eval(high, p)).isTrue();
  }
}
