package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/** {@code -j SET --add-set/--del-set NAME flags} revision 3 ({@code xt_set.c} set_target_v3). */
public final class SetTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("SET",
      List.of(new OptSpec("add-set", 2, false, false), new OptSpec("del-set", 2, false, false),
          new OptSpec("map-set", 2, false, false), arg("timeout"), flag("exist"), flag("map-mark"),
          flag("map-prio"), flag("map-queue")),
      Map.of(), SetTarget::new);

  private final String addSet;
  private final boolean[] addSrc;
  private final String delSet;
  private final boolean[] delSrc;
  private final long timeout;
  private final boolean exist;
  private final String mapOpts;

  private SetTarget(Opts o, ExtContext c) {
    o.require("SET target: You must specify either `--add-set' or `--del-set'", "add-set", "del-set", "map-set");
    addSet = o.has("add-set") ? o.get("add-set").args().get(0) : null;
    addSrc = o.has("add-set") ? SetMatch.flags(o.get("add-set").args().get(1)) : null;
    delSet = o.has("del-set") ? o.get("del-set").args().get(0) : null;
    delSrc = o.has("del-set") ? SetMatch.flags(o.get("del-set").args().get(1)) : null;
    timeout = o.has("timeout") ? Num.parseUnsigned(o.str("timeout"), 0xffffffffL, "timeout") : -1;
    exist = o.has("exist");
    final StringBuilder m = new StringBuilder();
    if (o.has("map-set")) {
      final List<String> a = o.get("map-set").args();
      m.append(" --map-set ").append(a.get(0)).append(' ').append(SetMatch.flagsText(SetMatch.flags(a.get(1))));
      for (String f : new String[] {"map-mark", "map-prio", "map-queue"}) {
        if (o.has(f)) {
          m.append(" --").append(f);
        }
      }
    }
    mapOpts = m.toString();
  }

  public String addSet() { return addSet; }
  public boolean addSrc(int i) { return addSrc[i]; }
  public int addDimensions() { return addSrc == null ? 0 : addSrc.length; }
  public String delSet() { return delSet; }
  public boolean delSrc(int i) { return delSrc[i]; }
  public int delDimensions() { return delSrc == null ? 0 : delSrc.length; }
  /** Timeout for added entries in seconds, -1 = the set's default. */
  public long timeout() { return timeout; }
  public boolean exist() { return exist; }

  @Override
  public String name() {
    return "SET";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j SET");
    if (addSet != null) {
      sb.append(" --add-set ").append(addSet).append(' ').append(SetMatch.flagsText(addSrc));
    }
    if (delSet != null) {
      sb.append(" --del-set ").append(delSet).append(' ').append(SetMatch.flagsText(delSrc));
    }
    sb.append(mapOpts);
    if (exist) {
      sb.append(" --exist");
    }
    if (timeout >= 0) {
      sb.append(" --timeout ").append(timeout);
    }
  }

  // ---- evaluation (xt_set.c set_target_v3) ------------------------------------------------------

  /** Whether --map-set was given (its options are kept as text only). */
  public boolean hasMapSet() {
    return !mapOpts.isEmpty();
  }

  private static int flagsOf(boolean[] src) {
    int f = 0;
    for (int i = 0; i < src.length; i++) {
      if (src[i]) {
        f |= 1 << i;
      }
    }
    return f;
  }

  /**
   * set_target_v3: add to --add-set (with --timeout and --exist), delete from --del-set; never
   * terminal. --map-set (skb mark/priority/queue from the set's extensions) is not modelled.
   */
  @Override
  public int execute(PacketContext ctx) {
    if (addSet != null) {
      ctx.ipsetAdd(addSet, flagsOf(addSrc), addSrc.length, timeout, exist);
    }
    if (delSet != null) {
      ctx.ipsetDel(delSet, flagsOf(delSrc), delSrc.length);
    }
    if (!mapOpts.isEmpty()) {
      ctx.assume("SET --map-set");
    }
    return XtVerdict.CONTINUE;
  }
}
