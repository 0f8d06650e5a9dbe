package io.nfeval.report;

/**
 * Distinct flows seen by one rule, in bounded memory: exact up to {@link #EXACT} flows (a small
 * open-addressing set of flow hashes), then a HyperLogLog sketch (2^10 registers, about 3% standard
 * error) — so a 10,000-rule ruleset over a 10-million-packet capture stays within a few megabytes.
 */
final class FlowCounter {
  static final int EXACT = 64;
  private static final int P = 10;
  private static final int M = 1 << P;
  /** Open addressing, 0 = empty (a zero hash is stored as 1: one flow in 2^64 may be merged). */
  private long[] exact = new long[16];
  private int n;
  private byte[] registers;

  void add(long hash) {
    if (registers != null) {
      hll(hash);
      return;
    }
    final long h = hash == 0 ? 1 : hash;
    final int mask = exact.length - 1;
    int i = (int) (h ^ (h >>> 32)) & mask;
    while (exact[i] != 0) {
      if (exact[i] == h) {
        return;
      }
      i = (i + 1) & mask;
    }
    if (n == EXACT) {
      registers = new byte[M];
      for (long x : exact) {
        if (x != 0) {
          hll(x);
        }
      }
      hll(h);
      exact = null;
      return;
    }
    exact[i] = h;
    n++;
    if (n * 2 > exact.length) {
      final long[] old = exact;
      exact = new long[old.length * 2];
      final int m2 = exact.length - 1;
      for (long x : old) {
        if (x != 0) {
          int j = (int) (x ^ (x >>> 32)) & m2;
          while (exact[j] != 0) {
            j = (j + 1) & m2;
          }
          exact[j] = x;
        }
      }
    }
  }

  private void hll(long hash) {
    final int idx = (int) (hash >>> (64 - P));
    final long w = hash << P | (1L << (P - 1));
    final int rank = Long.numberOfLeadingZeros(w) + 1;
    if (rank > registers[idx]) {
      registers[idx] = (byte) rank;
    }
  }

  boolean isExact() {
    return registers == null;
  }

  long count() {
    if (registers == null) {
      return n;
    }
    double sum = 0;
    int zeros = 0;
    for (byte r : registers) {
      sum += Math.pow(2, -r);
      if (r == 0) {
        zeros++;
      }
    }
    final double alpha = 0.7213 / (1 + 1.079 / M);
    double e = alpha * M * M / sum;
    if (e <= 2.5 * M && zeros > 0) {
      e = M * Math.log((double) M / zeros); // linear counting for small cardinalities
    }
    return Math.round(e);
  }

  /** 64-bit mix (splitmix64 finaliser) of a flow's fields. */
  static long hash(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + b;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
