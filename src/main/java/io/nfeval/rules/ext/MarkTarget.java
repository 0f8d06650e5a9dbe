package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/**
 * {@code -j MARK} revision 2 ({@code xt_mark.c} mark_tg): {@code mark = (mark & ~mask) ^ value}. Every
 * form (--set-mark, --and-mark, --or-mark, --xor-mark) reduces to {@code --set-xmark value/mask}, which
 * is what iptables prints.
 */
public final class MarkTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("MARK",
      List.of(arg("set-xmark"), arg("set-mark"), arg("and-mark"), arg("or-mark"), arg("xor-mark")),
      Map.of(), MarkTarget::new);

  private final int value;
  private final int mask;

  private MarkTarget(Opts o, ExtContext c) {
    final int[] vm = xmark(o, "MARK");
    value = vm[0];
    mask = vm[1];
  }

  /** The shared --set-xmark family parse of MARK and CONNMARK; returns {value, mask}. */
  static int[] xmark(Opts o, String who) {
    int n = 0;
    int[] r = null;
    if (o.has("set-xmark")) {
      n++;
      final long[] vm = Num.valueMask(o.str("set-xmark"), 0xffffffffL, "mark");
      r = new int[] {(int) vm[0], (int) vm[1]};
    }
    if (o.has("set-mark")) {
      n++;
      final long[] vm = Num.valueMask(o.str("set-mark"), 0xffffffffL, "mark");
      r = new int[] {(int) vm[0], (int) (vm[0] | vm[1])};
    }
    if (o.has("and-mark")) {
      n++;
      r = new int[] {0, ~(int) Num.parseUnsigned(o.str("and-mark"), 0xffffffffL, "mark")};
    }
    if (o.has("or-mark")) {
      n++;
      final int v = (int) Num.parseUnsigned(o.str("or-mark"), 0xffffffffL, "mark");
      r = new int[] {v, v};
    }
    if (o.has("xor-mark")) {
      n++;
      r = new int[] {(int) Num.parseUnsigned(o.str("xor-mark"), 0xffffffffL, "mark"), 0};
    }
    if (n == 0) {
      throw new ExtException(who + ": one of the --set-xmark, --{and,or,xor,set}-mark options is required");
    }
    if (n > 1) {
      throw new ExtException(who + ": only one action allowed");
    }
    return r;
  }

  public int value() { return value; }
  public int mask() { return mask; }

  @Override
  public String name() {
    return "MARK";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j MARK --set-xmark ").append(Num.hex(value)).append('/').append(Num.hex(mask));
  }

  /** mark_tg: {@code skb->mark = (skb->mark & ~mask) ^ value}; continue. */
  @Override
  public int execute(PacketContext ctx) {
    ctx.setMark((ctx.mark() & ~mask) ^ value);
    return XtVerdict.CONTINUE;
  }
}
