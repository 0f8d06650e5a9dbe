package io.nfeval.engine.classify;

import java.util.Arrays;

/**
 * Sets of 32-bit keys as sorted, disjoint, non-adjacent closed intervals, used only while a classifier
 * is built. A key is read as unsigned (addresses order as the kernel compares them after masking), so
 * the domain is {@code [0, 2^32 - 1]} held in longs: {@code {lo0, hi0, lo1, hi1, ...}}.
 *
 * <p>The domain is the whole 32-bit space even for protocols and ports, because the evaluator compares
 * the packet's value as an int: an undecodable packet's protocol (-1, i.e. {@code 0xffffffff}) is in
 * the complement of {@code -p tcp}, exactly as {@code ip_packet_match} sees it.
 */
final class Intervals {
  static final long MAX = 0xffff_ffffL;
  static final long[] ALL = {0, MAX};
  static final long[] NONE = {};

  private Intervals() {}

  /** The single interval [lo, hi]. */
  static long[] of(long lo, long hi) {
    return new long[] {lo, hi};
  }

  /** The keys k with {@code (k & mask) == addr}, for a contiguous (prefix) mask; null otherwise. */
  static long[] prefix(int addr, int mask) {
    final int bits = Integer.bitCount(mask);
    if (mask != (bits == 0 ? 0 : -1 << (32 - bits))) {
      return null;
    }
    final long lo = Integer.toUnsignedLong(addr & mask);
    return of(lo, lo | Integer.toUnsignedLong(~mask));
  }

  /** The union of possibly overlapping, unsorted ranges {@code {lo, hi}}. */
  static long[] union(long[][] ranges) {
    final long[][] r = ranges.clone();
    Arrays.sort(r, (a, b) -> Long.compare(a[0], b[0]));
    final long[] out = new long[2 * r.length];
    int n = 0;
    for (long[] x : r) {
      if (n > 0 && x[0] <= out[n - 1] + 1) {
        out[n - 1] = Math.max(out[n - 1], x[1]);
      } else {
        out[n++] = x[0];
        out[n++] = x[1];
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** The keys of the domain not in {@code s}. */
  static long[] complement(long[] s) {
    final long[] out = new long[s.length + 2];
    int n = 0;
    long next = 0;
    for (int i = 0; i < s.length; i += 2) {
      if (s[i] > next) {
        out[n++] = next;
        out[n++] = s[i] - 1;
      }
      next = s[i + 1] + 1;
    }
    if (next <= MAX) {
      out[n++] = next;
      out[n++] = MAX;
    }
    return Arrays.copyOf(out, n);
  }

  static boolean contains(long[] s, long key) {
    for (int i = 0; i < s.length; i += 2) {
      if (key >= s[i] && key <= s[i + 1]) {
        return true;
      }
    }
    return false;
  }
}
