package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m dscp --dscp N | --dscp-class C} ({@code xt_dscp.c}). */
public final class DscpMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("dscp",
      List.of(invArg("dscp"), invArg("dscp-class")), Map.of(), DscpMatch::new);

  private final int dscp;
  private final boolean invert;

  private DscpMatch(Opts o, ExtContext c) {
    dscp = Dscp.parse(o, "dscp", "dscp-class");
    invert = o.inv("dscp") || o.inv("dscp-class");
  }

  public int dscp() { return dscp; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "dscp";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m dscp");
    Save.opt(sb, invert, "dscp", Tos.hex2(dscp));
  }

  /** dscp_mt: {@code (tos >> 2) == dscp}, inverted. */
  @Override
  public boolean matches(PacketContext ctx) {
    return ((ctx.ip().tos() >> 2) == dscp) != invert;
  }
}
