package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/** {@code -j DNAT} ({@code xt_nat.c}): destination NAT: rewrites the destination of a new connection; later packets follow the binding. nat table, PREROUTING and OUTPUT only. */
public final class DnatTarget extends NatTarget {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("DNAT",
      List.of(OptSpec.arg("to-destination"), flag("random"), flag("random-fully"), flag("persistent")),
      Map.of(), DnatTarget::new);

  private DnatTarget(Opts o, ExtContext c) {
    super(o, c, "DNAT", "to-destination", ExtContext.PRE_ROUTING | ExtContext.LOCAL_OUT,
        "PREROUTING and OUTPUT", true);
  }

  @Override
  public boolean destination() {
    return true;
  }
}
