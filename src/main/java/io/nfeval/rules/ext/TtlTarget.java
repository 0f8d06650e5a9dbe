package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/** {@code -j TTL} ({@code ipt_TTL.c}): set, increment or decrement the TTL; mangle table only. */
public final class TtlTarget implements Target {
  /** The operation. */
  public enum Mode { SET, INC, DEC }

  public static final ExtSpec<Target> SPEC = new ExtSpec<>("TTL",
      List.of(arg("ttl-set"), arg("ttl-inc"), arg("ttl-dec")), Map.of(), TtlTarget::new);

  private final Mode mode;
  private final int value;

  private TtlTarget(Opts o, ExtContext c) {
    if (!c.tableIs("mangle")) {
      throw new ExtException("TTL is only valid in the mangle table");
    }
    final int n = (o.has("ttl-set") ? 1 : 0) + (o.has("ttl-inc") ? 1 : 0) + (o.has("ttl-dec") ? 1 : 0);
    if (n != 1) {
      throw new ExtException("TTL: exactly one of --ttl-set, --ttl-inc, --ttl-dec is required");
    }
    mode = o.has("ttl-set") ? Mode.SET : o.has("ttl-inc") ? Mode.INC : Mode.DEC;
    value = (int) Num.parseUnsigned(o.str("ttl-" + mode.name().toLowerCase(java.util.Locale.ROOT)), 255, "TTL");
    if (mode != Mode.SET && value == 0) {
      throw new ExtException("TTL: increment/decrement of 0 is pointless");
    }
  }

  public Mode mode() { return mode; }
  public int value() { return value; }

  @Override
  public String name() {
    return "TTL";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j TTL --ttl-").append(mode.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(value);
  }

  /** ttl_tg: set, or increment (capped at 255) / decrement (floored at 0); continue. */
  @Override
  public int execute(PacketContext ctx) {
    final int ttl = ctx.ip().ttl();
    final int nv = switch (mode) {
      case SET -> value;
      case INC -> Math.min(255, ttl + value);
      case DEC -> Math.max(0, ttl - value);
    };
    if (nv != ttl) {
      ctx.setTtl(nv);
    }
    return XtVerdict.CONTINUE;
  }
}
