package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m devgroup --src-group G[/M] --dst-group G[/M]} ({@code xt_devgroup.c}). */
public final class DevgroupMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("devgroup",
      List.of(invArg("src-group"), invArg("dst-group")), Map.of(), DevgroupMatch::new);

  private final boolean hasSrc;
  private final int srcGroup;
  private final int srcMask;
  private final boolean invSrc;
  private final boolean hasDst;
  private final int dstGroup;
  private final int dstMask;
  private final boolean invDst;

  private DevgroupMatch(Opts o, ExtContext c) {
    o.require("devgroup: --src-group or --dst-group is required", "src-group", "dst-group");
    hasSrc = o.has("src-group");
    hasDst = o.has("dst-group");
    // devgroup_mt_checkentry: no input device after routing, no output device before it
    if (hasSrc && c.hookOutside(ExtContext.PRE_ROUTING | ExtContext.LOCAL_IN | ExtContext.FORWARD)) {
      throw new ExtException("devgroup: --src-group is only valid in PREROUTING, INPUT and FORWARD");
    }
    if (hasDst && c.hookOutside(ExtContext.FORWARD | ExtContext.LOCAL_OUT | ExtContext.POST_ROUTING)) {
      throw new ExtException("devgroup: --dst-group is only valid in FORWARD, OUTPUT and POSTROUTING");
    }
    final long[] s = hasSrc ? Num.valueMask(o.str("src-group"), 0xffffffffL, "group") : new long[2];
    final long[] d = hasDst ? Num.valueMask(o.str("dst-group"), 0xffffffffL, "group") : new long[2];
    srcGroup = (int) s[0];
    srcMask = (int) s[1];
    dstGroup = (int) d[0];
    dstMask = (int) d[1];
    invSrc = o.inv("src-group");
    invDst = o.inv("dst-group");
  }

  public boolean hasSrc() { return hasSrc; }
  public int srcGroup() { return srcGroup; }
  public int srcMask() { return srcMask; }
  public boolean invSrc() { return invSrc; }
  public boolean hasDst() { return hasDst; }
  public int dstGroup() { return dstGroup; }
  public int dstMask() { return dstMask; }
  public boolean invDst() { return invDst; }

  @Override
  public String name() {
    return "devgroup";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m devgroup");
    if (hasSrc) {
      Save.opt(sb, invSrc, "src-group", Num.hex(srcGroup) + (srcMask == -1 ? "" : "/" + Num.hex(srcMask)));
    }
    if (hasDst) {
      Save.opt(sb, invDst, "dst-group", Num.hex(dstGroup) + (dstMask == -1 ? "" : "/" + Num.hex(dstMask)));
    }
  }

  /** devgroup_mt: {@code ((group ^ dev->group) & mask) == 0} for each device given, inverted. */
  @Override
  public boolean matches(PacketContext ctx) {
    if (hasSrc && (((srcGroup ^ ctx.inGroup()) & srcMask) == 0) == invSrc) {
      return false;
    }
    return !hasDst || (((dstGroup ^ ctx.outGroup()) & dstMask) == 0) != invDst;
  }
}
