package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m helper --helper NAME} ({@code xt_helper.c}): the conntrack helper of the master connection. */
public final class HelperMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("helper",
      List.of(invArg("helper")), Map.of(), HelperMatch::new);

  private final String helper;
  private final boolean invert;

  private HelperMatch(Opts o, ExtContext c) {
    o.require("helper: --helper is required", "helper");
    helper = o.str("helper");
    if (helper.length() > 29) {
      throw new ExtException("helper name too long");
    }
    invert = o.inv("helper");
  }

  public String helper() { return helper; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "helper";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m helper").append(invert ? " ! --helper" : " --helper");
    Save.string(sb, helper);
  }

  /** IPS_EXPECTED: the connection was created from an expectation of a master. */
  private static final int IPS_EXPECTED = 1;

  /**
   * helper_mt: only an expected connection has a master; the master's helper name is compared with
   * {@code strncmp(helper, name, strlen(helper))}. The engine reports the master's helper through
   * {@link PacketContext#ctHelper()} for expected connections.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    boolean ret = invert;
    final int ctinfo = ctx.ctInfo();
    if (ctinfo < 0 || ctinfo > 4 || (ctx.ctStatus() & IPS_EXPECTED) == 0) {
      return ret;
    }
    final String h = ctx.ctHelper();
    if (h == null) {
      return ret;
    }
    if (helper.isEmpty()) {
      return !ret;
    }
    return ret ^ helper.startsWith(h);
  }
}
