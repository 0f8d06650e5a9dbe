package io.nfeval.rules.ext;

import java.util.List;
import java.util.Map;

/** {@code -j NETMAP --to net/mask} ({@code xt_NETMAP.c}): 1:1 prefix translation. */
public final class NetmapTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("NETMAP",
      List.of(OptSpec.arg("to")), Map.of(), NetmapTarget::new);

  private final int addr;
  private final int mask;

  private NetmapTarget(Opts o, ExtContext c) {
    if (!c.tableIs("nat")) {
      throw new ExtException("NETMAP is only valid in the nat table");
    }
    o.require("NETMAP: --to is required", "to");
    final int[] am = Num.addrMask(o.str("to"));
    addr = am[0];
    mask = am[1];
  }

  public int addr() { return addr; }
  public int mask() { return mask; }

  @Override
  public String name() {
    return "NETMAP";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j NETMAP --to ").append(Num.addrMask(addr, mask));
  }

  /** Carried out by the engine (ExtensionRunner), which owns the state this target changes. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("target '" + name() + "' is handled by the engine");
  }
}
