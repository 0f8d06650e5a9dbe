package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m tcpmss --mss min[:max]} ({@code xt_tcpmss.c}): the MSS option of TCP SYNs. */
public final class TcpmssMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("tcpmss",
      List.of(invArg("mss")), Map.of(), TcpmssMatch::new);

  private final int min;
  private final int max;
  private final boolean invert;

  private TcpmssMatch(Opts o, ExtContext c) {
    c.requireProto("tcpmss", 6);
    o.require("tcpmss: --mss is required", "mss");
    final String s = o.str("mss");
    final int colon = s.indexOf(':');
    if (colon < 0) {
      min = (int) Num.parseUnsigned(s, 65535, "mss");
      max = min;
    } else {
      min = colon == 0 ? 0 : (int) Num.parseUnsigned(s.substring(0, colon), 65535, "mss");
      max = colon == s.length() - 1 ? 65535 : (int) Num.parseUnsigned(s.substring(colon + 1), 65535, "mss");
    }
    if (min > max) {
      throw new ExtException("tcpmss: min > max");
    }
    invert = o.inv("mss");
  }

  public int min() { return min; }
  public int max() { return max; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "tcpmss";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m tcpmss");
    Save.opt(sb, invert, "mss", Num.range(min, max));
  }
}
