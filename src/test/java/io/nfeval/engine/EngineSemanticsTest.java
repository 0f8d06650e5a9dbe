package io.nfeval.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.host.HostModel;
import io.nfeval.ipset.IpsetRegistry;
import io.nfeval.packet.PacketView;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.RulesetParser;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference evaluator's traversal semantics, mirrored from ipt_do_table: jumps, gotos, RETURN,
 * policies as the "underflow", counters in bytes of the datagram, nat only for a connection's first
 * packet, defragmentation before conntrack.
 */
class EngineSemanticsTest {
  @TempDir Path dir;

  static final String HOST = "{\"interfaces\":["
      + "{\"name\":\"lo\",\"flags\":[\"LOOPBACK\",\"UP\",\"LOWER_UP\"],\"addresses\":[\"127.0.0.1/8\"]},"
      + "{\"name\":\"eth0\",\"addresses\":[\"192.0.2.1/24\"]},"
      + "{\"name\":\"eth1\",\"addresses\":[\"10.0.0.1/24\"]}],"
      + "\"routes\":[{\"dst\":\"default\",\"gateway\":\"192.0.2.254\",\"dev\":\"eth0\"}],"
      + "\"sysctl\":{\"net.ipv4.ip_forward\":1}}";

  Engine engine(String rules) throws Exception {
    return engine(rules, HostModel.HZ_UNKNOWN);
  }

  /** An engine on a host whose CONFIG_HZ is {@code hz}. */
  Engine engine(String rules, int hz) throws Exception {
    Path h = dir.resolve("host.json");
    Files.writeString(h, hz == HostModel.HZ_UNKNOWN ? HOST
        : HOST.substring(0, HOST.length() - 1) + ",\"configHz\":" + hz + "}");
    HostModel host = HostModel.fromDescription(h);
    Ruleset rs = RulesetParser.parse(rules, "test.rules", ParseOptions.DEFAULT);
    return new Engine(rs, host, new IpsetRegistry(List.of()), new Engine.Options());
  }

  static String counters(Engine e) throws Exception {
    StringWriter w = new StringWriter();
    CountersWriter.write(e, w, null);
    return w.toString();
  }

  @Test
  void jumpGotoReturnAndPolicyUnderflow() throws Exception {
    Engine e = engine(String.join("\n",
        "*filter",
        ":INPUT DROP [0:0]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        ":A - [0:0]",
        ":B - [0:0]",
        ":C - [0:0]",
        "-A INPUT -s 198.51.100.1/32 -j A",
        "-A INPUT -s 198.51.100.2/32 -g B",
        "-A INPUT -s 198.51.100.3/32 -j RETURN",
        "-A INPUT -j ACCEPT",
        "-A A -p udp -j RETURN",
        "-A A -j C",
        "-A C -p tcp -j DROP",
        "-A B -p tcp -j ACCEPT",
        "COMMIT", ""));
    var eth0 = e.host().byName("eth0");
    // 1: udp via A → RETURN → INPUT rule 2,3 skip → rule 4 ACCEPT
    assertThat(e.arrive(Packets.udp("198.51.100.1", 1000, "192.0.2.1", 53, 10), eth0, 1, 0))
        .isEqualTo(Disposition.DELIVERED);
    // 2: tcp via A → C → DROP
    assertThat(e.arrive(Packets.tcp("198.51.100.1", 1000, "192.0.2.1", 22, 2, 1, 0, 0), eth0, 2, 1))
        .isEqualTo(Disposition.DROPPED);
    // 3: icmp via A → C (no match) → back to A → back to INPUT → ACCEPT
    assertThat(e.arrive(Packets.icmpEcho("198.51.100.1", "192.0.2.1", 8, 1, 1), eth0, 3, 2))
        .isEqualTo(Disposition.DELIVERED);
    // 4: udp goto B, B falls off → no return address: INPUT's policy (DROP), counted as policy
    assertThat(e.arrive(Packets.udp("198.51.100.2", 1000, "192.0.2.1", 53, 10), eth0, 4, 3))
        .isEqualTo(Disposition.DROPPED);
    // 5: RETURN in a built-in chain: the policy decides and counts
    assertThat(e.arrive(Packets.udp("198.51.100.3", 1000, "192.0.2.1", 53, 10), eth0, 5, 4))
        .isEqualTo(Disposition.DROPPED);
    String c = counters(e);
    assertThat(c).contains(":INPUT DROP [2:76]");
    assertThat(c).contains("[3:162] -A INPUT -s 198.51.100.1/32 -j A");
    assertThat(c).contains("[1:38] -A INPUT -s 198.51.100.2/32 -g B");
    assertThat(c).contains("[1:38] -A INPUT -s 198.51.100.3/32 -j RETURN");
    assertThat(c).contains("[2:122] -A INPUT -j ACCEPT");
    assertThat(c).contains("[1:38] -A A -p udp -j RETURN");
    assertThat(c).contains("[2:124] -A A -j C");
    assertThat(c).contains("[1:40] -A C -p tcp -j DROP");
    assertThat(c).contains("[0:0] -A B -p tcp -j ACCEPT");
  }

