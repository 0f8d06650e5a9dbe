package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m limit} ({@code xt_limit.c}): a token bucket of {@link #burst()} tokens refilled every
 * {@link #avg()}/10000 s. Default {@code 3/hour}, burst 5.
 */
public final class LimitMatch implements Match {
  /** {@code XT_LIMIT_SCALE}: avg is in 1/10000 s. */
  public static final long SCALE = 10000;

  public static final ExtSpec<Match> SPEC = new ExtSpec<>("limit",
      List.of(arg("limit"), arg("limit-burst")), Map.of(), LimitMatch::new);

  private final long avg;
  private final int burst;

  private LimitMatch(Opts o, ExtContext c) {
    avg = o.has("limit") ? Rates.parse(o.str("limit"), SCALE) : SCALE * 3600 / 3;
    burst = o.has("limit-burst") ? (int) Num.parseUnsigned(o.str("limit-burst"), 10000, "limit-burst") : 5;
    if (burst == 0) {
      throw new ExtException("bad --limit-burst `0'");
    }
  }

  /** Average interval between packets in 1/10000 s. */
  public long avg() { return avg; }
  public int burst() { return burst; }

  @Override
  public String name() {
    return "limit";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m limit --limit ").append(Rates.print(avg, SCALE));
    if (burst != 5) {
      sb.append(" --limit-burst ").append(burst);
    }
  }
}
