package io.nfeval.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nfeval.InputException;
import io.nfeval.host.HostModel;
import io.nfeval.host.NetInterface;
import io.nfeval.ipset.IpsetRegistry;
import io.nfeval.packet.PacketView;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.RulesetParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RulesetSwap}: a new ruleset installed between two packets keeps the conntrack table (an
 * established flow stays ESTABLISHED), the counters and match state of unchanged rules, and takes
 * effect at an exact packet index; where state does not matter, the swapped engine evaluates later
 * packets exactly as a fresh engine with the new ruleset does.
 */
class EngineRulesetSwapTest {
  @TempDir Path dir;

  private static final int SYN = 0x02;
  private static final int ACK = 0x10;
  private static final int PSH_ACK = 0x18;

  static final String OLD = String.join("\n",
      "*filter",
      ":INPUT DROP [0:0]",
      ":FORWARD ACCEPT [0:0]",
      ":OUTPUT ACCEPT [0:0]",
      "-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT",
      "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT",
      "-A INPUT -p udp -m udp --dport 53",
      "-A INPUT -p udp -m udp --dport 53",
      "-A INPUT -p udp -j ACCEPT",
      "COMMIT", "");

  /** ESTABLISHED moved down, ssh removed, icmp and http new, one duplicate of two kept. */
  static final String NEW = String.join("\n",
      "*filter",
      ":INPUT DROP [0:0]",
      ":FORWARD ACCEPT [0:0]",
      ":OUTPUT ACCEPT [0:0]",
      "-A INPUT -p icmp -j ACCEPT",
      "-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT",
      "-A INPUT -p udp -m udp --dport 53",
      "-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT",
      "-A INPUT -p udp -j ACCEPT",
      "COMMIT", "");

  private HostModel host(String extraAddress) throws Exception {
    final Path h = dir.resolve("host" + (extraAddress == null ? "" : "2") + ".json");
    Files.writeString(h, EngineSemanticsTest.HOST.replace("\"192.0.2.1/24\"",
        "\"192.0.2.1/24\"" + (extraAddress == null ? "" : ",\"" + extraAddress + "\"")));
    return HostModel.fromDescription(h);
  }

  private static Ruleset rules(String text) {
    return RulesetParser.parse(text, "test.rules", ParseOptions.DEFAULT);
  }

  private Engine engine(String rules) throws Exception {
    return new Engine(rules(rules), host(null), new IpsetRegistry(List.of()), new Engine.Options());
  }

  private static long packets(Engine e, String chain, int rule) {
    final CompiledTable t = e.tables().get(0);
    return e.counters(t).packets(rule == 0 ? t.endOf(chain) : t.entryOf(chain, rule));
  }

  private static long bytes(Engine e, String chain, int rule) {
    final CompiledTable t = e.tables().get(0);
    return e.counters(t).bytes(rule == 0 ? t.endOf(chain) : t.entryOf(chain, rule));
  }

  /** A client's ssh connection to the host, handshake complete: ESTABLISHED from the third packet. */
  private static void handshake(Engine e, NetInterface eth0, long[] i) {
    assertThat(e.arrive(Packets.tcp("198.51.100.9", 40000, "192.0.2.1", 22, SYN, 1000, 0, 0), eth0,
        ts(i[0]), i[0]++)).isEqualTo(Disposition.DELIVERED);
    assertThat(e.output(Packets.tcp("192.0.2.1", 22, "198.51.100.9", 40000, SYN | ACK, 5000, 1001, 0),
        eth0, -1, -1, ts(i[0]), i[0]++)).isEqualTo(Disposition.SENT);
    assertThat(e.arrive(Packets.tcp("198.51.100.9", 40000, "192.0.2.1", 22, ACK, 1001, 5001, 0), eth0,
        ts(i[0]), i[0]++)).isEqualTo(Disposition.DELIVERED);
  }

  private static long ts(long i) {
    return 1_000_000_000L + i * 1_000_000L;
  }

