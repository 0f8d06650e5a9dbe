package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m tos --tos value[/mask]} revision 1 ({@code xt_dscp.c} tos_mt). */
public final class TosMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("tos",
      List.of(invArg("tos")), Map.of(), TosMatch::new);

  private final int value;
  private final int mask;
  private final boolean invert;

  private TosMatch(Opts o, ExtContext c) {
    o.require("tos: --tos is required", "tos");
    final int[] vm = Tos.parse(o.str("tos"), 0xff);
    value = vm[0];
    mask = vm[1];
    invert = o.inv("tos");
  }

  public int value() { return value; }
  public int mask() { return mask; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "tos";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m tos");
    Save.opt(sb, invert, "tos", Tos.hex2(value) + "/" + Tos.hex2(mask));
  }

  /** tos_mt (revision 1): {@code ((tos & mask) == value) ^ invert}. */
  @Override
  public boolean matches(PacketContext ctx) {
    return ((ctx.ip().tos() & mask) == value) != invert;
  }
}
