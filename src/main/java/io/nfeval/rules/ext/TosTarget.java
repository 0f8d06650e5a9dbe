package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/** {@code -j TOS} revision 1 ({@code xt_DSCP.c} tos_tg): {@code tos = (tos & ~mask) ^ value}; mangle only. */
public final class TosTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("TOS",
      List.of(arg("set-tos"), arg("and-tos"), arg("or-tos"), arg("xor-tos")), Map.of(), TosTarget::new);

  private final int value;
  private final int mask;

  private TosTarget(Opts o, ExtContext c) {
    if (!c.tableIs("mangle")) {
      throw new ExtException("TOS is only valid in the mangle table");
    }
    final int n = (o.has("set-tos") ? 1 : 0) + (o.has("and-tos") ? 1 : 0) + (o.has("or-tos") ? 1 : 0)
        + (o.has("xor-tos") ? 1 : 0);
    if (n != 1) {
      throw new ExtException("TOS: exactly one of --set-tos, --and-tos, --or-tos, --xor-tos is required");
    }
    if (o.has("set-tos")) {
      final int[] vm = Tos.parse(o.str("set-tos"), 0xff);
      value = vm[0];
      mask = vm[1];
    } else if (o.has("and-tos")) {
      value = 0;
      mask = ~(int) Num.parseUnsigned(o.str("and-tos"), 255, "TOS") & 0xff;
    } else if (o.has("or-tos")) {
      value = (int) Num.parseUnsigned(o.str("or-tos"), 255, "TOS");
      mask = value;
    } else {
      value = (int) Num.parseUnsigned(o.str("xor-tos"), 255, "TOS");
      mask = 0;
    }
  }

  public int value() { return value; }
  public int mask() { return mask; }

  @Override
  public String name() {
    return "TOS";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j TOS --set-tos ").append(Tos.hex2(value)).append('/').append(Tos.hex2(mask));
  }

  /** tos_tg (revision 1): {@code tos = (tos & ~mask) ^ value}, written when it changes; continue. */
  @Override
  public int execute(PacketContext ctx) {
    final int orig = ctx.ip().tos();
    final int nv = ((orig & ~mask) ^ value) & 0xff;
    if (nv != orig) {
      ctx.setTos(nv);
    }
    return XtVerdict.CONTINUE;
  }
}
