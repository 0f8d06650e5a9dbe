package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m length --length min[:max]} ({@code xt_length.c}): IP total length. */
public final class LengthMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("length",
      List.of(invArg("length")), Map.of(), LengthMatch::new);

  private final int min;
  private final int max;
  private final boolean invert;

  private LengthMatch(Opts o, ExtContext c) {
    o.require("length: --length is required", "length");
    final String s = o.str("length");
    final int colon = s.indexOf(':');
    if (colon < 0) {
      min = (int) Num.parseUnsigned(s, 65535, "length");
      max = min;
    } else {
      min = colon == 0 ? 0 : (int) Num.parseUnsigned(s.substring(0, colon), 65535, "length");
      max = colon == s.length() - 1 ? 65535 : (int) Num.parseUnsigned(s.substring(colon + 1), 65535, "length");
    }
    if (min > max) {
      throw new ExtException("length: min > max");
    }
    invert = o.inv("length");
  }

  public int min() { return min; }
  public int max() { return max; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "length";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m length");
    Save.opt(sb, invert, "length", Num.range(min, max));
  }

  /** length_mt: the IP header's total length (the whole datagram after defragmentation). */
  @Override
  public boolean matches(PacketContext ctx) {
    final int len = ctx.ip().totalLength();
    return (len >= min && len <= max) != invert;
  }
}
