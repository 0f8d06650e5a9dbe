package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/**
 * {@code -j TEE --gateway ADDR [--oif DEV]} ({@code xt_TEE.c}, {@code nf_dup_ipv4.c}): sends a clone of
 * the packet to the gateway; the original goes on ({@code XT_CONTINUE}). The clone leaves this host and is
 * not replayed through the hooks; the trace records it.
 */
public final class TeeTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("TEE",
      List.of(arg("gateway"), arg("oif")), Map.of(), TeeTarget::new);

  private final int gateway;
  private final String oif;
  /** The trace note, built once. */
  private final String note;

  private TeeTarget(Opts o, ExtContext c) {
    o.require("TEE: option \"--gateway\" must be specified", "gateway");
    gateway = Num.ipv4(o.str("gateway"));
    if (gateway == 0) {
      throw new ExtException("TEE: the gateway 0.0.0.0 is refused by the kernel");
    }
    oif = o.str("oif");
    if (oif != null && oif.length() >= 16) {
      throw new ExtException("TEE: --oif must be shorter than 16 characters");
    }
    note = "clone sent to " + Num.ipv4(gateway) + (oif != null ? " via " + oif : "");
  }

  public int gateway() { return gateway; }
  /** Output device, or null. */
  public String oif() { return oif; }

  @Override
  public String name() {
    return "TEE";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j TEE --gateway ").append(Num.ipv4(gateway));
    if (oif != null && !oif.isEmpty()) {
      sb.append(" --oif ").append(oif);
    }
  }

  /** tee_tg4: nf_dup_ipv4 sends the clone; the original continues. */
  @Override
  public int execute(PacketContext ctx) {
    ctx.log("TEE", note);
    return XtVerdict.CONTINUE;
  }
}
