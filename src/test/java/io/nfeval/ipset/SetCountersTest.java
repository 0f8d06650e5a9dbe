package io.nfeval.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.rules.ext.Num;
import org.junit.jupiter.api.Test;

/**
 * Per-element counters of sets created with {@code counters}, as ip_set_match_extensions keeps them: a
 * test counts the packet on the element found (unless {@code ! --update-counters}) and then checks the
 * match's {@code --packets-*}/{@code --bytes-*} conditions; the SET target's add starts an element at
 * one packet of the adding packet's length (the kernel's ipset scenario ends with {@code packets 4 bytes
 * 264} for a source added by a 60-byte SYN and seen three times after, which only this gives); restored
 * elements start from the counters {@code ipset save} printed; sets without counters ignore conditions.
 */
class SetCountersTest {
  private static final String SAVE = """
      create counted hash:ip family inet hashsize 64 maxelem 1024 counters
      add counted 10.0.0.1 packets 5 bytes 420
      create plain hash:ip family inet hashsize 64 maxelem 1024
      add plain 10.0.0.1
      create nets hash:net family inet counters
      add nets 10.0.0.0/8
      add nets 10.1.0.0/16 nomatch
      """;

  private static SetKey key(String addr) {
    final SetKey k = new SetKey();
    k.addr = Num.ipv4(addr);
    return k;
  }

  private static int test(IpSet s, String addr, long len, boolean update, int pOp, long p, int bOp, long b) {
    return s.lookup(key(addr), 0, len, update, true, pOp, p, bOp, b);
  }

  @Test
  void countsThenCompares() {
    final IpsetRegistry r = IpsetParser.parse(SAVE, "t").start(0);
    final IpSet counted = r.get("counted");
    // restored at 5 packets: the sixth makes --packets-gt 5 true
    assertThat(test(counted, "10.0.0.1", 100, true, IpSet.COUNTER_GT, 5, IpSet.COUNTER_NONE, 0))
        .isEqualTo(IpSet.MEMBER);
    assertThat(test(counted, "10.0.0.1", 100, true, IpSet.COUNTER_EQ, 7, IpSet.COUNTER_NONE, 0))
        .isEqualTo(IpSet.MEMBER);
    // ! --update-counters: compared, not counted (7 packets, 620 bytes)
    assertThat(test(counted, "10.0.0.1", 100, false, IpSet.COUNTER_EQ, 7, IpSet.COUNTER_EQ, 620))
        .isEqualTo(IpSet.MEMBER);
    assertThat(test(counted, "10.0.0.1", 100, false, IpSet.COUNTER_LT, 7, IpSet.COUNTER_NONE, 0))
        .isEqualTo(IpSet.ABSENT);
    assertThat(test(counted, "10.0.0.1", 100, false, IpSet.COUNTER_NONE, 0, IpSet.COUNTER_GT, 620))
        .isEqualTo(IpSet.ABSENT);
    assertThat(test(counted, "10.0.0.1", 100, false, IpSet.COUNTER_NE, 8, IpSet.COUNTER_NONE, 0))
        .isEqualTo(IpSet.MEMBER);
    assertThat(test(counted, "10.0.0.9", 100, true, IpSet.COUNTER_NONE, 0, IpSet.COUNTER_NONE, 0))
        .isEqualTo(IpSet.ABSENT);
  }

  @Test
  void theSetTargetStartsAnElementAtOnePacket() {
    final IpsetRegistry r = IpsetParser.parse(SAVE, "t").start(0);
    final IpSet counted = r.get("counted");
    counted.add(key("10.0.0.2"), -1, false, 0, 60);
    for (long len : new long[] {60, 60, 84}) {
      test(counted, "10.0.0.2", len, true, IpSet.COUNTER_NONE, 0, IpSet.COUNTER_NONE, 0);
    }
    assertThat(test(counted, "10.0.0.2", 0, false, IpSet.COUNTER_EQ, 4, IpSet.COUNTER_EQ, 264))
        .isEqualTo(IpSet.MEMBER);
    // an add with --exist overwrites the element's extensions: counted afresh
    counted.add(key("10.0.0.2"), -1, true, 0, 40);
    assertThat(test(counted, "10.0.0.2", 0, false, IpSet.COUNTER_EQ, 1, IpSet.COUNTER_EQ, 40))
        .isEqualTo(IpSet.MEMBER);
  }

  @Test
  void conditionsOnASetWithoutCountersAreIgnoredAndNomatchEntriesCount() {
    final IpsetRegistry r = IpsetParser.parse(SAVE, "t").start(0);
    assertThat(test(r.get("plain"), "10.0.0.1", 100, true, IpSet.COUNTER_GT, 1000, IpSet.COUNTER_NONE, 0))
        .isEqualTo(IpSet.MEMBER);
    final IpSet nets = r.get("nets");
    assertThat(test(nets, "10.1.2.3", 50, true, IpSet.COUNTER_NONE, 0, IpSet.COUNTER_NONE, 0))
        .isEqualTo(IpSet.NOMATCH);
    // the nomatch /16 was counted once; failing its condition falls through to the /8
    assertThat(test(nets, "10.1.2.3", 50, false, IpSet.COUNTER_EQ, 2, IpSet.COUNTER_NONE, 0))
        .isEqualTo(IpSet.ABSENT);
    assertThat(test(nets, "10.1.2.3", 50, false, IpSet.COUNTER_EQ, 1, IpSet.COUNTER_NONE, 0))
        .isEqualTo(IpSet.NOMATCH);
  }
}
