package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.invArg;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/**
 * {@code -m statistic} ({@code xt_statistic.c}): random with probability {@code p} (stored as
 * {@code lround(p * 2^31)}) or every n-th packet. The nth counter is per rule and sees only the
 * packets that reach the rule.
 */
public final class StatisticMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("statistic",
      List.of(arg("mode"), invArg("probability"), invArg("every"), arg("packet")),
      Map.of(), StatisticMatch::new);

  private final boolean nth;
  private final boolean invert;
  private final int probability;
  private final long every;
  private final long packet;

  private StatisticMatch(Opts o, ExtContext c) {
    o.require("statistic: no mode specified", "mode");
    final String m = o.str("mode");
    if (!m.equals("random") && !m.equals("nth")) {
      throw new ExtException("statistic: bad mode \"" + m + "\"");
    }
    nth = m.equals("nth");
    if (nth) {
      if (o.has("probability")) {
        throw new ExtException("statistic: --probability can only be used in random mode");
      }
      o.require("statistic: --every is required in nth mode", "every");
      every = Num.parseUnsigned(o.str("every"), 0xffffffffL, "every");
      if (every == 0) {
        throw new ExtException("statistic: --every must be at least 1");
      }
      packet = o.has("packet") ? Num.parseUnsigned(o.str("packet"), 0xffffffffL, "packet") : 0;
      if (packet > every - 1) {
        throw new ExtException("statistic: --packet must be less than --every");
      }
      invert = o.inv("every");
      probability = 0;
    } else {
      if (o.has("every") || o.has("packet")) {
        throw new ExtException("statistic: --every/--packet can only be used in nth mode");
      }
      o.require("statistic: --probability is required in random mode", "probability");
      final double p;
      try {
        p = Double.parseDouble(o.str("probability"));
      } catch (NumberFormatException e) {
        throw new ExtException("statistic: bad --probability");
      }
      if (p < 0 || p > 1) {
        throw new ExtException("statistic: --probability must be between 0 and 1");
      }
      probability = (int) Math.round(0x80000000L * p);
      invert = o.inv("probability");
      every = 0;
      packet = 0;
    }
  }

  public boolean nth() { return nth; }
  public boolean invert() { return invert; }
  /** Random mode: probability * 2^31 (unsigned 32-bit). */
  public int probability() { return probability; }
  public long every() { return every; }
  public long packet() { return packet; }

  @Override
  public String name() {
    return "statistic";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m statistic --mode ").append(nth ? "nth" : "random");
    if (nth) {
      Save.opt(sb, invert, "every", Long.toString(every)).append(" --packet ").append(packet);
    } else {
      final BigDecimal p = new BigDecimal(1.0 * (probability & 0xffffffffL) / 0x80000000L)
          .setScale(11, RoundingMode.HALF_EVEN);
      Save.opt(sb, invert, "probability", p.toPlainString());
    }
  }

  // ---- evaluation (xt_statistic.c statistic_mt) -------------------------------------------------

  /** Per-rule state: the nth counter ({@code info->master->count}) or the random generator. */
  static final class Counter {
    long count;
    int ruleHash;
    /** Seeded on first use from the run's seed (--seed) and the rule's text. */
    java.util.SplittableRandom random;
  }

  /**
   * nth: iptables stores {@code every - 1} and starts the counter at {@code every - 1 - packet}
   * (libxt_statistic's final check), so the {@code packet+1}-th packet to reach the rule matches, then
   * every {@code every}-th. random: a generator seeded from the run's --seed and the rule text, so replays
   * are reproducible; the kernel draws {@code get_random_u32()}, which no replay can reproduce.
   */
  @Override
  public Object newState() {
    final Counter c = new Counter();
    if (nth) {
      c.count = (every - 1) - packet;
    } else {
      final StringBuilder sb = new StringBuilder();
      save(sb);
      c.ruleHash = sb.toString().hashCode();
    }
    return c;
  }

  /**
   * statistic_mt: random: {@code (rand & 0x7FFFFFFF) < probability}; nth: {@code nval = oval == every ?
   * 0 : oval + 1}, matching when nval is 0. Only the packets that reach the match count.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final Counter c = (Counter) ctx.matchState();
    boolean ret = invert;
    if (nth) {
      final long kEvery = every - 1;
      c.count = c.count == kEvery ? 0 : c.count + 1;
      if (c.count == 0) {
        ret = !ret;
      }
    } else {
      ctx.assume("statistic-random");
      if (c.random == null) {
        c.random = new java.util.SplittableRandom(ctx.randomSeed() ^ c.ruleHash);
      }
      if ((c.random.nextInt() & 0x7FFFFFFFL) < (probability & 0xFFFFFFFFL)) {
        ret = !ret;
      }
    }
    return ret;
  }
}
