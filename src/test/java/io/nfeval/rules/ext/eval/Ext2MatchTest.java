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

  private static long at(String iso) {
    return java.time.Instant.parse(iso).getEpochSecond() * 1_000_000_000L + 123;
  }

  private boolean timeAt(String rule, String iso) {
    ctx.at(at(iso));
    return eval(match(rule), Pkt.udp(1, 2, new byte[0]));
  }

  @Test
  void timeOnPacketTimestamp() {
    // 2024-03-04 was a Monday
    final String office = "-m time --timestart 08:00 --timestop 17:00 --weekdays Mon,Tue,Wed,Thu,Fri -j ACCEPT";
    assertThat(timeAt(office, "2024-03-04T08:00:00Z")).isTrue();
    assertThat(timeAt(office, "2024-03-04T17:00:00Z")).isTrue();
    assertThat(timeAt(office, "2024-03-04T17:00:01Z")).isFalse();
    assertThat(timeAt(office, "2024-03-03T12:00:00Z")).isFalse(); // Sunday
    final String night = "-m time --timestart 22:00 --timestop 06:00 --weekdays Mon -j ACCEPT";
    assertThat(timeAt(night, "2024-03-04T23:00:00Z")).isTrue();
    assertThat(timeAt(night, "2024-03-04T05:00:00Z")).isTrue(); // Monday early morning
    assertThat(timeAt(night, "2024-03-05T05:00:00Z")).isFalse(); // Tuesday
    final String contiguous = "-m time --timestart 22:00 --timestop 06:00 --weekdays Mon --contiguous -j ACCEPT";
    assertThat(timeAt(contiguous, "2024-03-05T05:00:00Z")).isTrue(); // counts as Monday night
    assertThat(timeAt(contiguous, "2024-03-04T05:00:00Z")).isFalse(); // Sunday night
    assertThat(timeAt("-m time --monthdays 29 -j ACCEPT", "2024-02-29T00:00:00Z")).isTrue();
    assertThat(timeAt("-m time ! --monthdays 29 -j ACCEPT", "2024-02-29T00:00:00Z")).isFalse();
    assertThat(timeAt("-m time --datestart 2024-03-01 --datestop 2024-03-02 -j ACCEPT", "2024-03-02T00:00:00Z"))
        .isTrue();
    assertThat(timeAt("-m time --datestart 2024-03-01 --datestop 2024-03-02 -j ACCEPT", "2024-03-02T00:00:01Z"))
        .isFalse();
    assertThat(timeAt("-m time -j ACCEPT", "2038-01-19T03:14:08Z")).isFalse(); // default --datestop
    assertThat(timeAt("-m time --kerneltz --timestart 01:00 -j ACCEPT", "2024-03-04T01:00:00Z")).isTrue();
    assertThat(ctx.assumed).anyMatch(a -> a.contains("kerneltz"));
  }

  @Test
  void dccpPortsTypesOptions() {
    // REQUEST with X=1: 12 + 4 (ext) + 4 (service code) = 20 bytes before the options
    final Pkt req = new Pkt();
    req.proto = 33;
    final byte[] l4 = new byte[24];
    Pkt.put16(l4, 0, 5000);
    Pkt.put16(l4, 2, 80);
    l4[4] = 6; // doff 24 bytes
    l4[8] = (byte) ((0 << 1) | 1);
    l4[20] = 1; // padding
    l4[21] = 32; // option 32, length 3
    l4[22] = 3;
    req.l4 = l4;
    assertThat(eval(match("-p dccp -m dccp --dport 80 --dccp-types REQUEST -j ACCEPT"), req)).isTrue();
    assertThat(eval(match("-p dccp -m dccp ! --sport 5000 -j ACCEPT"), req)).isFalse();
    assertThat(eval(match("-p dccp -m dccp --dccp-types DATA,ACK -j ACCEPT"), req)).isFalse();
    assertThat(eval(match("-p dccp -m dccp --dccp-option 32 -j ACCEPT"), req)).isTrue();
    assertThat(eval(match("-p dccp -m dccp ! --dccp-option 33 -j ACCEPT"), req)).isTrue();
    l4[4] = 4; // doff 16 < 20: invalid header
    assertThat(eval(match("-p dccp -m dccp --dccp-option 32 -j ACCEPT"), req)).isFalse();
    assertThat(ctx.hotdropped).isTrue();
  }

  @Test
  void realmCgroupConnlabelIpvsAssumptions() {
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    assertThat(eval(match("-m realm --realm 0 -j ACCEPT"), p)).isTrue();
    assertThat(eval(match("-m realm --realm 1 -j ACCEPT"), p)).isFalse();
    assertThat(ctx.assumed).contains("realm");
    ctx.in = "eth0"; // arriving packet: no socket in the fake
    ctx.hook = 4; // POSTROUTING of a forwarded packet: no socket at all
    assertThat(eval(match("mangle", "POSTROUTING", "-m cgroup ! --cgroup 1 -j ACCEPT"), p)).isFalse();
    ctx.hook = 1; // INPUT: early demux may have found the local socket
    ctx.assumeUnknowable = false;
    assertThat(eval(match("-m cgroup ! --cgroup 1 -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-m cgroup ! --cgroup 1 -j ACCEPT"), Pkt.icmp(8, 0))).isFalse();
    ctx.assumeUnknowable = true;
    ctx.in = null;
    ctx.socketKind = io.nfeval.rules.ext.PacketContext.SOCKET_UNKNOWN;
    assertThat(eval(match("filter", "OUTPUT", "-m cgroup --path /user.slice -j ACCEPT"), p)).isTrue();
    assertThat(ctx.assumed).contains("cgroup");
    ctx.ctInfo = io.nfeval.rules.ext.PacketContext.CT_INVALID;
    assertThat(eval(match("-m connlabel ! --label 3 -j ACCEPT"), p)).isTrue();
    ctx.ctInfo = 0;
    assertThat(eval(match("-m connlabel --label 3 -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-m connlabel --label 3 --set -j ACCEPT"), p)).isTrue();
    assertThat(ctx.assumed).contains("connlabel");
    assertThat(eval(match("-m ipvs --ipvs -j ACCEPT"), p)).isFalse();
    assertThat(eval(match("-m ipvs ! --ipvs -j ACCEPT"), p)).isTrue();
    ctx.assumeUnknowable = false;
    assertThat(eval(match("-m ipvs --vdir ORIGINAL -j ACCEPT"), p)).isFalse();
    assertThat(ctx.assumed).contains("ipvs");
  }

  @Test
  void clusterSplitsConnectionsBySourceHash() {
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    ctx.ctInfo = 2;
    int mine = 0;
    for (int i = 0; i < 200; i++) {
      ctx.ctTuple[0] = 0x0a000000 + i;
      final boolean a = eval(match("mangle", "PREROUTING",
          "-m cluster --cluster-total-nodes 2 --cluster-local-node 1 --cluster-hash-seed 0xdeadbeef -j ACCEPT"), p);
      final boolean b = eval(match("mangle", "PREROUTING",
          "-m cluster --cluster-total-nodes 2 --cluster-local-node 2 --cluster-hash-seed 0xdeadbeef -j ACCEPT"), p);
      assertThat(a).isNotEqualTo(b); // each connection has exactly one owner
      mine += a ? 1 : 0;
    }
    assertThat(mine).isBetween(70, 130);
    ctx.ctInfo = io.nfeval.rules.ext.PacketContext.CT_INVALID;
    assertThat(eval(match("mangle", "PREROUTING",
        "-m cluster --cluster-total-nodes 1 --cluster-local-node 1 --cluster-hash-seed 1 -j ACCEPT"), p)).isFalse();
  }

  @Test
  void bpfInterpretsClassicPrograms() {
    final Match tcpOnly = match("-m bpf --bytecode \"4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0\" -j ACCEPT");
    assertThat(eval(tcpOnly, Pkt.tcp(1, 2, 2))).isTrue();
    assertThat(eval(tcpOnly, Pkt.udp(1, 2, new byte[0]))).isFalse();
    // ldx 4*([0]&0xf); ldh [x+2]; jeq #443 ret 1 else ret 0: the TCP/UDP destination port
    final Match https = match("-m bpf --bytecode \"5,177 0 0 0,72 0 0 2,21 0 1 443,6 0 0 1,6 0 0 0\" -j ACCEPT");
    assertThat(eval(https, Pkt.tcp(1000, 443, 2))).isTrue();
    assertThat(eval(https, Pkt.udp(1000, 444, new byte[0]))).isFalse();
    // a load past the packet ends the program with 0
    assertThat(eval(match("-m bpf --bytecode \"2,32 0 0 5000,6 0 0 1\" -j ACCEPT"), Pkt.tcp(1, 2, 2))).isFalse();
    // scratch memory and ALU: M[3] = len; A = M[3] * 2; ret A
    final Match mem = match("-m bpf --bytecode \"4,128 0 0 0,2 0 0 3,96 0 0 3,22 0 0 0\" -j ACCEPT");
    assertThat(eval(mem, Pkt.tcp(1, 2, 2))).isTrue();
    // SKF_AD_MARK (0xfffff000 + 20)
    final Match mark = match("-m bpf --bytecode \"2,32 0 0 4294963220,22 0 0 0\" -j ACCEPT");
    ctx.mark = 0;
    assertThat(eval(mark, Pkt.tcp(1, 2, 2))).isFalse();
    ctx.mark = 7;
    assertThat(eval(mark, Pkt.tcp(1, 2, 2))).isTrue();
  }

  @Test
  void rateestIsAssumed() {
    final Pkt p = Pkt.udp(1, 2, new byte[0]);
    assertThat(eval(match("-m rateest --rateest RE1 --rateest-lt --rateest-bps 8bit -j ACCEPT"), p)).isTrue();
    ctx.assumeUnknowable = false;
    assertThat(eval(match("-m rateest --rateest1 A --rateest-gt --rateest-pps --rateest2 B -j ACCEPT"), p)).isFalse();
    assertThat(ctx.assumed).contains("rateest");
  }

  /** The datagrams of src/test/kernel/ext2/pk.hex (scapy): ECN TCP x3, AH, ESP, DCCP REQUEST, UDP:443. */
  private static final String[] KERNEL_PACKETS = {
      "45020028000100004006667d0a0100010a4d000203e80050000000000000000050c22000769a0000",
      "45010028000100004006667e0a0100010a4d000203e80050000000000000000050102000774c0000",
      "45030028000100004006667c0a0100010a4d000203e801bb00000000000000005042200075af0000",
      "4500002c000100004033664e0a0100010a4d00023b0000000000100000000001000000000000000000000000",
      "4500002400010000403266570a0100010a4d0002fffffffe000000010000000000000000",
      "4500002c00010000402166600a0100010a4d0002138800500600000001000000000000010000000000200307",
      "45000021000100004011667b0a0100010a4d0002000501bb000da5f168656c6c6f"};

  /**
   * Differential against the kernel (src/test/kernel/ext2/match-check.sh, Linux 6.18, iptables 1.8.9): the
   * packets above sent through a mangle PREROUTING chain of these rules; the counts are the kernel's.
   */
  @Test
  void matchesCountLikeTheKernel() {
    final String[] rules = {"-p tcp -m ecn --ecn-tcp-ece --ecn-tcp-cwr", "-p tcp -m ecn ! --ecn-tcp-cwr --ecn-ip-ect 1",
        "-p tcp -m ecn --ecn-ip-ect 3", "-p tcp -m ecn ! --ecn-tcp-ece", "-p ah -m ah --ahspi 4096",
        "-p ah -m ah ! --ahspi 4096", "-p esp -m esp ! --espspi 0:4294967294",
        "-p dccp -m dccp --dccp-types REQUEST --dport 80", "-p dccp -m dccp --dccp-option 32",
        "-p dccp -m dccp ! --dccp-option 33", "-p dccp -m dccp --dccp-option 7",
        "-m bpf --bytecode \"5,177 0 0 0,72 0 0 2,21 0 1 443,6 0 0 1,6 0 0 0\"", "-m quota --quota 100",
        "-m quota ! --quota 100"};
    final int[] want = {1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 2, 2, 5};
    final int[] protos = {6, 6, 6, 6, 51, 51, 50, 33, 33, 33, 33, 0, 0, 0};
    final int[] got = new int[rules.length];
    for (int r = 0; r < rules.length; r++) {
      final Match m = match("mangle", "PREROUTING", rules[r] + " -j ACCEPT");
      ctx.state = m.newState();
      for (String hex : KERNEL_PACKETS) {
        final byte[] d = java.util.HexFormat.of().parseHex(hex);
        if (protos[r] != 0 && (d[9] & 0xff) != protos[r]) {
          continue; // the rule's -p
        }
        ctx.packet(d);
        got[r] += m.matches(ctx) ? 1 : 0;
      }
    }
    assertThat(got).containsExactly(want);
  }
}
