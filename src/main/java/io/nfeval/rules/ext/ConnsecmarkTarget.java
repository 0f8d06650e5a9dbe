package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/**
 * {@code -j CONNSECMARK --save|--restore} ({@code xt_CONNSECMARK.c}): copies the SELinux secmark between
 * packet and connection. No LSM is modelled, so there is nothing to copy: continue. mangle and security
 * tables only.
 */
public final class ConnsecmarkTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("CONNSECMARK",
      List.of(flag("save"), flag("restore")), Map.of(), ConnsecmarkTarget::new);

  private final boolean save;

  private ConnsecmarkTarget(Opts o, ExtContext c) {
    if (!c.tableIs("mangle") && !c.tableIs("security")) {
      throw new ExtException("CONNSECMARK: only valid in 'mangle' or 'security' table, not '" + c.table() + "'");
    }
    if (o.has("save") && o.has("restore")) {
      throw new ExtException("CONNSECMARK: option \"--save\" cannot be used together with \"--restore\".");
    }
    o.require("CONNSECMARK target: parameter required", "save", "restore");
    save = o.has("save");
  }

  /** True for --save, false for --restore. */
  public boolean isSave() { return save; }

  @Override
  public String name() {
    return "CONNSECMARK";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j CONNSECMARK").append(save ? " --save" : " --restore");
  }

  /** connsecmark_tg: secmark copy (no SELinux modelled); continue. */
  @Override
  public int execute(PacketContext ctx) {
    return XtVerdict.CONTINUE;
  }
}
