package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m ttl} ({@code ipt_ttl.c}): TTL equal / not equal / less / greater than a value. */
public final class TtlMatch implements Match {
  /** {@code IPT_TTL_EQ/NE/LT/GT}. */
  public enum Mode { EQ, NE, LT, GT }

  public static final ExtSpec<Match> SPEC = new ExtSpec<>("ttl",
      List.of(invArg("ttl-eq"), arg("ttl-lt"), arg("ttl-gt")), Map.of(), TtlMatch::new);

  private final Mode mode;
  private final int value;

  private TtlMatch(Opts o, ExtContext c) {
    final int n = (o.has("ttl-eq") ? 1 : 0) + (o.has("ttl-lt") ? 1 : 0) + (o.has("ttl-gt") ? 1 : 0);
    if (n != 1) {
      throw new ExtException("ttl: exactly one of --ttl-eq, --ttl-lt, --ttl-gt is required");
    }
    final String key = o.has("ttl-eq") ? "ttl-eq" : o.has("ttl-lt") ? "ttl-lt" : "ttl-gt";
    value = (int) Num.parseUnsigned(o.str(key), 255, "TTL");
    mode = key.equals("ttl-eq") ? (o.inv(key) ? Mode.NE : Mode.EQ) : key.equals("ttl-lt") ? Mode.LT : Mode.GT;
  }

  public Mode mode() { return mode; }
  public int value() { return value; }

  @Override
  public String name() {
    return "ttl";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m ttl");
    switch (mode) {
      case EQ -> sb.append(" --ttl-eq ");
      case NE -> sb.append(" ! --ttl-eq ");
      case LT -> sb.append(" --ttl-lt ");
      default -> sb.append(" --ttl-gt ");
    }
    sb.append(value);
  }

  /** ttl_mt. */
  @Override
  public boolean matches(PacketContext ctx) {
    final int ttl = ctx.ip().ttl();
    return switch (mode) {
      case EQ -> ttl == value;
      case NE -> ttl != value;
      case LT -> ttl < value;
      case GT -> ttl > value;
    };
  }
}
