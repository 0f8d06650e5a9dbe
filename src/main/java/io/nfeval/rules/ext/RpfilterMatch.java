package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/** {@code -m rpfilter} ({@code ipt_rpfilter.c}): reverse-path lookup; raw/mangle PREROUTING only. */
public final class RpfilterMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("rpfilter",
      List.of(flag("loose"), flag("validmark"), flag("accept-local"), flag("invert")),
      Map.of(), RpfilterMatch::new);

  private final boolean loose;
  private final boolean validmark;
  private final boolean acceptLocal;
  private final boolean invert;

  private RpfilterMatch(Opts o, ExtContext c) {
    if (!c.tableIs("raw") && !c.tableIs("mangle")) {
      throw new ExtException("rpfilter: only valid in 'raw' or 'mangle' table");
    }
    if (c.hookOutside(ExtContext.PRE_ROUTING)) {
      throw new ExtException("rpfilter: only valid in PREROUTING");
    }
    loose = o.has("loose");
    validmark = o.has("validmark");
    acceptLocal = o.has("accept-local");
    invert = o.has("invert");
  }

  public boolean loose() { return loose; }
  public boolean validmark() { return validmark; }
  public boolean acceptLocal() { return acceptLocal; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "rpfilter";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m rpfilter");
    if (loose) {
      sb.append(" --loose");
    }
    if (validmark) {
      sb.append(" --validmark");
    }
    if (acceptLocal) {
      sb.append(" --accept-local");
    }
    if (invert) {
      sb.append(" --invert");
    }
  }

  /** rpfilter_mt: the reverse-path lookup, XOR --invert. */
  @Override
  public boolean matches(PacketContext ctx) {
    return ctx.reversePathOk(loose, validmark, acceptLocal) != invert;
  }
}
