package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;
import static io.nfeval.rules.ext.OptSpec.invFlag;

import java.util.List;
import java.util.Map;

/** {@code -m physdev} ({@code xt_physdev.c}): bridge port of a bridged packet. */
public final class PhysdevMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("physdev",
      List.of(invArg("physdev-in"), invArg("physdev-out"), invFlag("physdev-is-in"),
          invFlag("physdev-is-out"), invFlag("physdev-is-bridged")),
      Map.of(), PhysdevMatch::new);

  private final String physIn;
  private final boolean invIn;
  private final String physOut;
  private final boolean invOut;
  private final boolean isIn;
  private final boolean invIsIn;
  private final boolean isOut;
  private final boolean invIsOut;
  private final boolean isBridged;
  private final boolean invIsBridged;

  private PhysdevMatch(Opts o, ExtContext c) {
    if (o.isEmpty()) {
      throw new ExtException("PHYSDEV: no physdev option specified");
    }
    physIn = o.str("physdev-in");
    invIn = o.inv("physdev-in");
    physOut = o.str("physdev-out");
    invOut = o.inv("physdev-out");
    isIn = o.has("physdev-is-in");
    invIsIn = o.inv("physdev-is-in");
    isOut = o.has("physdev-is-out");
    invIsOut = o.inv("physdev-is-out");
    isBridged = o.has("physdev-is-bridged");
    invIsBridged = o.inv("physdev-is-bridged");
    for (String s : new String[] {physIn, physOut}) {
      if (s != null && (s.isEmpty() || s.length() > 15)) {
        throw new ExtException("physdev: bad interface name");
      }
    }
  }

  public String physIn() { return physIn; }
  public boolean invIn() { return invIn; }
  public String physOut() { return physOut; }
  public boolean invOut() { return invOut; }
  public boolean isIn() { return isIn; }
  public boolean invIsIn() { return invIsIn; }
  public boolean isOut() { return isOut; }
  public boolean invIsOut() { return invIsOut; }
  public boolean isBridged() { return isBridged; }
  public boolean invIsBridged() { return invIsBridged; }

  @Override
  public String name() {
    return "physdev";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m physdev");
    if (isIn) {
      Save.opt(sb, invIsIn, "physdev-is-in");
    }
    if (physIn != null) {
      Save.opt(sb, invIn, "physdev-in", physIn);
    }
    if (isOut) {
      Save.opt(sb, invIsOut, "physdev-is-out");
    }
    if (physOut != null) {
      Save.opt(sb, invOut, "physdev-out", physOut);
    }
    if (isBridged) {
      Save.opt(sb, invIsBridged, "physdev-is-bridged");
    }
  }

  // ---- evaluation (xt_physdev.c physdev_mt) -----------------------------------------------------

  /**
   * physdev_mt. A packet that did not cross a bridge matches only when every option given is
   * inverted; a bridged one is tested on its bridge ports ({@code +} is a prefix wildcard).
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final String in = ctx.physIn();
    final String out = ctx.physOut();
    if (in == null && out == null) {
      return !(isBridged && !invIsBridged) && !(isIn && !invIsIn) && !(isOut && !invIsOut)
          && !(physIn != null && !invIn) && !(physOut != null && !invOut);
    }
    if (isBridged && (out != null) == invIsBridged) {
      return false;
    }
    if (isIn && (in != null) == invIsIn || isOut && (out != null) == invIsOut) {
      return false;
    }
    if (physIn != null && in != null && ifname(in, physIn) == invIn) {
      return false;
    }
    if (physOut == null) {
      return true;
    }
    if (out == null) {
      return false;
    }
    return ifname(out, physOut) != invOut;
  }

  /** ifname_compare_aligned with the mask iptables builds: {@code eth+} matches any eth... name. */
  static boolean ifname(String dev, String pattern) {
    final int n = pattern.length();
    if (n > 0 && pattern.charAt(n - 1) == '+') {
      return dev.regionMatches(0, pattern, 0, n - 1);
    }
    return dev.equals(pattern);
  }
}
