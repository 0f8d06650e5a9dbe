package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/** {@code -j SNAT} ({@code xt_nat.c}): source NAT: rewrites the source of a new connection; later packets follow the binding. nat table, POSTROUTING and INPUT only. */
public final class SnatTarget extends NatTarget {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("SNAT",
      List.of(OptSpec.arg("to-source"), flag("random"), flag("random-fully"), flag("persistent")),
      Map.of(), SnatTarget::new);

  private SnatTarget(Opts o, ExtContext c) {
    super(o, c, "SNAT", "to-source", ExtContext.POST_ROUTING | ExtContext.LOCAL_IN,
        "POSTROUTING and INPUT", false);
  }

  @Override
  public boolean destination() {
    return false;
  }
}
