package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;
import static io.nfeval.rules.ext.OptSpec.invFlag;

import java.util.List;
import java.util.Map;

/**
 * {@code -m recent} ({@code xt_recent.c}): a named list of recently seen addresses. Exactly one of
 * --set/--rcheck/--update/--remove; default name DEFAULT, mask /32, side source.
 */
public final class RecentMatch implements Match {
  /** The command. */
  public enum Mode { SET, RCHECK, UPDATE, REMOVE }

  public static final ExtSpec<Match> SPEC = new ExtSpec<>("recent",
      List.of(invFlag("set"), invFlag("rcheck"), invFlag("update"), invFlag("remove"), arg("seconds"),
          flag("reap"), arg("hitcount"), flag("rttl"), arg("name"), arg("mask"), flag("rsource"),
          flag("rdest")),
      Map.of(), RecentMatch::new);

  private final Mode mode;
  private final boolean invert;
  private final long seconds;
  private final boolean reap;
  private final long hitcount;
  private final boolean rttl;
  private final String listName;
  private final int mask;
  private final boolean rdest;

  private RecentMatch(Opts o, ExtContext c) {
    int n = 0;
    Mode m = null;
    for (Mode x : Mode.values()) {
      if (o.has(x.name().toLowerCase(java.util.Locale.ROOT))) {
        n++;
        m = x;
      }
    }
    if (n != 1) {
      throw new ExtException("recent: you must specify exactly one of --set, --rcheck, --update, --remove");
    }
    mode = m;
    invert = o.inv(m.name().toLowerCase(java.util.Locale.ROOT));
    seconds = o.has("seconds") ? Num.parseUnsigned(o.str("seconds"), 0xffffffffL, "seconds") : 0;
    reap = o.has("reap");
    if (reap && seconds == 0) {
      throw new ExtException("recent: --reap requires --seconds");
    }
    hitcount = o.has("hitcount") ? Num.parseUnsigned(o.str("hitcount"), 65535, "hitcount") : 0;
    rttl = o.has("rttl");
    if (rttl && mode != Mode.RCHECK && mode != Mode.UPDATE) {
      throw new ExtException("recent: --rttl only works with --rcheck or --update");
    }
    if ((seconds != 0 || hitcount != 0) && mode != Mode.RCHECK && mode != Mode.UPDATE) {
      throw new ExtException("recent: --seconds/--hitcount only work with --rcheck or --update");
    }
    listName = o.has("name") ? o.str("name") : "DEFAULT";
    if (listName.isEmpty() || listName.length() > 199) {
      throw new ExtException("recent: bad name");
    }
    mask = o.has("mask") ? Num.ipv4(o.str("mask")) : -1;
    if (o.has("rsource") && o.has("rdest")) {
      throw new ExtException("recent: only one of --rsource and --rdest");
    }
    rdest = o.has("rdest");
  }

  public Mode mode() { return mode; }
  public boolean invert() { return invert; }
  public long seconds() { return seconds; }
  public boolean reap() { return reap; }
  public long hitcount() { return hitcount; }
  public boolean rttl() { return rttl; }
  public String listName() { return listName; }
  public int mask() { return mask; }
  /** True: destination address ({@code --rdest}); false: source ({@code --rsource}). */
  public boolean rdest() { return rdest; }

  @Override
  public String name() {
    return "recent";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m recent");
    Save.opt(sb, invert, mode.name().toLowerCase(java.util.Locale.ROOT));
    if (seconds != 0) {
      sb.append(" --seconds ").append(seconds);
    }
    if (reap) {
      sb.append(" --reap");
    }
    if (hitcount != 0) {
      sb.append(" --hitcount ").append(hitcount);
    }
    if (rttl) {
      sb.append(" --rttl");
    }
    sb.append(" --name ").append(listName).append(" --mask ").append(Num.ipv4(mask))
        .append(rdest ? " --rdest" : " --rsource");
  }
}
