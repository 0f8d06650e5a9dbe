package io.nfeval.engine.classify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * One field of one chain: the key space cut into elementary intervals (between consecutive
 * boundaries of the rules' intervals), each holding the ascending entry indexes of the rules whose
 * set contains it. Immutable; a lookup allocates nothing.
 *
 * <p>Everything a lookup reads is in one {@code int[]}, so it costs a cache line or two and no
 * pointer chasing (with hundreds of chains indexed, each lookup of a packet finds its index cold):
 * <ul>
 *   <li>a radix over the top bits of the key, two ints per bucket: the first interval that can hold
 *       a key of that bucket, and the bucket's answer when one interval covers the whole bucket
 *       (most lookups end there), else {@link #SEARCH};</li>
 *   <li>per interval, its start key (sign bit flipped, so that signed comparison orders keys as
 *       unsigned) and its answer, side by side;</li>
 *   <li>the lists, each stored once as its length followed by its entries (intervals with equal
 *       lists share one).</li>
 * </ul>
 * An answer is {@code offset << 8 | min(length, 255)}: the list's offset in the array and its
 * length, so an empty list (answer 0) or a short one needs no further read to know its extent.
 */
final class IntervalIndex {
  static final int[] EMPTY = {};
  /** Most radix buckets (128 KiB of radix); about two per interval below that. */
  private static final int MAX_BUCKETS = 1 << 14;
  /** Radix answer slot of a bucket that several intervals share: search them. */
  private static final int SEARCH = -1;

  /** See the class comment; {@link #find} returns answers into it. */
  final int[] data;
  /** Number of elementary intervals; their (start, answer) pairs begin at {@link #pairs}. */
  private final int n;
  private final int pairs;
  /** Keys at or above {@code 1 << domainBits} (all when 32) are in the last interval. */
  private final int domainBits;
  /** A key's bucket is {@code key >>> shift}, its two ints at {@code 2 * bucket}. */
  private final int shift;

  /** Offsets must fit in an answer's 23 bits; a larger index is not built (the chain is walked). */
  static final int MAX_INTS = 1 << 23;

  private IntervalIndex(int[] starts, int[][] lists) {
    n = starts.length;
    final long maxStart = (starts[n - 1] ^ Integer.MIN_VALUE) & 0xffff_ffffL;
    domainBits = maxStart == 0 ? 0 : 64 - Long.numberOfLeadingZeros(maxStart);
    int bits = 0;
    while (bits < domainBits && (1 << bits) < Math.min(MAX_BUCKETS, 2 * n)) {
      bits++;
    }
    shift = domainBits - bits;
    final int buckets = 1 << bits;
    pairs = 2 * (buckets + 1);
    final java.util.Map<IntList, Integer> shared = new java.util.HashMap<>();
    int size = pairs + 2 * n;
    final int[] answer = new int[n];
    for (int i = 0; i < n; i++) {
      if (lists[i].length == 0) {
        continue; // answer 0: no list to read
      }
      Integer o = shared.get(new IntList(lists[i]));
      if (o == null) {
        o = size;
        shared.put(new IntList(lists[i]), size);
        size += 1 + lists[i].length;
      }
      answer[i] = o << 8 | Math.min(lists[i].length, 255);
    }
    data = new int[size];
    for (int i = 0; i < n; i++) {
      data[pairs + 2 * i] = starts[i];
      data[pairs + 2 * i + 1] = answer[i];
      final int o = answer[i] >>> 8;
      if (o != 0 && data[o] == 0) {
        data[o] = lists[i].length;
        System.arraycopy(lists[i], 0, data, o + 1, lists[i].length);
      }
    }
    final int[] first = new int[buckets + 1];
    int iv = 0;
    for (int b = 0; b < buckets; b++) {
      final int key = ((int) ((long) b << shift)) ^ Integer.MIN_VALUE; // flipped first key of b
      while (iv + 1 < n && starts[iv + 1] <= key) {
        iv++;
      }
      first[b] = iv;
    }
    first[buckets] = n - 1;
    for (int b = 0; b <= buckets; b++) {
      data[2 * b] = first[b];
      // One interval covers the bucket when the next bucket's first key is still in it (the last
      // bucket reaches the end of the domain, where the last interval is).
      final boolean whole;
      if (b == buckets) {
        whole = false;
      } else if (b + 1 == buckets) {
        whole = first[b] == n - 1;
      } else {
        final int next = ((int) ((long) (b + 1) << shift)) ^ Integer.MIN_VALUE;
        whole = first[b + 1] == first[b]
            || first[b + 1] == first[b] + 1 && starts[first[b + 1]] == next; // CIDR-aligned
      }
      data[2 * b + 1] = whole ? answer[first[b]] : SEARCH;
    }
  }

  /** Value equality for sharing lists. */
  private record IntList(int[] a) {
    @Override
    public boolean equals(Object o) {
      return o instanceof IntList l && Arrays.equals(a, l.a);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(a);
    }
  }

  /**
   * Builds the index of the given rules: {@code sets[i]} (see {@link Intervals}) is the key set of
   * the rule at entry {@code entries[i]}; entries ascend. Null when the index would be too large
   * to address ({@link #MAX_INTS}).
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
    long bound = 2L * (MAX_BUCKETS + 1) + 2L * n;
    for (int j = 0; j < n; j++) {
      bound += 1 + ls[j].length;
    }
    if (bound >= MAX_INTS) {
      return null;
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

  /**
   * The answer for {@code key} ({@code offset << 8 | min(length, 255)}, see the class comment): the
   * ascending entry indexes of the rules whose set contains the key are at {@code offset + 1} in
   * {@link #data}, their number at {@code offset} (and in the low byte when below 255).
   */
  int find(int key) {
    final int[] d = data;
    if (domainBits < 32 && key >>> domainBits != 0) {
      return d[pairs + 2 * (n - 1) + 1];
    }
    final int b = 2 * (key >>> shift);
    final int direct = d[b + 1];
    if (direct != SEARCH) {
      return direct;
    }
    final int k = key ^ Integer.MIN_VALUE;
    int lo = d[b];
    int hi = d[b + 2];
    while (lo < hi) {
      final int mid = (lo + hi + 1) >>> 1;
      if (d[pairs + 2 * mid] <= k) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return d[pairs + 2 * lo + 1];
  }

  /** The list for {@code key} as a new array (tests, diagnostics). */
  int[] lookup(int key) {
    final int a = find(key);
    final int o = a >>> 8;
    return a == 0 ? EMPTY : Arrays.copyOfRange(data, o + 1, o + 1 + data[o]);
  }

  int intervals() {
    return n;
  }

  /** Approximate heap bytes: the object and its array. */
  long bytes() {
    return 32 + 16 + 4L * data.length;
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