  @Test
  void unchangedRulesKeepCountersAndTheEstablishedFlowStaysEstablished() throws Exception {
    final Engine e = engine(OLD);
    final NetInterface eth0 = e.host().byName("eth0");
    final long[] i = {0};
    handshake(e, eth0, i);
    for (int k = 0; k < 3; k++) {
      e.arrive(Packets.udp("198.51.100.9", 5000 + k, "192.0.2.1", 53, 10), eth0, ts(i[0]), i[0]++);
    }
    e.arrive(Packets.icmpEcho("198.51.100.9", "192.0.2.1", 8, 1, 1), eth0, ts(i[0]), i[0]++); // policy
    assertThat(packets(e, "INPUT", 1)).isEqualTo(1); // the handshake's ACK
    assertThat(packets(e, "INPUT", 2)).isEqualTo(1);
    assertThat(packets(e, "INPUT", 3)).isEqualTo(3);
    assertThat(packets(e, "INPUT", 4)).isEqualTo(3);
    assertThat(packets(e, "INPUT", 0)).isEqualTo(1);
    final long estBytes = bytes(e, "INPUT", 1);

    final AtomicLong appliedAt = new AtomicLong(-1);
    final RulesetSwap s = RulesetSwap.prepare(e, rules(NEW), null, null,
        (swap, index) -> appliedAt.set(index));
    assertThat(s.rules()).isEqualTo(5);
    assertThat(s.kept()).isEqualTo(3); // ESTABLISHED, the first dport 53, udp ACCEPT
    assertThat(s.added()).isEqualTo(2); // icmp, http
    assertThat(s.removed()).isEqualTo(2); // ssh, the second dport 53
    e.offer(s);
    // Nothing changes before the next packet.
    assertThat(packets(e, "INPUT", 2)).isEqualTo(1);
    assertThat(s.appliedAt()).isEqualTo(-1);

    final long swapIndex = i[0];
    // The established flow's data: ESTABLISHED still (a fresh engine would see a mid-stream pickup, NEW).
    assertThat(e.arrive(Packets.tcp("198.51.100.9", 40000, "192.0.2.1", 22, PSH_ACK, 1001, 5001, 10),
        eth0, ts(i[0]), i[0]++)).isEqualTo(Disposition.DELIVERED);
    assertThat(appliedAt.get()).isEqualTo(swapIndex);
    assertThat(s.appliedAt()).isEqualTo(swapIndex);
    assertThat(packets(e, "INPUT", 2)).as("ESTABLISHED kept its counter and counted on").isEqualTo(2);
    assertThat(bytes(e, "INPUT", 2)).isEqualTo(estBytes + 50);
    assertThat(packets(e, "INPUT", 1)).as("new icmp rule").isZero();
    assertThat(packets(e, "INPUT", 3)).as("first dport 53 paired with the old first").isEqualTo(3);
    assertThat(packets(e, "INPUT", 4)).as("new http rule").isZero();
    assertThat(packets(e, "INPUT", 5)).as("udp ACCEPT kept").isEqualTo(3);
    assertThat(packets(e, "INPUT", 0)).as("policy kept").isEqualTo(1);

    // A new ssh connection: its rule is gone, the policy drops it.
    assertThat(e.arrive(Packets.tcp("198.51.100.10", 40001, "192.0.2.1", 22, SYN, 1, 0, 0), eth0,
        ts(i[0]), i[0]++)).isEqualTo(Disposition.DROPPED);
    assertThat(packets(e, "INPUT", 0)).isEqualTo(2);

    final Engine fresh = engine(NEW);
    assertThat(fresh.arrive(Packets.tcp("198.51.100.9", 40000, "192.0.2.1", 22, PSH_ACK, 1001, 5001, 10),
        fresh.host().byName("eth0"), ts(swapIndex), 0))
        .as("control: without the kept conntrack entry the data packet is NEW").isEqualTo(Disposition.DROPPED);
  }

