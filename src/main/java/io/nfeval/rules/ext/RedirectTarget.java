package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/** {@code -j REDIRECT} ({@code xt_REDIRECT.c}): DNAT to the incoming interface's primary address (127.0.0.1 in OUTPUT). */
public final class RedirectTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("REDIRECT",
      List.of(OptSpec.arg("to-ports"), flag("random")), Map.of(), RedirectTarget::new);

  private final boolean hasPorts;
  private final int minPort;
  private final int maxPort;
  private final boolean random;

  private RedirectTarget(Opts o, ExtContext c) {
    if (!c.tableIs("nat") || c.hookOutside(ExtContext.PRE_ROUTING | ExtContext.LOCAL_OUT)) {
      throw new ExtException("REDIRECT is only valid in nat PREROUTING and OUTPUT");
    }
    hasPorts = o.has("to-ports");
    final int[] p = hasPorts ? NatRange.ports(o.str("to-ports"), c, false) : new int[3];
    minPort = p[0];
    maxPort = p[1];
    random = o.has("random");
  }

  public boolean hasPorts() { return hasPorts; }
  public int minPort() { return minPort; }
  public int maxPort() { return maxPort; }
  public boolean random() { return random; }

  @Override
  public String name() {
    return "REDIRECT";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j REDIRECT");
    if (hasPorts) {
      NatRange.saveToPorts(sb, minPort, maxPort);
    }
    if (random) {
      sb.append(" --random");
    }
  }

  /** Carried out by the engine (ExtensionRunner), which owns the state this target changes. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("target '" + name() + "' is handled by the engine");
  }
}
