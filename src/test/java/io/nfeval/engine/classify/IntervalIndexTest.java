package io.nfeval.engine.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The elementary-interval index returns exactly the rules whose key set holds the key. */
class IntervalIndexTest {
  @Property(tries = 300)
  void lookupEqualsBruteForce(@ForAll long seed) {
    final Random rnd = new Random(seed);
    final int n = 1 + rnd.nextInt(40);
    final int[] entries = new int[n];
    final long[][] sets = new long[n][];
    int e = rnd.nextInt(5);
    for (int i = 0; i < n; i++) {
      entries[i] = e;
      e += 1 + rnd.nextInt(3);
      sets[i] = randomSet(rnd);
    }
    final IntervalIndex idx = IntervalIndex.build(entries, sets);
    final List<Long> probes = new ArrayList<>(List.of(0L, Intervals.MAX, 0x8000_0000L, 0x7fff_ffffL));
    for (long[] s : sets) {
      for (long b : s) {
        probes.add(b);
        probes.add(Math.max(0, b - 1));
        probes.add(Math.min(Intervals.MAX, b + 1));
      }
    }
    for (int i = 0; i < 50; i++) {
      probes.add(rnd.nextLong() & Intervals.MAX);
    }
    assertLookupsAreBruteForce(idx, entries, sets, probes, "random sets");
  }

  /**
   * Many rules of one kind of key (all ports, or all CIDRs in a few /16s, as chains are) give an
   * index whose radix buckets mostly hold a whole interval: answered from the radix, and at every
   * boundary the answer is still the brute-force one.
   */
  @Property(tries = 60)
  void largeIndexesEqualBruteForce(@ForAll long seed) {
    final Random rnd = new Random(seed);
    final boolean ports = rnd.nextBoolean();
    final int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 3000);
    final int[] entries = new int[n];
    final long[][] sets = new long[n][];
    for (int i = 0; i < n; i++) {
      entries[i] = i;
      if (ports) {
        final int a = rnd.nextInt(65536);
        sets[i] = rnd.nextInt(3) == 0 ? Intervals.of(a, Math.min(65535, a + rnd.nextInt(2000)))
            : Intervals.of(a, a);
      } else {
        final int bits = 16 + rnd.nextInt(17);
        sets[i] = Intervals.prefix(0x0a000000 | rnd.nextInt(4) << 16 | rnd.nextInt(1 << 16),
            -1 << (32 - bits));
      }
    }
    final IntervalIndex idx = IntervalIndex.build(entries, sets);
    final List<Long> probes = new ArrayList<>(List.of(0L, Intervals.MAX, 65535L, 65536L));
    for (int i = 0; i < Math.min(n, 400); i++) {
      for (long b : sets[i]) {
        probes.add(b);
        probes.add(Math.max(0, b - 1));
        probes.add(Math.min(Intervals.MAX, b + 1));
      }
    }
    for (int i = 0; i < 300; i++) {
      probes.add(ports ? rnd.nextInt(70_000) : 0x0a000000L | rnd.nextInt(1 << 18));
      probes.add(rnd.nextLong() & Intervals.MAX);
    }
    assertLookupsAreBruteForce(idx, entries, sets, probes, n + (ports ? " port" : " cidr") + " rules");
  }

  @Property(tries = 300)
  void complementIsExact(@ForAll long seed) {
    final Random rnd = new Random(seed);
    final long[] s = randomSet(rnd);
    final long[] c = Intervals.complement(s);
    for (int i = 0; i < 100; i++) {
      final long k = i < 4 ? new long[] {0, Intervals.MAX, s.length > 0 ? s[0] : 1, 5}[i]
          : (rnd.nextBoolean() ? rnd.nextLong() & Intervals.MAX : rnd.nextInt(70_000));
      assertThat(Intervals.contains(c, k)).isNotEqualTo(Intervals.contains(s, k));
    }
    assertThat(Intervals.complement(c)).isEqualTo(s);
  }

  @Test
  void prefixesAndNonContiguousMasks() {
    assertThat(Intervals.prefix(0x0a010200, 0xffffff00)).containsExactly(0x0a010200L, 0x0a0102ffL);
    assertThat(Intervals.prefix(0, 0)).containsExactly(0L, Intervals.MAX);
    assertThat(Intervals.prefix(0xc0000000, 0xc0000000)).containsExactly(0xc0000000L, Intervals.MAX);
    assertThat(Intervals.prefix(0x0a000001, 0xff0000ff)).isNull();
  }

  @Test
  void signedKeysOrderAsUnsigned() {
    final IntervalIndex idx = IntervalIndex.build(new int[] {3, 7},
        new long[][] {Intervals.of(0x7fff_0000L, 0x8000_ffffL), Intervals.complement(Intervals.of(6, 6))});
    assertThat(idx.lookup(0x7fff_0001)).containsExactly(3, 7);
    assertThat(idx.lookup(0x8000_0001)).containsExactly(3, 7);
    assertThat(idx.lookup(6)).isEmpty();
    assertThat(idx.lookup(-1)).containsExactly(7); // protocol -1 of a broken packet: not tcp, so "! -p 6"
  }

  /** For every probe, the index returns exactly the entries whose set holds it, ascending. */
  private static void assertLookupsAreBruteForce(IntervalIndex idx, int[] entries, long[][] sets,
      List<Long> probes, String what) {
    for (long key : probes) {
      final List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < sets.length; i++) {
        if (Intervals.contains(sets[i], key)) {
          expected.add(entries[i]);
        }
      }
      final List<Integer> got = new ArrayList<>();
      for (int x : idx.lookup((int) key)) {
        got.add(x);
      }
      assertThat(got).as("key %s, %s", Long.toHexString(key), what).isEqualTo(expected);
    }
  }

  /** Prefixes, port-like ranges, unions of ranges, empty sets, complements of any of them. */
  static long[] randomSet(Random rnd) {
    final long[] s;
    switch (rnd.nextInt(4)) {
      case 0 -> {
        final int bits = rnd.nextInt(33);
        final int mask = bits == 0 ? 0 : -1 << (32 - bits);
        s = Intervals.prefix(rnd.nextBoolean() ? rnd.nextInt() : 0x0a000000 | rnd.nextInt(1 << 16), mask);
      }
      case 1 -> {
        final int a = rnd.nextInt(65536);
        final int b = rnd.nextInt(65536);
        s = Intervals.of(Math.min(a, b), Math.max(a, b));
      }
      case 2 -> {
        final long[][] r = new long[1 + rnd.nextInt(5)][];
        for (int i = 0; i < r.length; i++) {
          final int a = rnd.nextInt(2000);
          r[i] = new long[] {a, a + rnd.nextInt(100)};
        }
        s = Intervals.union(r);
      }
      default -> s = Intervals.NONE;
    }
    return rnd.nextInt(4) == 0 ? Intervals.complement(s) : s;
  }
}