  @Test
  void natChainsSeeOnlyTheFirstPacketAndRepliesAreTranslatedBack() throws Exception {
    Engine e = engine(String.join("\n",
        "*nat",
        ":PREROUTING ACCEPT [0:0]",
        ":INPUT ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]",
        "-A PREROUTING -d 192.0.2.1/32 -p tcp -j DNAT --to-destination 10.0.0.2:8080",
        "COMMIT",
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD DROP [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "-A FORWARD -d 10.0.0.2/32 -p tcp -j ACCEPT",
        "-A FORWARD -s 10.0.0.2/32 -p tcp -j ACCEPT",
        "COMMIT", ""));
    var eth0 = e.host().byName("eth0");
    var eth1 = e.host().byName("eth1");
    assertThat(e.arrive(Packets.tcp("198.51.100.7", 40000, "192.0.2.1", 80, 0x02, 100, 0, 0), eth0,
        1_000, 0)).isEqualTo(Disposition.FORWARDED);
    assertThat(e.arrive(Packets.tcp("10.0.0.2", 8080, "198.51.100.7", 40000, 0x12, 500, 101, 0),
        eth1, 2_000, 1)).isEqualTo(Disposition.FORWARDED);
    assertThat(e.arrive(Packets.tcp("198.51.100.7", 40000, "192.0.2.1", 80, 0x10, 101, 501, 0), eth0,
        3_000, 2)).isEqualTo(Disposition.FORWARDED);
    String c = counters(e);
    assertThat(c).contains("[1:40] -A PREROUTING -d 192.0.2.1/32 -p tcp -j DNAT --to-destination 10.0.0.2:8080");
    assertThat(c).contains(":POSTROUTING ACCEPT [1:40]");
    assertThat(c).contains("[2:80] -A FORWARD -d 10.0.0.2/32 -p tcp -j ACCEPT");
    assertThat(c).contains("[1:40] -A FORWARD -s 10.0.0.2/32 -p tcp -j ACCEPT");
  }

  @Test
  void fragmentsAreReassembledBeforeRawWhenConntrackRuns() throws Exception {
    Engine e = engine(String.join("\n",
        "*raw",
        ":PREROUTING ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "COMMIT",
        "*nat",
        ":PREROUTING ACCEPT [0:0]",
        ":INPUT ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]",
        "-A PREROUTING -d 203.0.113.99/32 -p tcp -j DNAT --to-destination 10.0.0.9",
        "COMMIT",
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "-A INPUT -f -j ACCEPT",
        "-A INPUT -p udp -j ACCEPT",
        "COMMIT", ""));
    byte[] whole = new byte[8 + 2000];
    java.nio.ByteBuffer.wrap(whole).putShort(0, (short) 5000).putShort(2, (short) 53)
        .putShort(4, (short) whole.length);
    var eth0 = e.host().byName("eth0");
    assertThat(e.arrive(Packets.fragment("198.51.100.9", "192.0.2.1", 77, 0, true, whole), eth0, 1, 0))
        .isEqualTo(Disposition.FRAGMENT_HELD);
    assertThat(e.arrive(Packets.fragment("198.51.100.9", "192.0.2.1", 77, 1480, false, whole), eth0, 2,
        1)).isEqualTo(Disposition.DELIVERED);
    String c = counters(e);
    assertThat(c).contains(":PREROUTING ACCEPT [1:2028]");
    assertThat(c).contains("[0:0] -A INPUT -f -j ACCEPT");
    assertThat(c).contains("[1:2028] -A INPUT -p udp -j ACCEPT");
  }

  @Test
  void rejectAnswersGoThroughOutputAsRelatedWithTheIcmpRateLimit() throws Exception {
    Engine e = engine(String.join("\n",
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "-A INPUT -p tcp -m tcp --dport 23 -j REJECT --reject-with tcp-reset",
        "-A INPUT -p udp -m udp --dport 9 -j REJECT --reject-with icmp-port-unreachable",
        "-A OUTPUT -p tcp -m conntrack --ctstate RELATED -m tcp --tcp-flags RST RST",
        "-A OUTPUT -p icmp -m conntrack --ctstate RELATED -m icmp --icmp-type 3/3",
        "COMMIT", ""));
    var eth0 = e.host().byName("eth0");
    assertThat(e.arrive(Packets.tcp("198.51.100.7", 40000, "192.0.2.1", 23, 0x02, 100, 0, 0), eth0,
        1_000, 0)).isEqualTo(Disposition.REJECTED);
    // Eight rejected datagrams within one second: the per-destination ICMP limit lets six through.
    for (int i = 0; i < 8; i++) {
      assertThat(e.arrive(Packets.udp("198.51.100.7", 41000 + i, "192.0.2.1", 9, 4), eth0,
          2_000_000 + i * 1_000_000L, 1 + i)).isEqualTo(Disposition.REJECTED);
    }
    String c = counters(e);
    assertThat(c).contains("[1:40] -A INPUT -p tcp -m tcp --dport 23 -j REJECT --reject-with tcp-reset");
    assertThat(c).contains("[8:256] -A INPUT -p udp -m udp --dport 9 -j REJECT");
    assertThat(c).contains("[1:40] -A OUTPUT -p tcp -m conntrack --ctstate RELATED -m tcp --tcp-flags RST RST");
    assertThat(c).contains("[6:360] -A OUTPUT -p icmp -m conntrack --ctstate RELATED -m icmp --icmp-type 3/3");
    assertThat(c).contains(":OUTPUT ACCEPT [7:400]");
  }
  /**
   * nf_send_reset calls nf_ct_set_closing: a reset sent for a packet of a confirmed connection moves it
   * to CLOSE with the 10 s CLOSE timeout, so the flow's next packet 11 s later is a new connection that
   * the nat table sees. Here the engine builds the reset itself (a capture of arrivals only).
   */
  @Test
  void aResetClosesTheRejectedPacketsConnection() throws Exception {
    Engine e = engine(String.join("\n",
        "*nat",
        ":PREROUTING ACCEPT [0:0]",
        ":INPUT ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]",
        "-A PREROUTING -p tcp",
        "COMMIT",
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "-A INPUT -p tcp -m length --length 100 -j REJECT --reject-with tcp-reset",
        "-A OUTPUT -p tcp -m tcp --tcp-flags RST RST -m conntrack --ctexpire 0:10",
        "COMMIT", ""));
    var eth0 = e.host().byName("eth0");
    final long s = 1_000_000_000L;
    // picked up mid-stream (nf_conntrack_tcp_loose), confirmed at INPUT: UNACK timeout, 300 s
    assertThat(e.arrive(Packets.tcp("198.51.100.7", 40000, "192.0.2.1", 80, 0x18, 100, 1, 20), eth0,
        s, 0)).isEqualTo(Disposition.DELIVERED);
    assertThat(e.arrive(Packets.tcp("198.51.100.7", 40000, "192.0.2.1", 80, 0x18, 120, 1, 60), eth0,
        2 * s, 1)).isEqualTo(Disposition.REJECTED);
    assertThat(e.arrive(Packets.tcp("198.51.100.7", 40000, "192.0.2.1", 80, 0x18, 120, 1, 20), eth0,
        13 * s, 2)).isEqualTo(Disposition.DELIVERED);
    // a first packet rejected: its entry is unconfirmed and stays as it is (here: freed)
    assertThat(e.arrive(Packets.tcp("198.51.100.7", 40001, "192.0.2.1", 80, 0x18, 100, 1, 60), eth0,
        14 * s, 3)).isEqualTo(Disposition.REJECTED);
    String c = counters(e);
    // the third packet starts a new connection: the entry closed 11 s before has expired
    assertThat(c).contains("[3:220] -A PREROUTING -p tcp");
    assertThat(c).contains("[2:80] -A OUTPUT -p tcp -m tcp --tcp-flags RST RST -m conntrack --ctexpire 0:10");
  }
  /**
   * {@code --ctexpire} is {@code nf_ct_expires(ct) / HZ}: whole ticks left, divided by HZ. A RELATED
   * ICMP error does not refresh its master, so it sees the master's timeout run down: 30 s set at the
   * tick of 10.000 s (jiffy 2500, expiry jiffy 10000), the error 1.00399 s later at jiffy 2750 sees
   * 7250 ticks = 29 s left (in nanoseconds it would be 28.996 s, 28). At HZ=1000 the error's tick is
   * 11003: 28.997 s, 28.
   */
  @Test
  void ctexpireCountsWholeTicks() throws Exception {
    final String rules = String.join("\n",
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "-A INPUT -p icmp -m conntrack --ctstate RELATED --ctexpire 29",
        "-A INPUT -p icmp -m conntrack --ctstate RELATED --ctexpire 28",
        "COMMIT", "");
    for (int hz : new int[] {250, 1000}) {
      Engine e = engine(rules, hz);
      var eth0 = e.host().byName("eth0");
      final PacketView out = Packets.udp("192.0.2.1", 5000, "198.51.100.7", 53, 10);
      assertThat(e.output(out, null, -1, -1, 10_000_000_000L, 0)).isEqualTo(Disposition.SENT);
      final PacketView err = Packets.icmpError("198.51.100.7", "192.0.2.1", 3, 3,
          Packets.udp("192.0.2.1", 5000, "198.51.100.7", 53, 10));
      assertThat(e.arrive(err, eth0, 11_003_990_000L, 1)).isEqualTo(Disposition.DELIVERED);
      final String c = counters(e);
      assertThat(c).as("HZ=%d", hz).contains((hz == 250 ? "[1:56]" : "[0:0]")
          + " -A INPUT -p icmp -m conntrack --ctstate RELATED --ctexpire 29");
      assertThat(c).as("HZ=%d", hz).contains((hz == 250 ? "[0:0]" : "[1:56]")
          + " -A INPUT -p icmp -m conntrack --ctstate RELATED --ctexpire 28");
    }
  }

  /**
   * Conntrack counts in jiffies: an entry made in tick J with a 30 s timeout expires when tick J + 30 * HZ
   * begins, not 30 s after the packet. At HZ=250 a packet at 10.0039 s is in tick 2500, which began at
   * 10.000 s, so its entry is gone at 40.000 s: a packet of the same flow at 40.001 s (29.9971 s later)
   * starts a new entry; one at 39.9999 s (tick 9999) still finds the old one.
   */
  @Test
  void conntrackEntriesExpireInTheTickOfTheirTimeout() throws Exception {
    Engine e = engine(String.join("\n",
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "-A OUTPUT -p udp --sport 5001 -m conntrack --ctstatus CONFIRMED",
        "-A OUTPUT -p udp --sport 5002 -m conntrack --ctstatus CONFIRMED",
        "COMMIT", ""), 250);
    final long t0 = 10_003_900_000L;
    e.output(Packets.udp("192.0.2.1", 5001, "198.51.100.7", 53, 10), null, -1, -1, t0, 0);
    e.output(Packets.udp("192.0.2.1", 5002, "198.51.100.7", 53, 10), null, -1, -1, t0, 1);
    e.output(Packets.udp("192.0.2.1", 5001, "198.51.100.7", 53, 10), null, -1, -1, 40_001_000_000L, 2);
    e.output(Packets.udp("192.0.2.1", 5002, "198.51.100.7", 53, 10), null, -1, -1, 39_999_900_000L, 3);
    final String c = counters(e);
    assertThat(c).contains("[0:0] -A OUTPUT -p udp -m udp --sport 5001 -m conntrack --ctstatus CONFIRMED");
    assertThat(c).contains("[1:38] -A OUTPUT -p udp -m udp --sport 5002 -m conntrack --ctstatus CONFIRMED");
  }

  /**
   * icmpv4_xrlim_allow keeps its per-peer bucket in jiffies: a refill comes whole ticks at a time. Six
   * rejections at 10.0039 s (jiffy 2500) empty the bucket (6 x 250 jiffies, icmp_ratelimit 1000 ms);
   * at 11.0001 s (jiffy 2750) 250 jiffies have passed and a seventh error goes, though only 0.9962 s
   * of packet time has.
   */
  @Test
  void icmpRateLimitRefillsWholeTicks() throws Exception {
    Engine e = engine(String.join("\n",
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "-A INPUT -p udp -j REJECT",
        "-A OUTPUT -p icmp",
        "COMMIT", ""));
    var eth0 = e.host().byName("eth0");
    for (int i = 0; i < 7; i++) {
      e.arrive(Packets.udp("198.51.100.7", 4000 + i, "192.0.2.1", 53, 10), eth0, 10_003_900_000L, i);
    }
    assertThat(counters(e)).contains("[6:396] -A OUTPUT -p icmp");
    e.arrive(Packets.udp("198.51.100.7", 4100, "192.0.2.1", 53, 10), eth0, 11_000_100_000L, 7);
    assertThat(counters(e)).contains("[7:462] -A OUTPUT -p icmp");
  }

  /**
   * nf_send_reset sends nothing for a packet whose route is broadcast or multicast (RTCF_BROADCAST,
   * RTCF_MULTICAST): a TCP segment to the subnet's broadcast address is rejected without a reset.
   */
  @Test
  void noResetForABroadcastPacket() throws Exception {
    Engine e = engine(String.join("\n",
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "-A INPUT -p tcp -j REJECT --reject-with tcp-reset",
        "COMMIT", ""));
    var eth0 = e.host().byName("eth0");
    assertThat(e.arrive(Packets.tcp("192.0.2.7", 40000, "192.0.2.255", 80, 0x02, 100, 0, 0), eth0,
        1_000, 0)).isEqualTo(Disposition.REJECTED);
    assertThat(e.arrive(Packets.tcp("192.0.2.7", 40001, "192.0.2.1", 80, 0x02, 100, 0, 0), eth0,
        2_000, 1)).isEqualTo(Disposition.REJECTED);
    String c = counters(e);
    assertThat(c).contains("[2:80] -A INPUT -p tcp -j REJECT --reject-with tcp-reset");
    assertThat(c).contains(":OUTPUT ACCEPT [1:40]"); // the unicast one's reset only
  }
}
