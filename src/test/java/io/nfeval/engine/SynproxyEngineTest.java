package io.nfeval.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.host.HostModel;
import io.nfeval.ipset.IpsetRegistry;
import io.nfeval.packet.LinkType;
import io.nfeval.packet.PacketView;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.RulesetParser;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SYNPROXY in a capture without the host's packets: the engine sends what nf_synproxy_core sends (the
 * SYN-ACK with a cookie, the SYN to the server, the ACK to the server and the client's window update),
 * header for header, and the proxied connection is ESTABLISHED once its sequence numbers are
 * translated. The kernel-differential scenario synproxy checks the counters of both kinds of capture.
 */
class SynproxyEngineTest {
  @TempDir Path dir;

  static final String HOST = "{\"interfaces\":["
      + "{\"name\":\"lo\",\"flags\":[\"LOOPBACK\",\"UP\",\"LOWER_UP\"],\"addresses\":[\"127.0.0.1/8\"]},"
      + "{\"name\":\"eth0\",\"addresses\":[\"192.0.2.1/24\"]},"
      + "{\"name\":\"eth1\",\"addresses\":[\"10.0.0.1/24\"]}],"
      + "\"routes\":[{\"dst\":\"default\",\"gateway\":\"192.0.2.254\",\"dev\":\"eth0\"}],"
      + "\"sysctl\":{\"net.ipv4.ip_forward\":1,\"net.netfilter.nf_conntrack_tcp_loose\":0}}";

  static final String RULES = String.join("\n",
      "*raw",
      ":PREROUTING ACCEPT [0:0]",
      ":OUTPUT ACCEPT [0:0]",
      "-A PREROUTING -i eth0 -p tcp -m tcp --dport 80 --tcp-flags FIN,SYN,RST,ACK SYN -j CT --notrack",
      "COMMIT",
      "*filter",
      ":INPUT ACCEPT [0:0]",
      ":FORWARD ACCEPT [0:0]",
      ":OUTPUT ACCEPT [0:0]",
      "-A FORWARD -i eth0 -p tcp -m tcp --dport 80 -m conntrack --ctstate INVALID,UNTRACKED"
          + " -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460",
      "-A FORWARD -m conntrack --ctstate INVALID -j DROP",
      "COMMIT", "");

  /** A packet the engine sent itself, as it left POSTROUTING: its bytes, decoded. */
  record Sent(PacketView v, String ctstate, Disposition d) {
    int len() {
      return v.ipLength();
    }

    int s32(int o) {
      return v.buffer().getInt(v.offset() + o);
    }
  }

  private static byte[] synOptions(int tsval) {
    final ByteBuffer o = ByteBuffer.allocate(20);
    o.putInt(0, 0x020405b4); // MSS 1460
    o.putInt(4, 0x0402080a); // SACK-permitted, timestamp
    o.putInt(8, tsval);
    o.putInt(12, 0);
    o.putInt(16, 0x0103030a); // NOP, window scale 10
    return o.array();
  }

  private static byte[] tsOptions(int tsval, int tsecr) {
    final ByteBuffer o = ByteBuffer.allocate(12);
    o.putInt(0, 0x0101080a);
    o.putInt(4, tsval);
    o.putInt(8, tsecr);
    return o.array();
  }

