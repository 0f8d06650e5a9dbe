package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m realm [!] --realm id[/mask]} ({@code xt_realm.c}): the routing realm ({@code tclassid}) of the
 * route the packet took. nfeval's routes carry no realms (routes with {@code realm} are rare), so the
 * realm is taken as 0 and the packet flagged. Names come from iproute2's default {@code rt_realms}
 * ({@code 0 cosmos}), which iptables-save prints for a full mask.
 */
public final class RealmMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("realm",
      List.of(invArg("realm")), Map.of(), RealmMatch::new);

  private final long id;
  private final long mask;
  private final boolean invert;

  private RealmMatch(Opts o, ExtContext c) {
    o.require("realm: option \"--realm\" must be specified", "realm");
    if (c.hookOutside(ExtContext.POST_ROUTING | ExtContext.FORWARD | ExtContext.LOCAL_OUT | ExtContext.LOCAL_IN)) {
      throw new ExtException("realm: only valid in the INPUT, FORWARD, OUTPUT and POSTROUTING chains");
    }
    final String s = o.str("realm");
    final int slash = s.indexOf('/');
    final String v = slash < 0 ? s : s.substring(0, slash);
    long i = Num.tryUnsigned(v);
    if (i < 0 && slash < 0 && s.equals("cosmos")) {
      i = 0;
    }
    if (i < 0 || i > 0xffffffffL) {
      throw new ExtException("realm: could not map name " + s + " to an integer value for option \"--realm\".");
    }
    id = i;
    if (slash >= 0) {
      mask = Num.parseUnsigned(s.substring(slash + 1), 0xffffffffL, "realm mask");
    } else {
      mask = 0xffffffffL;
    }
    invert = o.inv("realm");
  }

  public long id() { return id; }
  public long mask() { return mask; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "realm";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m realm");
    Save.opt(sb, invert, "realm").append(' ');
    if (mask != 0xffffffffL) {
      sb.append(Num.hex(id)).append('/').append(Num.hex(mask));
    } else if (id == 0) {
      sb.append("cosmos");
    } else {
      sb.append(Num.hex(id));
    }
  }

  /** realm_mt: {@code (id == (dst->tclassid & mask)) ^ invert}, with tclassid taken as 0. */
  @Override
  public boolean matches(PacketContext ctx) {
    ctx.assume("realm");
    return (id == 0) != invert;
  }
}
