package io.nfeval.engine.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Candidates found for packets, field by field, and the memory bound on large chains. */
class TableClassifierTest {
  private static int ip(int a, int b, int c, int d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
  }

  /** Every candidate of FORWARD (chain 1) for a packet, in order, ending with the chain end. */
  private static List<Integer> candidates(Layout l, int saddr, int daddr, int proto, int frag, int sport,
      int dport, String in, String out) {
    final CandidateCursor c = new CandidateCursor();
    c.begin(l.classifier, saddr, daddr, proto, frag, sport, dport, in, out);
    final List<Integer> got = new ArrayList<>();
    int e = l.chainStart[1];
    while (true) {
      e = c.next(e);
      got.add(e);
      if (e == l.chainEnd[1]) {
        return got;
      }
      e++;
    }
  }

  /** {@code n} rules {@code -s 10.a.b.0/24 -d 172.16.0.0/16 -p tcp --dport 1000+i}. */
  static List<String> simpleRules(int n) {
    final List<String> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add("-A FORWARD -s 10." + (i >> 8 & 255) + "." + (i & 255) + ".0/24 -d 172.16.0.0/16 -p tcp -m tcp"
          + " --dport " + (1000 + i % 5000) + " -j ACCEPT");
    }
    return l;
  }

  @Test
  void simpleRulesLeaveOnlyTheOneThatCanMatch() {
    final Layout l = Layout.forward(simpleRules(1000));
    final int start = l.chainStart[1];
    final int end = l.chainEnd[1];
    // Nothing matches: straight to the policy.
    assertThat(candidates(l, ip(192, 0, 2, 1), ip(172, 16, 0, 1), 6, 0, 5, 80, "eth0", "eth1"))
        .containsExactly(end);
    // Source of rule 700 (10.2.188.0/24).
    assertThat(candidates(l, ip(10, 2, 188, 9), ip(172, 16, 0, 1), 6, 0, 5, 1700, "eth0", "eth1"))
        .containsExactly(start + 700, end);
    assertThat(l.classifier.describe()).contains("src=1000").doesNotContain("always");
  }

  @Test
  void fieldsOtherThanAddresses() {
    final List<String> r = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      r.add("-A FORWARD -i veth" + i + " -j ACCEPT");
    }
    r.add("-A FORWARD -p udp -m udp --dport 53 -j ACCEPT"); // 10
    r.add("-A FORWARD -p tcp -m multiport --sports 1,2,3 -j ACCEPT"); // 11
    r.add("-A FORWARD -o eth9 -j ACCEPT"); // 12
    r.add("-A FORWARD -i eth+ -j ACCEPT"); // 13: wildcard, always a candidate
    r.add("-A FORWARD -f -j ACCEPT"); // 14
    r.add("-A FORWARD -p icmp -j ACCEPT"); // 15
    final Layout l = Layout.forward(r);
    final int s = l.chainStart[1];
    final int end = l.chainEnd[1];
    assertThat(candidates(l, 1, 2, 17, 0, 9, 53, "veth3", "eth9"))
        .containsExactly(s + 3, s + 10, s + 12, s + 13, end);
    // Rule 10 is filed under its port (a tie with its protocol): a candidate, rejected by the full check.
    assertThat(candidates(l, 1, 2, 6, 0, 2, 53, "", "")).containsExactly(s + 10, s + 11, s + 13, end);
    assertThat(candidates(l, 1, 2, 6, 0, 9, 54, "", "")).containsExactly(s + 13, end);
    // A later fragment: ports unreadable, so port rules of its protocol stay candidates; -f rule too.
    assertThat(candidates(l, 1, 2, 17, 100, -1, -1, "x", "y"))
        .containsExactly(s + 10, s + 13, s + 14, end);
    assertThat(candidates(l, 1, 2, 6, 100, -1, -1, "x", "y"))
        .containsExactly(s + 11, s + 13, s + 14, end);
    assertThat(candidates(l, 1, 2, 1, 0, -1, -1, "lo", "")).containsExactly(s + 13, s + 15, end);
  }

  @Test
  void shortChainsAreNotIndexed() {
    final Layout l = Layout.forward(simpleRules(TableClassifier.MIN_RULES - 1));
    final CandidateCursor c = new CandidateCursor();
    c.begin(l.classifier, 1, 2, 6, 0, 1, 2, "", "");
    assertThat(c.next(l.chainStart[1])).isEqualTo(l.chainStart[1]);
  }

  @Test
  void chainsOfMostlyUnclassifiableRulesAreNotIndexed() {
    final List<String> r = new ArrayList<>(simpleRules(10));
    for (int i = 0; i < 11; i++) {
      r.add("-A FORWARD -i eth+ -j ACCEPT");
    }
    final Layout l = Layout.forward(r);
    assertThat(l.classifier.describe()).isEmpty();
    final CandidateCursor c = new CandidateCursor();
    c.begin(l.classifier, 1, 2, 6, 0, 1, 2, "", "");
    assertThat(c.next(l.chainStart[1] + 3)).isEqualTo(l.chainStart[1] + 3);
  }

  @Test
  void revisitingAChainStartsOver() {
    final Layout l = Layout.forward(simpleRules(20));
    final CandidateCursor c = new CandidateCursor();
    final int s = l.chainStart[1];
    c.begin(l.classifier, ip(10, 0, 5, 1), 0, 6, 0, 1, 2, "", "");
    assertThat(c.next(s)).isEqualTo(s + 5);
    assertThat(c.next(s + 6)).isEqualTo(l.chainEnd[1]);
    assertThat(c.next(s)).isEqualTo(s + 5); // jumped to again from another chain
  }

  @Test
  void walkAllocatesNothingAfterWarmUp() {
    final Layout l = Layout.forward(simpleRules(1000));
    final CandidateCursor c = new CandidateCursor();
    final com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    final long tid = Thread.currentThread().getId();
    walk(l, c, 100_000); // warm-up: arrays grow once, JIT compiles
    // A compilation finishing during a measurement can allocate once (OSR, deoptimisation): the
    // steady state is what counts, so take the best of three measurements.
    long best = Long.MAX_VALUE;
    int seen = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
      final long before = mx.getThreadAllocatedBytes(tid);
      seen = walk(l, c, 20_000);
      best = Math.min(best, mx.getThreadAllocatedBytes(tid) - before);
    }
    assertThat(seen).isPositive();
    assertThat(best).as("bytes allocated for 20,000 packets").isLessThan(200);
  }

  private static int walk(Layout l, CandidateCursor c, int packets) {
    int seen = 0;
    for (int i = 0; i < packets; i++) {
      c.begin(l.classifier, ip(10, 0, i & 1023, 1), ip(172, 16, 0, 1), 6, 0, 40000, 1000 + (i & 7), "eth0",
          "eth1");
      int e = l.chainStart[1];
      while ((e = c.next(e)) != l.chainEnd[1]) {
        seen++;
        e++;
      }
    }
    return seen;
  }

  @Test
  void memoryStaysLinearWithNestedPrefixes() {
    // 10,000 /24s under a few wide rules (/8, /16, inverted): wide rules become always-candidates
    // instead of being copied into every elementary interval.
    final List<String> r = new ArrayList<>(simpleRules(10_000));
    for (int i = 0; i < 50; i++) {
      r.add(i * 200, "-A FORWARD -s 10.0.0.0/8 -p udp -j ACCEPT");
      r.add(i * 200 + 1, "-A FORWARD ! -s 10." + i + ".0.0/16 -j ACCEPT");
    }
    final Layout l = Layout.forward(r);
    final long bytes = l.classifier.bytes();
    assertThat(bytes).as(l.classifier.describe()).isLessThan(100L * r.size());
  }
}
