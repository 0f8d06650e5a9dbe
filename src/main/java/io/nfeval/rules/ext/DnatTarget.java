package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/** {@code -j DNAT} ({@code xt_nat.c}): destination NAT: rewrites the destination of a new connection; later packets follow the binding. nat table, PREROUTING and OUTPUT only. */
public final class DnatTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("DNAT",
      List.of(OptSpec.arg("to-destination"), flag("random"), flag("random-fully"), flag("persistent")),
      Map.of(), DnatTarget::new);

  private final NatRange range;
  private final boolean random;
  private final boolean randomFully;
  private final boolean persistent;

  private DnatTarget(Opts o, ExtContext c) {
    if (!c.tableIs("nat")) {
      throw new ExtException("DNAT is only valid in the nat table");
    }
    if (c.hookOutside(ExtContext.PRE_ROUTING | ExtContext.LOCAL_OUT)) {
      throw new ExtException("DNAT is only valid in PREROUTING and OUTPUT");
    }
    o.require("DNAT: you must specify --to-destination", "to-destination");
    range = NatRange.parse(o.str("to-destination"), c, true);
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
    return "DNAT";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j DNAT --to-destination ").append(range.text());
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
