package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/** {@code -j SNAT} ({@code xt_nat.c}): source NAT: rewrites the source of a new connection; later packets follow the binding. nat table, POSTROUTING and INPUT only. */
public final class SnatTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("SNAT",
      List.of(OptSpec.arg("to-source"), flag("random"), flag("random-fully"), flag("persistent")),
      Map.of(), SnatTarget::new);

  private final NatRange range;
  private final boolean random;
  private final boolean randomFully;
  private final boolean persistent;

  private SnatTarget(Opts o, ExtContext c) {
    if (!c.tableIs("nat")) {
      throw new ExtException("SNAT is only valid in the nat table");
    }
    if (c.hookOutside(ExtContext.POST_ROUTING | ExtContext.LOCAL_IN)) {
      throw new ExtException("SNAT is only valid in POSTROUTING and INPUT");
    }
    o.require("SNAT: you must specify --to-source", "to-source");
    range = NatRange.parse(o.str("to-source"), c, false);
    random = o.has("random");
    randomFully = o.has("random-fully");
    persistent = o.has("persistent");
  }

  public NatRange range() { return range; }
  public boolean random() { return random; }
  public boolean randomFully() { return randomFully; }
  public boolean persistent() { return persistent; }

  @Override
  public String name() {
    return "SNAT";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j SNAT --to-source ").append(range.text());
    if (random) {
      sb.append(" --random");
    }
    if (randomFully) {
      sb.append(" --random-fully");
    }
    if (persistent) {
      sb.append(" --persistent");
    }
  }

  /** Carried out by the engine (ExtensionRunner), which owns the state this target changes. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("target '" + name() + "' is handled by the engine");
  }
}
