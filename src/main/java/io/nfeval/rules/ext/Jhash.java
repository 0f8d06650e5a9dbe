package io.nfeval.rules.ext;

/**
 * The kernel's {@code include/linux/jhash.h} (Bob Jenkins' lookup3 as the kernel writes it) and
 * {@code reciprocal_scale}, for the extensions that spread packets by hash (cluster, HMARK).
 */
final class Jhash {
  /** JHASH_INITVAL. */
  static final int INITVAL = 0xdeadbeef;

  private Jhash() {}

  /** jhash_3words(a, b, c, initval). */
  static int words3(int a, int b, int c, int initval) {
    return nwords(a, b, c, initval + INITVAL + (3 << 2));
  }

  /** jhash_1word(a, initval). */
  static int word1(int a, int initval) {
    return nwords(a, 0, 0, initval + INITVAL + (1 << 2));
  }

  /** __jhash_nwords then __jhash_final. */
  private static int nwords(int a, int b, int c, int initval) {
    a += initval;
    b += initval;
    c += initval;
    c ^= b;
    c -= Integer.rotateLeft(b, 14);
    a ^= c;
    a -= Integer.rotateLeft(c, 11);
    b ^= a;
    b -= Integer.rotateLeft(a, 25);
    c ^= b;
    c -= Integer.rotateLeft(b, 16);
    a ^= c;
    a -= Integer.rotateLeft(c, 4);
    b ^= a;
    b -= Integer.rotateLeft(a, 14);
    c ^= b;
    c -= Integer.rotateLeft(b, 24);
    return c;
  }

  /** reciprocal_scale(val, ep_ro): {@code (u64) val * ep_ro >> 32}. */
  static long scale(int val, long range) {
    return ((val & 0xffffffffL) * range) >>> 32;
  }
}
