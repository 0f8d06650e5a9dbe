package io.nfeval.report;

/**
 * Distinct flows seen by one rule, in bounded memory: exact up to {@link #EXACT} flows, then a
 * HyperLogLog sketch (2^10 registers, about 3% standard error) — so a 10,000-rule ruleset over a
 * 10-million-packet capture stays within a few megabytes.
 */
final class FlowCounter {
  static final int EXACT = 64;
  private static final int P = 10;
  private static final int M = 1 << P;
  private long[] exact = new long[8];
  private int n;
  private byte[] registers;

  void add(long hash) {
    if (registers != null) {
      hll(hash);
      return;
    }
    for (int i = 0; i < n; i++) {
      if (exact[i] == hash) {
        return;
      }
    }
    if (n == EXACT) {
      registers = new byte[M];
      for (int i = 0; i < n; i++) {
        hll(exact[i]);
      }
      hll(hash);
      exact = null;
      return;
    }
    if (n == exact.length) {
      exact = java.util.Arrays.copyOf(exact, n * 2);
    }
    exact[n++] = hash;
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
