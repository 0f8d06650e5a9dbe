package io.nfeval.rules.ext;

import java.util.List;
import java.util.Map;

/** {@code -j TRACE} ({@code xt_TRACE.c}: marks the packet for rule tracing; raw table only; non-terminating). */
public final class TraceTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("TRACE", List.of(), Map.of(), TraceTarget::new);

  private TraceTarget(Opts o, ExtContext c) {
    if (!c.tableIs("raw")) { throw new ExtException("TRACE is only valid in the raw table"); }
  }

  @Override
  public String name() {
    return "TRACE";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j TRACE");
  }

  /** Carried out by the engine (ExtensionRunner), which owns the state this target changes. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("target '" + name() + "' is handled by the engine");
  }
}