  @Test
  void theProxySendsWhatTheKernelSendsAndTheConnectionOpens() throws Exception {
    Files.writeString(dir.resolve("host.json"), HOST);
    final HostModel host = HostModel.fromDescription(dir.resolve("host.json"));
    final Ruleset rs = RulesetParser.parse(RULES, "test.rules", ParseOptions.DEFAULT);
    final Engine e = new Engine(rs, host, new IpsetRegistry(List.of()), new Engine.Options());
    final List<Sent> sent = new ArrayList<>();
    e.setListener((skb, d, info) -> {
      if (info.generated) {
        final byte[] copy = new byte[skb.len];
        System.arraycopy(skb.data, 0, copy, 0, skb.len);
        final PacketView v = new PacketView();
        v.wrap(ByteBuffer.wrap(copy), 0, copy.length, copy.length, LinkType.IPV4);
        v.decode();
        sent.add(new Sent(v, TraceWriter.ctName(skb.ctInfo), d));
      }
    });
    final var eth0 = host.byName("eth0");
    final var eth1 = host.byName("eth1");
    final long isn = 3_926_355_994L;

    // the client's SYN: stolen, answered with a SYN-ACK carrying the cookie
    assertThat(e.arrive(Packets.tcp("192.0.2.7", 40000, "10.0.0.2", 80, 0x02, isn, 0, 64240,
        synOptions(1000), 0), eth0, 1_000_000, 0)).isEqualTo(Disposition.DROPPED);
    assertThat(sent).hasSize(1);
    final Sent synack = sent.get(0);
    assertThat(synack.len()).isEqualTo(60);
    assertThat(synack.v().srcAddr()).isEqualTo(Packets.ip("10.0.0.2"));
    assertThat(synack.v().srcPort()).isEqualTo(80);
    assertThat(synack.v().dstPort()).isEqualTo(40000);
    assertThat(synack.v().tcpFlags()).isEqualTo(0x12);
    assertThat(synack.v().tcpAck()).isEqualTo(isn + 1);
    assertThat(synack.v().tcpWindow()).isZero(); // window 0
    assertThat(synack.v().tcpMss()).isEqualTo(1460);
    assertThat(synack.v().tcpWindowScale()).isEqualTo(7); // the target's --wscale
    final int synackTsval = (int) synack.v().tcpTsVal();
    assertThat(synackTsval & 0x3f).isEqualTo(10 | 0x10); // the client's wscale and SACK in the cookie
    assertThat(synack.v().tcpTsEcr()).isEqualTo(1000);
    assertThat(synack.ctstate()).isEqualTo("INVALID"); // untracked SYN: nothing attached
    final int cookie = (int) synack.v().tcpSeq();

    // the client's ACK with the cookie: stolen, the proxy's SYN to the server opens the connection
    assertThat(e.arrive(Packets.tcp("192.0.2.7", 40000, "10.0.0.2", 80, 0x10, isn + 1,
        (cookie + 1L) & 0xffffffffL, 63, tsOptions(1001, synackTsval), 0), eth0, 2_000_000, 1))
        .isEqualTo(Disposition.DROPPED);
    assertThat(sent).hasSize(2);
    final Sent syn = sent.get(1);
    assertThat(syn.len()).isEqualTo(60);
    assertThat(syn.v().srcAddr()).isEqualTo(Packets.ip("192.0.2.7"));
    assertThat(syn.v().tcpFlags()).isEqualTo(0x02);
    assertThat(syn.v().tcpSeq()).isEqualTo(isn);
    assertThat(syn.s32(28)).isEqualTo(cookie); // relays the cookie to the hook (ACK flag clear)
    assertThat(syn.v().tcpWindow()).isEqualTo(63);
    assertThat(syn.v().tcpMss()).isEqualTo(1460);
    assertThat(syn.v().tcpWindowScale()).isEqualTo(10); // the client's, from the timestamp cookie
    assertThat(syn.v().tcpSackPermitted()).isTrue();
    assertThat(syn.ctstate()).isEqualTo("NEW");
    assertThat(syn.d()).isEqualTo(Disposition.SENT);

    // the server's SYN-ACK: stolen at POSTROUTING; an ACK to the server, a window update to the client
    final long server = 1_024_225_353L;
    final ByteBuffer saOpt = ByteBuffer.allocate(20);
    saOpt.putInt(0, 0x020405b4);
    saOpt.putInt(4, 0x0402080a);
    saOpt.putInt(8, 5000);
    saOpt.putInt(12, 1001);
    saOpt.putInt(16, 0x01030307);
    assertThat(e.arrive(Packets.tcp("10.0.0.2", 80, "192.0.2.7", 40000, 0x12, server, isn + 1, 65160,
        saOpt.array(), 0), eth1, 3_000_000, 2)).isEqualTo(Disposition.DROPPED);
    assertThat(sent).hasSize(4);
    final Sent toServer = sent.get(2);
    assertThat(toServer.len()).isEqualTo(52);
    assertThat(toServer.v().srcAddr()).isEqualTo(Packets.ip("192.0.2.7"));
    assertThat(toServer.v().tcpFlags()).isEqualTo(0x10);
    assertThat(toServer.v().tcpSeq()).isEqualTo(isn + 1);
    assertThat(toServer.v().tcpAck()).isEqualTo(server + 1);
    assertThat(toServer.v().tcpTsVal()).isEqualTo(1001);
    assertThat(toServer.v().tcpTsEcr()).isEqualTo(5000);
    assertThat(toServer.ctstate()).isEqualTo("ESTABLISHED");
    final Sent toClient = sent.get(3);
    assertThat(toClient.len()).isEqualTo(52);
    assertThat(toClient.v().srcAddr()).isEqualTo(Packets.ip("10.0.0.2"));
    assertThat(toClient.v().tcpSeq()).isEqualTo(server + 1);
    assertThat(toClient.v().tcpAck()).isEqualTo(isn + 1);
    assertThat(toClient.v().tcpWindow()).isEqualTo(65160 >> 7);
    assertThat(toClient.ctstate()).isEqualTo("ESTABLISHED_REPLY");

    // data in the cookie's sequence space passes: conntrack translates the acknowledgment
    assertThat(e.arrive(Packets.tcp("192.0.2.7", 40000, "10.0.0.2", 80, 0x18, isn + 1,
        (cookie + 1L) & 0xffffffffL, 63, tsOptions(1002, synackTsval), 100), eth0, 4_000_000, 3))
        .isEqualTo(Disposition.FORWARDED);
    assertThat(e.arrive(Packets.tcp("10.0.0.2", 80, "192.0.2.7", 40000, 0x10, server + 1, isn + 101,
        64, tsOptions(5001, 1002), 0), eth1, 5_000_000, 4)).isEqualTo(Disposition.FORWARDED);

    // an ACK no SYN of the proxy's explains: a bad cookie, dropped, nothing sent
    assertThat(e.arrive(Packets.tcp("192.0.2.9", 40001, "10.0.0.2", 80, 0x10, 5000, 12345, 8192,
        new byte[0], 0), eth0, 6_000_000, 5)).isEqualTo(Disposition.DROPPED);
    assertThat(sent).hasSize(4);

    final String c = EngineSemanticsTest.counters(e);
    assertThat(c).contains("[3:152] -A FORWARD -i eth0 -p tcp -m tcp --dport 80");
    assertThat(c).contains("[0:0] -A FORWARD -m conntrack --ctstate INVALID -j DROP");
  }
}
