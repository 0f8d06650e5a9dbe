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
  /**
   * The template's zone: id u16, then {@link #ZONE_DIR_ORIG} / {@link #ZONE_DIR_REPL} (neither: both
   * directions) and {@link #ZONE_FROM_MARK}; the same packing as the conntrack package's zones.
   */
  private final int zone;

  /** --zone-orig: the zone applies to the original direction only (NF_CT_ZONE_DIR_ORIG). */
  public static final int ZONE_DIR_ORIG = 1 << 16;
  /** --zone-reply: the zone applies to the reply direction only (NF_CT_ZONE_DIR_REPL). */
  public static final int ZONE_DIR_REPL = 2 << 16;
  /** "mark": the zone id is the packet's mark when conntrack runs (NF_CT_FLAG_MARK). */
  public static final int ZONE_FROM_MARK = 1 << 18;

  private CtTarget(Opts o, ExtContext c) {
    if (!c.tableIs("raw")) {
      throw new ExtException("CT is only valid in the raw table");
    }
    notrack = o.has("notrack");
    helper = o.str("helper");
    timeout = o.str("timeout");
    ctevents = o.has("ctevents") ? events(o.str("ctevents"), CT_EVENTS) : null;
    expevents = o.has("expevents") ? events(o.str("expevents"), List.of("new")) : null;
    zone = zone(o);
  }

  /**
   * libxt_CT's ct_parse_zone_id, option by option in the order given: --zone-orig and --zone-reply add
   * their direction flag, "mark" adds XT_CT_ZONE_MARK, and the id is the last one given (0 for "mark").
   * Both directions together are the default both-ways zone (xt_ct_flags_to_dir).
   */
  private static int zone(Opts o) {
    int dirs = 0;
    boolean mark = false;
    int id = 0;
    for (Opts.Given g : o.all()) {
      final String n = g.spec().name();
      if (!n.equals("zone") && !n.equals("zone-orig") && !n.equals("zone-reply")) {
        continue;
      }
      if (n.equals("zone-orig")) {
        dirs |= ZONE_DIR_ORIG;
      } else if (n.equals("zone-reply")) {
        dirs |= ZONE_DIR_REPL;
      }
      if (g.arg().equalsIgnoreCase("mark")) {
        mark = true;
        id = 0;
      } else {
        id = (int) Num.parseUnsigned(g.arg(), 65535, "zone ID");
      }
    }
    if (dirs == (ZONE_DIR_ORIG | ZONE_DIR_REPL)) {
      dirs = 0;
    }
    return id | dirs | (mark ? ZONE_FROM_MARK : 0);
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
  /** The template's zone (see {@link #ZONE_DIR_ORIG}; {@link #ZONE_FROM_MARK}: the id comes from the mark). */
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
    // ct_print_v1: nothing for zone 0 without "mark"
    if ((zone & ZONE_FROM_MARK) != 0 || (zone & 0xffff) != 0) {
      sb.append(" --zone");
      if ((zone & ZONE_DIR_ORIG) != 0 && (zone & ZONE_DIR_REPL) == 0) {
        sb.append("-orig");
      } else if ((zone & ZONE_DIR_REPL) != 0 && (zone & ZONE_DIR_ORIG) == 0) {
        sb.append("-reply");
      }
      if ((zone & ZONE_FROM_MARK) != 0) {
        sb.append(" mark");
      } else {
        sb.append(' ').append(zone & 0xffff);
      }
    }
  }

  /** Carried out by the engine (ExtensionRunner), which owns the state this target changes. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("target '" + name() + "' is handled by the engine");
  }
}
