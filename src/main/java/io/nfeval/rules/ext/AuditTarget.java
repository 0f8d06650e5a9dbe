package io.nfeval.rules.ext;

import java.util.List;
import java.util.Map;

/** {@code -j AUDIT --type accept|drop|reject} ({@code xt_AUDIT.c}): audit record; non-terminating. */
public final class AuditTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("AUDIT",
      List.of(OptSpec.arg("type")), Map.of(), AuditTarget::new);

  private final String type;

  private AuditTarget(Opts o, ExtContext c) {
    o.require("AUDIT: --type is required", "type");
    type = o.str("type");
    if (!List.of("accept", "drop", "reject").contains(type)) {
      throw new ExtException("AUDIT: bad --type \"" + type + "\"");
    }
  }

  public String type() { return type; }

  @Override
  public String name() {
    return "AUDIT";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j AUDIT --type ").append(type);
  }

  /** audit_tg: an audit record (recorded in the trace with its type); continue. */
  @Override
  public int execute(PacketContext ctx) {
    ctx.log("AUDIT", type);
    return XtVerdict.CONTINUE;
  }
}
