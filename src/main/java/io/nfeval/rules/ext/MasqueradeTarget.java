package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/** {@code -j MASQUERADE} ({@code xt_MASQUERADE.c}): SNAT to the outgoing interface's address. */
public final class MasqueradeTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("MASQUERADE",
      List.of(OptSpec.arg("to-ports"), flag("random"), flag("random-fully")), Map.of(), MasqueradeTarget::new);

  private final boolean hasPorts;
  private final int minPort;
  private final int maxPort;
  private final boolean random;
  private final boolean randomFully;

  private MasqueradeTarget(Opts o, ExtContext c) {
    if (!c.tableIs("nat") || c.hookOutside(ExtContext.POST_ROUTING)) {
      throw new ExtException("MASQUERADE is only valid in nat POSTROUTING");
    }
    hasPorts = o.has("to-ports");
    final int[] p = hasPorts ? NatRange.ports(o.str("to-ports"), c, false) : new int[3];
    minPort = p[0];
    maxPort = p[1];
    random = o.has("random");
    randomFully = o.has("random-fully");
  }

  public boolean hasPorts() { return hasPorts; }
  public int minPort() { return minPort; }
  public int maxPort() { return maxPort; }
  public boolean random() { return random; }
  public boolean randomFully() { return randomFully; }

  @Override
  public String name() {
    return "MASQUERADE";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j MASQUERADE");
    if (hasPorts) {
      NatRange.saveToPorts(sb, minPort, maxPort);
    }
    if (random) {
      sb.append(" --random");
    }
    if (randomFully) {
      sb.append(" --random-fully");
    }
  }

  /** Carried out by the engine (ExtensionRunner), which owns the state this target changes. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("target '" + name() + "' is handled by the engine");
  }
}
