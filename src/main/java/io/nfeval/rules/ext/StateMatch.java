package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m state --state} (the conntrack match's state alias in {@code libxt_conntrack.c}). */
public final class StateMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("state",
      List.of(invArg("state")), Map.of(), StateMatch::new);

  private final int stateMask;
  private final boolean invert;

  private StateMatch(Opts o, ExtContext c) {
    o.require("state match: you must specify \"--state\"", "state");
    stateMask = ConntrackMatch.parseStates(o.str("state"), false);
    invert = o.inv("state");
  }

  /** State bits as {@link ConntrackMatch#STATE_NEW} etc. */
  public int stateMask() { return stateMask; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "state";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m state");
    Save.opt(sb, invert, "state", ConntrackMatch.statesText(stateMask));
  }

  // ---- evaluation (xt_state.c state_mt) ---------------------------------------------------------

  /** state_mt: the packet's state bit (as {@link ConntrackMatch#stateBit}) against the mask. */
  @Override
  public boolean matches(PacketContext ctx) {
    return ((stateMask & ConntrackMatch.stateBit(ctx.ctInfo())) != 0) != invert;
  }
}
