package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m mac --mac-source XX:XX:XX:XX:XX:XX} ({@code xt_mac.c}); only before routing. */
public final class MacMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("mac",
      List.of(invArg("mac-source")), Map.of(), MacMatch::new);

  private final long mac;
  private final boolean invert;

  private MacMatch(Opts o, ExtContext c) {
    o.require("mac: --mac-source is required", "mac-source");
    if (c.hookOutside(ExtContext.PRE_ROUTING | ExtContext.LOCAL_IN | ExtContext.FORWARD)) {
      throw new ExtException("mac match is valid only in PREROUTING, INPUT and FORWARD");
    }
    mac = parse(o.str("mac-source"));
    invert = o.inv("mac-source");
  }

  static long parse(String s) {
    final String[] p = s.split(":", -1);
    if (p.length != 6) {
      throw new ExtException("Bad mac address \"" + s + "\"");
    }
    long v = 0;
    for (String b : p) {
      if (b.isEmpty() || b.length() > 2) {
        throw new ExtException("Bad mac address \"" + s + "\"");
      }
      try {
        v = (v << 8) | Integer.parseInt(b, 16);
      } catch (NumberFormatException e) {
        throw new ExtException("Bad mac address \"" + s + "\"");
      }
    }
    return v;
  }

  static String text(long mac) {
    final StringBuilder sb = new StringBuilder();
    for (int i = 5; i >= 0; i--) {
      sb.append(String.format("%02x", (mac >>> (8 * i)) & 0xff)).append(i == 0 ? "" : ":");
    }
    return sb.toString();
  }

  /** The 48-bit source MAC address in the low bits. */
  public long mac() { return mac; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "mac";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m mac");
    Save.opt(sb, invert, "mac-source", text(mac));
  }

  /** mac_mt: without an Ethernet header the match fails (inversion does not help); else compare. */
  @Override
  public boolean matches(PacketContext ctx) {
    if (!ctx.hasSourceMac()) {
      return false;
    }
    return (ctx.sourceMac() == mac) != invert;
  }
}
