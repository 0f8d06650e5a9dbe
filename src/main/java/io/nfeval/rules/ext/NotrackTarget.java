package io.nfeval.rules.ext;

import java.util.List;
import java.util.Map;

/** {@code -j NOTRACK} ({@code xt_CT.c} notrack_tg: the packet skips connection tracking (UNTRACKED); raw table only). */
public final class NotrackTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("NOTRACK", List.of(), Map.of(), NotrackTarget::new);

  private NotrackTarget(Opts o, ExtContext c) {
    if (!c.tableIs("raw")) { throw new ExtException("NOTRACK is only valid in the raw table"); }
  }

  @Override
  public String name() {
    return "NOTRACK";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j NOTRACK");
  }

  /** Carried out by the engine (ExtensionRunner), which owns the state this target changes. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("target '" + name() + "' is handled by the engine");
  }
}
