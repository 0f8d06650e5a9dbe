package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m iprange --src-range a-b --dst-range a-b} ({@code xt_iprange.c}), inclusive ranges. */
public final class IprangeMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("iprange",
      List.of(invArg("src-range"), invArg("dst-range")), Map.of(), IprangeMatch::new);

  private final boolean hasSrc;
  private final int srcMin;
  private final int srcMax;
  private final boolean invSrc;
  private final boolean hasDst;
  private final int dstMin;
  private final int dstMax;
  private final boolean invDst;

  private IprangeMatch(Opts o, ExtContext c) {
    o.require("iprange match: You must specify `--src-range' or `--dst-range'", "src-range", "dst-range");
    hasSrc = o.has("src-range");
    hasDst = o.has("dst-range");
    final int[] s = hasSrc ? range(o.str("src-range")) : new int[2];
    final int[] d = hasDst ? range(o.str("dst-range")) : new int[2];
    srcMin = s[0];
    srcMax = s[1];
    dstMin = d[0];
    dstMax = d[1];
    invSrc = o.inv("src-range");
    invDst = o.inv("dst-range");
  }

  private static int[] range(String s) {
    final int dash = s.indexOf('-');
    final int a = Num.ipv4(dash < 0 ? s : s.substring(0, dash));
    final int b = dash < 0 ? a : Num.ipv4(s.substring(dash + 1));
    if (Integer.compareUnsigned(a, b) > 0) {
      throw new ExtException("iprange: range start is after its end: " + s);
    }
    return new int[] {a, b};
  }

  public boolean hasSrc() { return hasSrc; }
  public int srcMin() { return srcMin; }
  public int srcMax() { return srcMax; }
  public boolean invSrc() { return invSrc; }
  public boolean hasDst() { return hasDst; }
  public int dstMin() { return dstMin; }
  public int dstMax() { return dstMax; }
  public boolean invDst() { return invDst; }

  @Override
  public String name() {
    return "iprange";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m iprange");
    if (hasSrc) {
      Save.opt(sb, invSrc, "src-range", Num.ipv4(srcMin) + "-" + Num.ipv4(srcMax));
    }
    if (hasDst) {
      Save.opt(sb, invDst, "dst-range", Num.ipv4(dstMin) + "-" + Num.ipv4(dstMax));
    }
  }

  /** iprange_mt4: unsigned comparison of each address against its inclusive range. */
  @Override
  public boolean matches(PacketContext ctx) {
    final io.nfeval.packet.PacketView v = ctx.ip();
    if (hasSrc) {
      final int a = v.srcAddr();
      final boolean out = Integer.compareUnsigned(a, srcMin) < 0 || Integer.compareUnsigned(a, srcMax) > 0;
      if (out != invSrc) {
        return false;
      }
    }
    if (hasDst) {
      final int a = v.dstAddr();
      final boolean out = Integer.compareUnsigned(a, dstMin) < 0 || Integer.compareUnsigned(a, dstMax) > 0;
      return out == invDst;
    }
    return true;
  }
}