  @Test
  void laterStatelessPacketsAreEvaluatedAsByAFreshEngine() throws Exception {
    final Engine e = engine(OLD);
    final NetInterface eth0 = e.host().byName("eth0");
    final long[] i = {0};
    handshake(e, eth0, i);
    // Counters the new rules inherit: the policy, and ESTABLISHED (old rule 1 → new rule 2).
    final long[] before = new long[6];
    before[0] = packets(e, "INPUT", 0);
    before[2] = packets(e, "INPUT", 1);
    e.offer(RulesetSwap.prepare(e, rules(NEW), null, null, null));
    final Engine fresh = engine(NEW);
    final NetInterface freshEth0 = fresh.host().byName("eth0");
    final List<PacketView> later = new ArrayList<>();
    for (int k = 0; k < 40; k++) {
      final String src = "203.0.113." + (k + 1);
      switch (k % 4) {
        case 0 -> later.add(Packets.udp(src, 1000 + k, "192.0.2.1", 53, k));
        case 1 -> later.add(Packets.icmpEcho(src, "192.0.2.1", 8, k, 1));
        case 2 -> later.add(Packets.tcp(src, 1000 + k, "192.0.2.1", 80, SYN, k, 0, 0));
        default -> later.add(Packets.tcp(src, 1000 + k, "192.0.2.1", 22, SYN, k, 0, 0));
      }
    }
    for (int k = 0; k < later.size(); k++) {
      final Disposition a = e.arrive(later.get(k), eth0, ts(i[0]), i[0]++);
      final Disposition b = fresh.arrive(later.get(k), freshEth0, ts(i[0]), k);
      assertThat(a).as("packet %d", k).isEqualTo(b);
    }
    for (int r = 0; r <= 5; r++) {
      assertThat(packets(e, "INPUT", r)).as("INPUT rule %d", r)
          .isEqualTo(before[r] + packets(fresh, "INPUT", r));
    }
  }

  @Test
  void matchStateOfUnchangedRulesIsKept() throws Exception {
    final String limit = String.join("\n",
        "*filter",
        ":INPUT DROP [0:0]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "-A INPUT -p udp -m limit --limit 1/hour --limit-burst 2 -j ACCEPT",
        "COMMIT", "");
    final Engine e = engine(limit);
    final NetInterface eth0 = e.host().byName("eth0");
    for (int k = 0; k < 3; k++) {
      e.arrive(Packets.udp("198.51.100.9", 5000 + k, "192.0.2.1", 53, 10), eth0, ts(k), k);
    }
    assertThat(packets(e, "INPUT", 1)).isEqualTo(2); // the burst is spent
    e.offer(RulesetSwap.prepare(e, rules(limit.replace("COMMIT",
        "-A INPUT -p tcp -j ACCEPT\nCOMMIT")), null, null, null));
    assertThat(e.arrive(Packets.udp("198.51.100.9", 6000, "192.0.2.1", 53, 10), eth0, ts(3), 3))
        .as("the unchanged limit rule's bucket is still empty").isEqualTo(Disposition.DROPPED);
    assertThat(packets(e, "INPUT", 1)).isEqualTo(2);
    // Changing the rule's text makes it a new rule with a full bucket.
    e.offer(RulesetSwap.prepare(e, rules(limit.replace("burst 2", "burst 3")), null, null, null));
    assertThat(e.arrive(Packets.udp("198.51.100.9", 6001, "192.0.2.1", 53, 10), eth0, ts(4), 4))
        .isEqualTo(Disposition.DELIVERED);
    assertThat(packets(e, "INPUT", 1)).isEqualTo(1);
  }

  @Test
  void aNewHostModelTakesEffectAndTheDevicesAreResolvedAgain() throws Exception {
    final Engine e = engine(OLD);
    final NetInterface eth0 = e.host().byName("eth0");
    assertThat(e.arrive(Packets.udp("198.51.100.9", 5000, "192.0.2.7", 53, 10), eth0, ts(0), 0))
        .as("not the host's address yet: routed back out").isNotEqualTo(Disposition.DELIVERED);
    final RulesetSwap s = RulesetSwap.prepare(e, rules(OLD), host("192.0.2.7/24"), null, null);
    assertThat(s.kept()).isEqualTo(s.rules());
    assertThat(s.replacesHost()).isTrue();
    e.offer(s);
    // The caller still holds the old model's eth0: the engine looks it up in the new one.
    assertThat(e.arrive(Packets.udp("198.51.100.9", 5001, "192.0.2.7", 53, 10), eth0, ts(1), 1))
        .isEqualTo(Disposition.DELIVERED);
    assertThat(e.host().byName("eth0")).isNotSameAs(eth0);
  }

