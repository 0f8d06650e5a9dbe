package io.nfeval.rules.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The constants the kernel's rate matches derive from CONFIG_HZ, per tick rate. */
class JiffiesTest {
  @Test
  void creditsPerJiffyFollowTheKernelsMacros() {
    // xt_limit: POW2_BELOW32(0xFFFFFFFF / (HZ*60*60*24)); xt_hashlimit: POW2_BELOW64 of the 64-bit
    // quotient, and POW2_BELOW32(0xFFFFFFFF / HZ) for bytes
    final Jiffies j250 = Jiffies.of(250);
    assertThat(j250).isSameAs(Jiffies.DEFAULT);
    assertThat(j250.limitCreditsPerJiffy).isEqualTo(128); // 198 -> 128
    assertThat(j250.hashlimitCreditsPerJiffy).isEqualTo(1L << 39); // 854,015,929,338
    assertThat(j250.hashlimitCreditsPerJiffyBytes).isEqualTo(1L << 24); // 17,179,869
    final Jiffies j1000 = Jiffies.of(1000);
    assertThat(j1000.limitCreditsPerJiffy).isEqualTo(32); // 49
    assertThat(j1000.hashlimitCreditsPerJiffy).isEqualTo(1L << 37); // 213,503,982,334
    assertThat(j1000.hashlimitCreditsPerJiffyBytes).isEqualTo(1L << 22); // 4,294,967
    final Jiffies j100 = Jiffies.of(100);
    assertThat(j100.limitCreditsPerJiffy).isEqualTo(256); // 497
    assertThat(j100.hashlimitCreditsPerJiffyBytes).isEqualTo(1L << 25); // 42,949,672
  }

  @Test
  void ticksAndMillisecondsAtEachRate() {
    assertThat(Jiffies.of(250).tickNanos).isEqualTo(4_000_000);
    assertThat(Jiffies.of(300).tickNanos).isEqualTo(3_333_333); // TICK_NSEC rounds
    assertThat(Jiffies.of(1000).at(10_999_999, 0)).isEqualTo(10);
    assertThat(Jiffies.of(250).at(10_999_999, 0)).isEqualTo(2);
    assertThat(Jiffies.of(250).at(10_999_999, 3_000_000)).isEqualTo(1);
    // msecs_to_jiffies rounds up
    assertThat(Jiffies.of(250).fromMillis(7)).isEqualTo(2);
    assertThat(Jiffies.of(250).fromMillis(8)).isEqualTo(2);
    assertThat(Jiffies.of(1000).fromMillis(7)).isEqualTo(7);
    assertThat(Jiffies.of(100).fromMillis(11)).isEqualTo(2);
    assertThat(Jiffies.of(300).fromMillis(1)).isEqualTo(1);
    assertThat(Jiffies.of(300).fromMillis(10)).isEqualTo(3);
    assertThat(Jiffies.of(300).fromMillis(1000)).isEqualTo(300);
    assertThat(Jiffies.of(2000).fromMillis(3)).isEqualTo(6);
  }

  @Test
  void ratesOutsideTheRangeAreRefused() {
    assertThatThrownBy(() -> Jiffies.of(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Jiffies.of(20_000)).isInstanceOf(IllegalArgumentException.class);
  }
}
