package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/**
 * {@code -j CONNMARK} revision 1 ({@code xt_connmark.c}): set the connection mark
 * ({@code ctmark = (ctmark & ~ctmask) ^ value}), save the packet mark into it
 * ({@code ctmark = (ctmark & ~ctmask) ^ (mark & nfmask)}), or restore it
 * ({@code mark = (mark & ~nfmask) ^ (ctmark & ctmask)}).
 */
public final class ConnmarkTarget implements Target {
  /** The three modes. */
  public enum Mode { SET, SAVE, RESTORE }

  public static final ExtSpec<Target> SPEC = new ExtSpec<>("CONNMARK",
      List.of(arg("set-xmark"), arg("set-mark"), arg("and-mark"), arg("or-mark"), arg("xor-mark"),
          flag("save-mark"), flag("restore-mark"), arg("nfmask"), arg("ctmask"), arg("mask")),
      Map.of(), ConnmarkTarget::new);

  private final Mode mode;
  private final int value;
  private final int ctmask;
  private final int nfmask;

  private ConnmarkTarget(Opts o, ExtContext c) {
    final boolean save = o.has("save-mark");
    final boolean restore = o.has("restore-mark");
    if (save && restore) {
      throw new ExtException("CONNMARK: only one action allowed");
    }
    if (save || restore) {
      if (o.has("set-xmark") || o.has("set-mark") || o.has("and-mark") || o.has("or-mark") || o.has("xor-mark")) {
        throw new ExtException("CONNMARK: only one action allowed");
      }
      mode = save ? Mode.SAVE : Mode.RESTORE;
      value = 0;
      final int m = o.has("mask") ? (int) Num.parseUnsigned(o.str("mask"), 0xffffffffL, "mask") : -1;
      nfmask = o.has("nfmask") ? (int) Num.parseUnsigned(o.str("nfmask"), 0xffffffffL, "mask") : m;
      ctmask = o.has("ctmask") ? (int) Num.parseUnsigned(o.str("ctmask"), 0xffffffffL, "mask") : m;
    } else {
      if (o.has("nfmask") || o.has("ctmask") || o.has("mask")) {
        throw new ExtException("CONNMARK: --mask/--nfmask/--ctmask need --save-mark or --restore-mark");
      }
      final int[] vm = MarkTarget.xmark(o, "CONNMARK");
      mode = Mode.SET;
      value = vm[0];
      ctmask = vm[1];
      nfmask = 0;
    }
  }

  public Mode mode() { return mode; }
  public int value() { return value; }
  public int ctmask() { return ctmask; }
  public int nfmask() { return nfmask; }

  @Override
  public String name() {
    return "CONNMARK";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j CONNMARK");
    switch (mode) {
      case SET -> sb.append(" --set-xmark ").append(Num.hex(value)).append('/').append(Num.hex(ctmask));
      case SAVE -> sb.append(" --save-mark --nfmask ").append(Num.hex(nfmask)).append(" --ctmask ")
          .append(Num.hex(ctmask));
      default -> sb.append(" --restore-mark --nfmask ").append(Num.hex(nfmask)).append(" --ctmask ")
          .append(Num.hex(ctmask));
    }
  }

  /**
   * connmark_tg_shift with no shift (revision 1): without a connection nothing happens. SET:
   * {@code ctmark = (ctmark & ~ctmask) ^ value}; SAVE: {@code ctmark = (ctmark & ~ctmask) ^ (mark &
   * nfmask)}; RESTORE: {@code mark = (mark & ~nfmask) ^ (ctmark & ctmask)}.
   */
  @Override
  public int execute(PacketContext ctx) {
    final int ctinfo = ctx.ctInfo();
    if (ctinfo < 0 || ctinfo > 4) {
      return XtVerdict.CONTINUE;
    }
    switch (mode) {
      case SET -> {
        final int m = (ctx.ctMark() & ~ctmask) ^ value;
        if (m != ctx.ctMark()) {
          ctx.setCtMark(m);
        }
      }
      case SAVE -> {
        final int m = (ctx.ctMark() & ~ctmask) ^ (ctx.mark() & nfmask);
        if (m != ctx.ctMark()) {
          ctx.setCtMark(m);
        }
      }
      default -> ctx.setMark((ctx.mark() & ~nfmask) ^ (ctx.ctMark() & ctmask));
    }
    return XtVerdict.CONTINUE;
  }
}
