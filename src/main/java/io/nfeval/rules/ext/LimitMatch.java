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

  // ---- evaluation (xt_limit.c limit_mt, limit_mt_check) -----------------------------------------

  /**
   * user2credits: avg (1/10000 s units, u32) to credits, dividing first when multiplying overflows;
   * CREDITS_PER_JIFFY ({@code POW2_BELOW32(0xFFFFFFFF / (HZ*60*60*24))}, so that a day fits in u32) and
   * HZ are the host's.
   */
  static long user2credits(long user, Jiffies j) {
    final long u = user & 0xFFFFFFFFL;
    final long hzCpj = j.hz * j.limitCreditsPerJiffy;
    if (u > 0xFFFFFFFFL / hzCpj) {
      return ((u / SCALE) * hzCpj) & 0xFFFFFFFFL;
    }
    return ((u * hzCpj) / SCALE) & 0xFFFFFFFFL;
  }

  /**
   * struct xt_limit_priv plus the constants checkentry derives (credit_cap, cost), which depend on the
   * host's HZ and are therefore set at the first packet, when the context tells it.
   */
  static final class Bucket {
    long prev = Long.MIN_VALUE;
    long credit;
    long cap;
    long cost;
    long creditsPerJiffy;
    /** nft_limit state (iptables-nft): tokens in ns, last packet time, cost and bucket size. */
    long nftLast = Long.MIN_VALUE;
    long nftTokens;
    long nftCost;
    long nftTokensMax;
  }

  /** XT_LIMIT_SCALE per day, hour, minute, second: add_nft_limit's {@code mult}. */
  private static final long[] MULT = {SCALE * 24 * 60 * 60, SCALE * 60 * 60, SCALE * 60, SCALE};

  /**
   * add_nft_limit + nft_limit_init (packets): the largest unit that keeps the rate exact, {@code
   * rate = mult / avg} per {@code unit = mult / SCALE} seconds; cost = nsecs / rate, bucket = cost *
   * burst, starting full.
   */
  private void nftInit(Bucket b) {
    int i;
    for (i = 1; i < MULT.length; i++) {
      if (avg > MULT[i] || MULT[i] / avg < MULT[i] % avg) {
        break;
      }
    }
    final long rate = MULT[i - 1] / avg;
    final long nsecs = MULT[i - 1] / SCALE * 1_000_000_000L;
    b.nftCost = nsecs / rate;
    b.nftTokensMax = b.nftCost * burst;
    b.nftTokens = b.nftTokensMax;
  }

  /** nft_limit_eval: tokens grow by the elapsed nanoseconds up to the bucket; a packet costs nsecs/rate. */
  private boolean nftMatches(Bucket b, long now) {
    if (b.nftLast == Long.MIN_VALUE) {
      nftInit(b);
      b.nftLast = now;
    }
    long tokens = b.nftTokens + now - b.nftLast;
    if (Long.compareUnsigned(tokens, b.nftTokensMax) > 0) {
      tokens = b.nftTokensMax;
    }
    b.nftLast = now;
    final long delta = tokens - b.nftCost;
    if (delta >= 0) {
      b.nftTokens = delta;
      return true;
    }
    b.nftTokens = tokens;
    return false;
  }

  @Override
  public Object newState() {
    return new Bucket();
  }

  /** limit_mt_check: "credits full"; avg * burst is a u32 product. */
  private void check(Bucket b, Jiffies j) {
    b.creditsPerJiffy = j.limitCreditsPerJiffy;
    b.cap = user2credits((avg * burst) & 0xFFFFFFFFL, j);
    b.credit = b.cap;
    b.cost = user2credits(avg, j);
  }

  /**
   * limit_mt (iptables-legacy; iptables-nft compiles -m limit to nft_limit, see {@link #nftMatches}):
   * the bucket gains CREDITS_PER_JIFFY per elapsed jiffy (u32 arithmetic, capped), and a
   * packet passes when it can pay {@code cost}. The bucket starts full, so the first {@code burst}
   * packets match; prev starts at the first packet (the kernel's is the load time, which a full
   * bucket makes irrelevant).
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final Bucket b = (Bucket) ctx.matchState();
    if (ctx.nfTablesBackend()) {
      return nftMatches(b, ctx.nowNanos());
    }
    final long now = ctx.jiffies();
    if (b.prev == Long.MIN_VALUE) {
      check(b, ctx.ticks());
      b.prev = now;
    }
    final long increase = ((now - b.prev) * b.creditsPerJiffy) & 0xFFFFFFFFL;
    b.prev = now;
    long credit = (b.credit + increase) & 0xFFFFFFFFL;
    if (credit > b.cap) {
      credit = b.cap;
    }
    final boolean ok = credit >= b.cost;
    b.credit = ok ? credit - b.cost : credit;
    return ok;
  }
}
