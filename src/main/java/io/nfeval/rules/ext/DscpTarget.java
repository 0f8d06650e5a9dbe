package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/** {@code -j DSCP --set-dscp N | --set-dscp-class C} ({@code xt_DSCP.c}); mangle only. */
public final class DscpTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("DSCP",
      List.of(arg("set-dscp"), arg("set-dscp-class")), Map.of(), DscpTarget::new);

  private final int dscp;

  private DscpTarget(Opts o, ExtContext c) {
    if (!c.tableIs("mangle")) {
      throw new ExtException("DSCP is only valid in the mangle table");
    }
    dscp = Dscp.parse(o, "set-dscp", "set-dscp-class");
  }

  public int dscp() { return dscp; }

  @Override
  public String name() {
    return "DSCP";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j DSCP --set-dscp ").append(Tos.hex2(dscp));
  }

  /** dscp_tg: when the DSCP differs, {@code tos = (tos & 0x03) | dscp << 2}; continue. */
  @Override
  public int execute(PacketContext ctx) {
    final int tos = ctx.ip().tos();
    if ((tos >> 2) != dscp) {
      ctx.setTos((tos & 0x03) | (dscp << 2));
    }
    return XtVerdict.CONTINUE;
  }
}
