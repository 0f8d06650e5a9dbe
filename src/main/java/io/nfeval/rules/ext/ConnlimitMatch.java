package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;
import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m connlimit} ({@code xt_connlimit.c}): number of connections per address group. */
public final class ConnlimitMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("connlimit",
      List.of(invArg("connlimit-upto"), invArg("connlimit-above"), arg("connlimit-mask"),
          flag("connlimit-saddr"), flag("connlimit-daddr")),
      Map.of(), ConnlimitMatch::new);

  private final long limit;
  private final boolean above;
  private final int maskLen;
  private final boolean daddr;

  private ConnlimitMatch(Opts o, ExtContext c) {
    if (o.has("connlimit-upto") == o.has("connlimit-above")) {
      throw new ExtException("connlimit: exactly one of --connlimit-upto/--connlimit-above is required");
    }
    final String key = o.has("connlimit-upto") ? "connlimit-upto" : "connlimit-above";
    limit = Num.parseUnsigned(o.str(key), 0xffffffffL, key);
    above = key.equals("connlimit-above") != o.inv(key);
    maskLen = o.has("connlimit-mask") ? (int) Num.parseUnsigned(o.str("connlimit-mask"), 32, "mask") : 32;
    if (o.has("connlimit-saddr") && o.has("connlimit-daddr")) {
      throw new ExtException("connlimit: --connlimit-saddr and --connlimit-daddr are exclusive");
    }
    daddr = o.has("connlimit-daddr");
  }

  public long limit() { return limit; }
  /** True: match when the count is above the limit; false: up to it. */
  public boolean above() { return above; }
  public int maskLen() { return maskLen; }
  /** Group by destination address (else source). */
  public boolean daddr() { return daddr; }

  @Override
  public String name() {
    return "connlimit";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m connlimit").append(above ? " --connlimit-above " : " --connlimit-upto ").append(limit)
        .append(" --connlimit-mask ").append(maskLen).append(daddr ? " --connlimit-daddr" : " --connlimit-saddr");
  }
}
