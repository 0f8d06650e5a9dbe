package io.nfeval.engine.classify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * One field of one chain: the key space cut into elementary intervals (between consecutive
 * boundaries of the rules' intervals), each holding the ascending entry indexes of the rules whose
 * set contains it. A lookup is one binary search, allocation-free. Immutable.
 *
 * <p>Keys are compared unsigned, stored with the sign bit flipped so that a signed {@code int}
 * comparison orders them as unsigned.
 */
final class IntervalIndex {
  static final int[] EMPTY = {};

  /** Flipped start key of each elementary interval; {@code starts[0]} is the domain's minimum. */
  private final int[] starts;
  private final int[][] lists;

  private IntervalIndex(int[] starts, int[][] lists) {
    this.starts = starts;
    this.lists = lists;
  }

  /**
   * Builds the index of the given rules: {@code sets[i]} (see {@link Intervals}) is the key set of
   * the rule at entry {@code entries[i]}; entries ascend.
   */
  static IntervalIndex build(int[] entries, long[][] sets) {
    final long[] bounds = boundaries(sets);
    final List<List<Integer>> acc = new ArrayList<>(bounds.length);
    for (int i = 0; i < bounds.length; i++) {
      acc.add(new ArrayList<>());
    }
    for (int r = 0; r < entries.length; r++) {
      final long[] s = sets[r];
      for (int i = 0; i < s.length; i += 2) {
        final int a = find(bounds, s[i]);
        final int b = find(bounds, s[i + 1]);
        for (int j = a; j <= b; j++) {
          acc.get(j).add(entries[r]);
        }
      }
    }
    // Merge neighbours with equal lists: fewer intervals, shorter searches.
    final int[] st = new int[bounds.length];
    final int[][] ls = new int[bounds.length][];
    int n = 0;
    for (int j = 0; j < bounds.length; j++) {
      final int[] l = toArray(acc.get(j));
      if (n > 0 && Arrays.equals(ls[n - 1], l)) {
        continue;
      }
      st[n] = flip(bounds[j]);
      ls[n] = l;
      n++;
    }
    return new IntervalIndex(Arrays.copyOf(st, n), Arrays.copyOf(ls, n));
  }

  /**
   * For the selectivity estimate: per elementary interval of all {@code sets}, how many sets cover
   * it; and per set, how many elementary intervals it covers. Returned as {@link Cover}.
   */
  static Cover cover(long[][] sets) {
    final long[] bounds = boundaries(sets);
    final int[] diff = new int[bounds.length + 1];
    final int[][] spans = new int[sets.length][];
    for (int r = 0; r < sets.length; r++) {
      final long[] s = sets[r];
      if (s == null) {
        continue;
      }
      spans[r] = new int[s.length];
      for (int i = 0; i < s.length; i += 2) {
        final int a = find(bounds, s[i]);
        final int b = find(bounds, s[i + 1]);
        spans[r][i] = a;
        spans[r][i + 1] = b;
        diff[a]++;
        diff[b + 1]--;
      }
    }
    final int[] count = new int[bounds.length];
    int c = 0;
    for (int j = 0; j < bounds.length; j++) {
      c += diff[j];
      count[j] = c;
    }
    return new Cover(count, spans);
  }

  /** Cover counts of elementary intervals and each set's spans of them ({@code {a0, b0, a1, b1 ...}}). */
  record Cover(int[] count, int[][] spans) {
    /**
     * Estimated candidates a packet meets if set {@code r} is indexed here: the most crowded
     * elementary interval it covers; {@code Integer.MAX_VALUE} when it covers more than {@code wide}.
     */
    int cost(int r, int wide) {
      final int[] sp = spans[r];
      int covered = 0;
      for (int i = 0; i < sp.length; i += 2) {
        covered += sp[i + 1] - sp[i] + 1;
      }
      if (covered > wide) {
        return Integer.MAX_VALUE;
      }
      int max = 0;
      for (int i = 0; i < sp.length; i += 2) {
        for (int j = sp[i]; j <= sp[i + 1]; j++) {
          max = Math.max(max, count[j]);
        }
      }
      return max;
    }

    /** Elementary intervals set {@code r} covers. */
    int covered(int r) {
      final int[] sp = spans[r];
      int covered = 0;
      for (int i = 0; i < sp.length; i += 2) {
        covered += sp[i + 1] - sp[i] + 1;
      }
      return covered;
    }
  }

  /** Entry indexes (ascending) of the rules whose set contains {@code key}. */
  int[] lookup(int key) {
    final int k = key ^ Integer.MIN_VALUE;
    int lo = 0;
    int hi = starts.length - 1;
    while (lo < hi) {
      final int mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= k) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lists[lo];
  }

  int intervals() {
    return starts.length;
  }

  /** Approximate heap bytes: arrays of starts and lists (12-byte headers, 4-byte refs). */
  long bytes() {
    long b = 16 + 4L * starts.length + 16 + 4L * lists.length;
    for (int[] l : lists) {
      b += l.length == 0 ? 0 : 16 + 4L * l.length;
    }
    return b;
  }

  private static long[] boundaries(long[][] sets) {
    final TreeSet<Long> b = new TreeSet<>();
    b.add(0L);
    for (long[] s : sets) {
      if (s == null) {
        continue;
      }
      for (int i = 0; i < s.length; i += 2) {
        b.add(s[i]);
        if (s[i + 1] < Intervals.MAX) {
          b.add(s[i + 1] + 1);
        }
      }
    }
    final long[] out = new long[b.size()];
    int i = 0;
    for (long x : b) {
      out[i++] = x;
    }
    return out;
  }

  /** Index of the elementary interval containing {@code key}. */
  private static int find(long[] bounds, long key) {
    int j = Arrays.binarySearch(bounds, key);
    return j >= 0 ? j : -j - 2;
  }

  private static int flip(long unsignedKey) {
    return ((int) unsignedKey) ^ Integer.MIN_VALUE;
  }

  private static int[] toArray(List<Integer> l) {
    if (l.isEmpty()) {
      return EMPTY;
    }
    final int[] a = new int[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }
}
