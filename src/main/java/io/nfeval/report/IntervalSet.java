package io.nfeval.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A set of unsigned values in {@code [0, max]} as sorted, disjoint, non-adjacent closed intervals. One
 * dimension of the header space (addresses, ports, protocols, ICMP type/code) used by the static
 * analysis; immutable.
 */
final class IntervalSet {
  private final long max;
  /** lo0, hi0, lo1, hi1, ... */
  private final long[] bounds;

  private IntervalSet(long max, long[] bounds) {
    this.max = max;
    this.bounds = bounds;
  }

  static IntervalSet all(long max) {
    return new IntervalSet(max, new long[] {0, max});
  }

  static IntervalSet range(long max, long lo, long hi) {
    if (lo > hi) {
      return new IntervalSet(max, new long[0]);
    }
    return new IntervalSet(max, new long[] {Math.max(0, lo), Math.min(max, hi)});
  }

  /** Union of closed intervals given as lo/hi pairs (any order, may overlap). */
  static IntervalSet of(long max, long[] pairs) {
    final int n = pairs.length / 2;
    final long[][] iv = new long[n][];
    for (int i = 0; i < n; i++) {
      iv[i] = new long[] {Math.min(pairs[2 * i], pairs[2 * i + 1]), Math.max(pairs[2 * i], pairs[2 * i + 1])};
    }
    Arrays.sort(iv, (a, b) -> Long.compare(a[0], b[0]));
    final List<long[]> out = new ArrayList<>();
    for (long[] x : iv) {
      if (!out.isEmpty() && x[0] <= out.get(out.size() - 1)[1] + 1) {
        out.get(out.size() - 1)[1] = Math.max(out.get(out.size() - 1)[1], x[1]);
      } else {
        out.add(x.clone());
      }
    }
    final long[] b = new long[out.size() * 2];
    for (int i = 0; i < out.size(); i++) {
      b[2 * i] = out.get(i)[0];
      b[2 * i + 1] = out.get(i)[1];
    }
    return new IntervalSet(max, b);
  }

  IntervalSet complement() {
    final List<Long> b = new ArrayList<>();
    long next = 0;
    for (int i = 0; i < bounds.length; i += 2) {
      if (bounds[i] > next) {
        b.add(next);
        b.add(bounds[i] - 1);
      }
      next = bounds[i + 1] + 1;
    }
    if (next <= max) {
      b.add(next);
      b.add(max);
    }
    return new IntervalSet(max, b.stream().mapToLong(Long::longValue).toArray());
  }

  IntervalSet intersect(IntervalSet o) {
    final List<Long> b = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < bounds.length && j < o.bounds.length) {
      final long lo = Math.max(bounds[i], o.bounds[j]);
      final long hi = Math.min(bounds[i + 1], o.bounds[j + 1]);
      if (lo <= hi) {
        b.add(lo);
        b.add(hi);
      }
      if (bounds[i + 1] < o.bounds[j + 1]) {
        i += 2;
      } else {
        j += 2;
      }
    }
    return new IntervalSet(max, b.stream().mapToLong(Long::longValue).toArray());
  }

  /** True when the two sets share a value (no allocation: the analysis calls it O(rules^2) times). */
  boolean intersects(IntervalSet o) {
    int i = 0;
    int j = 0;
    while (i < bounds.length && j < o.bounds.length) {
      if (Math.max(bounds[i], o.bounds[j]) <= Math.min(bounds[i + 1], o.bounds[j + 1])) {
        return true;
      }
      if (bounds[i + 1] < o.bounds[j + 1]) {
        i += 2;
      } else {
        j += 2;
      }
    }
    return false;
  }

  boolean isEmpty() {
    return bounds.length == 0;
  }

  boolean isAll() {
    return bounds.length == 2 && bounds[0] == 0 && bounds[1] == max;
  }

  /** True when every value of {@code o} is in this set. */
  boolean containsAll(IntervalSet o) {
    int i = 0;
    for (int j = 0; j < o.bounds.length; j += 2) {
      while (i < bounds.length && bounds[i + 1] < o.bounds[j]) {
        i += 2;
      }
      if (i >= bounds.length || bounds[i] > o.bounds[j] || bounds[i + 1] < o.bounds[j + 1]) {
        return false;
      }
    }
    return true;
  }

  boolean contains(long v) {
    for (int i = 0; i < bounds.length; i += 2) {
      if (v >= bounds[i] && v <= bounds[i + 1]) {
        return true;
      }
    }
    return false;
  }

  /** Interval boundaries: each interval's first value and the value just past it (for sample points). */
  void boundaries(java.util.Set<Long> into) {
    for (int i = 0; i < bounds.length; i += 2) {
      into.add(bounds[i]);
      if (bounds[i + 1] < max) {
        into.add(bounds[i + 1] + 1);
      }
      if (bounds[i] > 0) {
        into.add(bounds[i] - 1);
      }
    }
  }

  /** Smallest value in the set; -1 when empty. */
  long first() {
    return bounds.length == 0 ? -1 : bounds[0];
  }

  @Override
  public String toString() {
    final StringBuilder sb = new StringBuilder();
    for (int i = 0; i < bounds.length; i += 2) {
      sb.append(i == 0 ? "" : ",").append(bounds[i]).append('-').append(bounds[i + 1]);
    }
    return sb.toString();
  }
}