  @Test
  void newIpsetsReplaceTheOldOnesOnlyWhenTheSwapBringsThem() throws Exception {
    final String rules = String.join("\n", "*filter", ":INPUT DROP [0:0]", ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]", "-A INPUT -m set --match-set allowed src -j ACCEPT", "COMMIT", "");
    final Engine e = new Engine(rules(rules), host(null),
        io.nfeval.ipset.IpsetParser.parse("create allowed hash:ip\n", "ipset.save"),
        new Engine.Options());
    final NetInterface eth0 = e.host().byName("eth0");
    assertThat(e.arrive(Packets.udp("198.51.100.9", 5000, "192.0.2.1", 53, 10), eth0, ts(0), 0))
        .isEqualTo(Disposition.DROPPED);
    e.offer(RulesetSwap.prepare(e, rules(rules), null, io.nfeval.ipset.IpsetParser.parse(
        "create allowed hash:ip\nadd allowed 198.51.100.9\n", "ipset.save"), null));
    assertThat(e.arrive(Packets.udp("198.51.100.9", 5001, "192.0.2.1", 53, 10), eth0, ts(1), 1))
        .isEqualTo(Disposition.DELIVERED);
    e.offer(RulesetSwap.prepare(e, rules(rules), null, null, null)); // ruleset only: the sets stay
    assertThat(e.arrive(Packets.udp("198.51.100.9", 5002, "192.0.2.1", 53, 10), eth0, ts(2), 2))
        .isEqualTo(Disposition.DELIVERED);
    assertThat(packets(e, "INPUT", 1)).isEqualTo(2);
    assertThat(packets(e, "INPUT", 0)).isEqualTo(1);
  }

  @Test
  void installPendingAppliesAtACheckpointAndALaterOfferReplacesAnEarlierOne() throws Exception {
    final Engine e = engine(OLD);
    assertThat(e.installPending(0)).isNull();
    final RulesetSwap first = RulesetSwap.prepare(e, rules(NEW), null, null, null);
    final RulesetSwap second = RulesetSwap.prepare(e, rules(OLD), null, null, null);
    e.offer(first);
    e.offer(second);
    assertThat(e.installPending(7)).isSameAs(second);
    assertThat(first.appliedAt()).isEqualTo(-1);
    assertThat(second.appliedAt()).isEqualTo(7);
    assertThat(e.installPending(7)).isNull();
    // A swap prepared before another took effect is paired again with the tables it replaces.
    final RulesetSwap stale = RulesetSwap.prepare(e, rules(NEW), null, null, null);
    e.offer(RulesetSwap.prepare(e, rules(NEW), null, null, null));
    e.installPending(8);
    e.offer(stale);
    e.installPending(9);
    assertThat(stale.kept()).isEqualTo(5);
    assertThat(stale.removed()).isZero();
  }

  @Test
  void aRulesetThatDoesNotCompileIsRefusedAndTheOldOneStays() throws Exception {
    final Engine e = engine(OLD);
    // Parses (the parser does not follow jumps), but a loop in the chain graph cannot be compiled.
    final Ruleset broken = rules(String.join("\n", "*filter", ":INPUT ACCEPT [0:0]", ":A - [0:0]",
        ":B - [0:0]", "-A INPUT -j A", "-A A -j B", "-A B -j A", "COMMIT", ""));
    assertThatThrownBy(() -> RulesetSwap.prepare(e, broken, null, null, null))
        .isInstanceOf(InputException.class).hasMessageContaining("loop");
    final NetInterface eth0 = e.host().byName("eth0");
    assertThat(e.arrive(Packets.tcp("198.51.100.10", 40001, "192.0.2.1", 22, SYN, 1, 0, 0), eth0,
        ts(0), 0)).isEqualTo(Disposition.DELIVERED);
  }
}
