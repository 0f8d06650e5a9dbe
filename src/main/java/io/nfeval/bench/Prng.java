package io.nfeval.bench;

/**
 * SplitMix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number generators", 2014): a tiny
 * generator whose output is fixed by its seed on every JVM, so a workload is reproducible byte for byte.
 * Not {@link java.util.Random}: its algorithm is specified too, but this one is faster and 64-bit.
 */
final class Prng {
  private long state;

  Prng(long seed) {
    this.state = seed;
  }

  long nextLong() {
    long z = (state += 0x9e3779b97f4a7c15L);
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, bound), bound > 0. */
  int nextInt(int bound) {
    return (int) (((nextLong() >>> 33) * bound) >>> 31);
  }

  /** Uniform in [lo, hi] inclusive. */
  int between(int lo, int hi) {
    return lo + nextInt(hi - lo + 1);
  }

  /** Uniform in [0, 1). */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  boolean chance(double p) {
    return nextDouble() < p;
  }

  /** Exponentially distributed with the given mean (Poisson arrivals). */
  double exponential(double mean) {
    return -mean * Math.log(1.0 - nextDouble());
  }
}
