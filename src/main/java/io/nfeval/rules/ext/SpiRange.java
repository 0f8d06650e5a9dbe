package io.nfeval.rules.ext;

/**
 * The SPI range of {@code -m ah --ahspi} and {@code -m esp --espspi} (iptables' {@code XTTYPE_UINT32RC}):
 * {@code n}, {@code a:b}, {@code :b}, {@code a:}, {@code :}; printed only when it is not the whole range
 * or is inverted, as {@code print_spis} does.
 */
record SpiRange(long min, long max, boolean invert) {
  static final SpiRange ALL = new SpiRange(0, 0xffffffffL, false);

  static SpiRange parse(String ext, String opt, Opts.Given g) {
    if (g == null) {
      return ALL;
    }
    final String s = g.arg();
    final int c = s.indexOf(':');
    final long min;
    final long max;
    if (c < 0) {
      min = one(ext, opt, s, s);
      max = min;
    } else {
      min = c == 0 ? 0 : one(ext, opt, s, s.substring(0, c));
      max = c == s.length() - 1 ? 0xffffffffL : one(ext, opt, s, s.substring(c + 1));
    }
    if (min > max) {
      throw new ExtException(ext + ": bad value for option \"--" + opt + "\" near \"" + s
          + "\", or out of range (min > max)");
    }
    return new SpiRange(min, max, g.inv());
  }

  private static long one(String ext, String opt, String whole, String s) {
    final long v = Num.tryUnsigned(s);
    if (v < 0 || v > 0xffffffffL) {
      throw new ExtException(ext + ": bad value for option \"--" + opt + "\" near \"" + whole
          + "\", or out of range (0-4294967295).");
    }
    return v;
  }

  void save(StringBuilder sb, String opt) {
    if (min != 0 || max != 0xffffffffL || invert) {
      Save.opt(sb, invert, opt, min == max ? Long.toString(min) : min + ":" + max);
    }
  }

  /** spi_match: {@code (min <= spi <= max) ^ invert}. */
  boolean test(long spi) {
    return (spi >= min && spi <= max) != invert;
  }
}
