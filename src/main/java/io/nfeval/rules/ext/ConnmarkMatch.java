package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m connmark --mark value[/mask]} ({@code xt_connmark.c}): tests the connection's mark. */
public final class ConnmarkMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("connmark",
      List.of(invArg("mark")), Map.of(), ConnmarkMatch::new);

  private final int mark;
  private final int mask;
  private final boolean invert;

  private ConnmarkMatch(Opts o, ExtContext c) {
    o.require("connmark: --mark is required", "mark");
    final long[] vm = Num.valueMask(o.str("mark"), 0xffffffffL, "mark");
    mark = (int) vm[0];
    mask = (int) vm[1];
    invert = o.inv("mark");
  }

  public int mark() { return mark; }
  public int mask() { return mask; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "connmark";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m connmark");
    Save.opt(sb, invert, "mark", Num.hex(mark) + (mask == -1 ? "" : "/" + Num.hex(mask)));
  }

  /** connmark_mt: no connection never matches; else {@code ((ct->mark & mask) == mark) ^ invert}. */
  @Override
  public boolean matches(PacketContext ctx) {
    final int ctinfo = ctx.ctInfo();
    if (ctinfo < 0 || ctinfo > 4) {
      return false;
    }
    return ((ctx.ctMark() & mask) == mark) != invert;
  }
}
