package io.nfeval.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bounded structures behind the audit: flow sets and the top-N flow table. */
class BoundedStructuresTest {
  @Test
  void flowCounterExactThenEstimated() {
    final FlowCounter c = new FlowCounter();
    for (int i = 0; i < FlowCounter.EXACT; i++) {
      c.add(FlowCounter.hash(i, 7));
      c.add(FlowCounter.hash(i, 7)); // repeats are not new flows
    }
    assertThat(c.isExact()).isTrue();
    assertThat(c.count()).isEqualTo(FlowCounter.EXACT);
    for (int i = FlowCounter.EXACT; i < 200_000; i++) {
      c.add(FlowCounter.hash(i, 7));
    }
    assertThat(c.isExact()).isFalse();
    assertThat((double) c.count()).isBetween(200_000 * 0.9, 200_000 * 1.1);
    final FlowCounter small = new FlowCounter();
    for (int i = 0; i < 500; i++) {
      small.add(FlowCounter.hash(i, 9));
    }
    assertThat((double) small.count()).isBetween(500 * 0.93, 500 * 1.07);
  }

  @Test
  void topFlowsKeepTheHeavyOnesInBoundedMemory() {
    final TopFlows t = new TopFlows(16);
    // 5 heavy flows (1,000 packets each) among 8,000 light ones: 13,000 packets, 13,000 / 16 < 1,000,
    // so Misra-Gries keeps every heavy flow
    for (int round = 0; round < 1000; round++) {
      for (int h = 0; h < 5; h++) {
        final TopFlows.Flow f = t.get(FlowCounter.hash(h, 1), 100);
        f.packets++;
        f.src = h;
      }
      for (int l = 0; l < 8; l++) {
        final TopFlows.Flow f = t.get(FlowCounter.hash(round * 100L + l, 2), 60);
        f.packets++;
        f.src = 1000;
      }
    }
    assertThat(t.pruned()).isTrue();
    assertThat(t.packets()).isEqualTo(13_000);
    assertThat(t.top(5)).extracting(f -> f.src).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    assertThat(t.top(5)).allSatisfy(f -> assertThat(f.packets).isGreaterThan(900));
    assertThat(t.prunedPackets()).isPositive();
  }
}
