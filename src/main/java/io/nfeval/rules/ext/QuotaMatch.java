package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m quota [!] --quota bytes} ({@code xt_quota.c}): a byte budget per rule that each matching
 * packet spends; once a packet no longer fits, the quota is emptied and nothing fits any more.
 */
public final class QuotaMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("quota",
      List.of(invArg("quota")), Map.of(), QuotaMatch::new);

  /** The initial quota, an unsigned 64-bit number. */
  private final long quota;
  private final boolean invert;

  private QuotaMatch(Opts o, ExtContext c) {
    o.require("quota: option \"--quota\" must be specified", "quota");
    quota = parseU64(o.str("quota"));
    invert = o.inv("quota");
  }

  /** strtoull(s, 0) up to 2^64-1 as XTTYPE_UINT64. */
  private static long parseU64(String s) {
    final String bad = "quota: bad value for option \"--quota\", or out of range (0-18446744073709551615).";
    if (s == null || s.isEmpty()) {
      throw new ExtException(bad);
    }
    final String t = s.toLowerCase(java.util.Locale.ROOT);
    int radix = 10;
    String digits = t;
    if (t.startsWith("0x")) {
      radix = 16;
      digits = t.substring(2);
    } else if (t.length() > 1 && t.startsWith("0")) {
      radix = 8;
      digits = t.substring(1);
    }
    if (digits.isEmpty() || Character.digit(digits.charAt(0), radix) < 0) {
      throw new ExtException(bad);
    }
    try {
      return Long.parseUnsignedLong(digits, radix);
    } catch (NumberFormatException e) {
      throw new ExtException(bad);
    }
  }

  /** The quota in bytes (unsigned). */
  public long quota() { return quota; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "quota";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m quota");
    Save.opt(sb, invert, "quota", Long.toUnsignedString(quota));
  }

  /** The bytes left for this rule (the kernel's {@code xt_quota_priv.quota}). */
  @Override
  public Object newState() {
    return new long[] {quota};
  }

  /**
   * quota_mt: when the packet (skb->len) fits in what is left, spend it and match ({@code !invert});
   * else empty the quota and return {@code invert}.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final long[] left = (long[]) ctx.matchState();
    final long len = ctx.length();
    if (Long.compareUnsigned(left[0], len) >= 0) {
      left[0] -= len;
      return !invert;
    }
    left[0] = 0;
    return invert;
  }
}
