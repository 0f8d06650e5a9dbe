package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/**
 * {@code -j CT} revision 2 ({@code xt_CT.c}): attach a conntrack template (notrack, helper, zone,
 * timeout policy, event masks) before conntrack runs; raw table only. The first CT rule that matches
 * decides.
 */
public final class CtTarget implements Target {
  private static final List<String> CT_EVENTS = List.of("new", "related", "destroy", "reply", "assured",
      "protoinfo", "helper", "mark", "natseqinfo", "secmark");

  public static final ExtSpec<Target> SPEC = new ExtSpec<>("CT",
      List.of(flag("notrack"), arg("helper"), arg("timeout"), arg("ctevents"), arg("expevents"), arg("zone"),
          arg("zone-orig"), arg("zone-reply")),
      Map.of(), CtTarget::new);

  private final boolean notrack;
  private final String helper;
  private final String timeout;
  private final String ctevents;
  private final String expevents;
  private final int zone;
  private final String zoneOpt;

  private CtTarget(Opts o, ExtContext c) {
    if (!c.tableIs("raw")) {
      throw new ExtException("CT is only valid in the raw table");
    }
    notrack = o.has("notrack");
    helper = o.str("helper");
    timeout = o.str("timeout");
    ctevents = o.has("ctevents") ? events(o.str("ctevents"), CT_EVENTS) : null;
    expevents = o.has("expevents") ? events(o.str("expevents"), List.of("new")) : null;
    String zo = null;
    int z = 0;
    for (String n : new String[] {"zone", "zone-orig", "zone-reply"}) {
      if (o.has(n)) {
        if (zo != null) {
          throw new ExtException("CT: only one zone option");
        }
        zo = n;
        z = (int) Num.parseUnsigned(o.str(n), 65535, "zone");
      }
    }
    zoneOpt = zo;
    zone = z;
  }

  private static String events(String s, List<String> names) {
    int mask = 0;
    for (String e : s.split(",")) {
      final int i = names.indexOf(e);
      if (i < 0) {
        throw new ExtException("CT: unknown event \"" + e + "\"");
      }
      mask |= 1 << i;
    }
    final StringBuilder sb = new StringBuilder();
    for (int i = 0; i < names.size(); i++) {
      if ((mask & (1 << i)) != 0) {
        sb.append(sb.length() == 0 ? "" : ",").append(names.get(i));
      }
    }
    return sb.toString();
  }

  public boolean notrack() { return notrack; }
  public String helper() { return helper; }
  public String timeout() { return timeout; }
  public int zone() { return zone; }

  @Override
  public String name() {
    return "CT";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j CT");
    if (notrack) {
      sb.append(" --notrack");
    }
    if (helper != null) {
      sb.append(" --helper ").append(helper);
    }
    if (timeout != null) {
      sb.append(" --timeout ").append(timeout);
    }
    if (ctevents != null) {
      sb.append(" --ctevents ").append(ctevents);
    }
    if (expevents != null) {
      sb.append(" --expevents ").append(expevents);
    }
    if (zoneOpt != null) {
      sb.append(" --").append(zoneOpt).append(' ').append(zone);
    }
  }

  /** Carried out by the engine (ExtensionRunner), which owns the state this target changes. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("target '" + name() + "' is handled by the engine");
  }
}
