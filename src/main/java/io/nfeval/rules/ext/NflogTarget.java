package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/** {@code -j NFLOG} ({@code xt_NFLOG.c}): copy to a netlink log group; non-terminating. */
public final class NflogTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("NFLOG",
      List.of(arg("nflog-group"), arg("nflog-prefix"), arg("nflog-range"), arg("nflog-size"),
          arg("nflog-threshold")),
      Map.of(), NflogTarget::new);

  private final int group;
  private final String prefix;
  private final long size;
  private final boolean copyLen;
  private final int threshold;

  private NflogTarget(Opts o, ExtContext c) {
    group = o.has("nflog-group") ? (int) Num.parseUnsigned(o.str("nflog-group"), 65535, "group") : 0;
    String p = o.has("nflog-prefix") ? o.str("nflog-prefix") : "";
    if (p.length() > 63) {
      p = p.substring(0, 63); // nft stores at most NF_LOG_PREFIXLEN - 1 bytes
    }
    prefix = p;
    if (o.has("nflog-size")) {
      size = Num.parseUnsigned(o.str("nflog-size"), 0xffffffffL, "size");
      copyLen = true;
    } else {
      size = o.has("nflog-range") ? Num.parseUnsigned(o.str("nflog-range"), 0xffffffffL, "range") : 0;
      copyLen = false;
    }
    threshold = o.has("nflog-threshold") ? (int) Num.parseUnsigned(o.str("nflog-threshold"), 65535, "threshold")
        : 0; // nft keeps 0 when not given and prints any given value
  }

  public int group() { return group; }
  public String prefix() { return prefix; }
  public long size() { return size; }
  public int threshold() { return threshold; }

  @Override
  public String name() {
    return "NFLOG";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j NFLOG");
    if (!prefix.isEmpty()) {
      sb.append(" --nflog-prefix");
      Save.string(sb, prefix);
    }
    if (group != 0) {
      sb.append(" --nflog-group ").append(group);
    }
    if (copyLen) {
      sb.append(" --nflog-size ").append(size);
    } else if (size != 0) {
      sb.append(" --nflog-range ").append(size);
    }
    if (threshold != 0) {
      sb.append(" --nflog-threshold ").append(threshold);
    }
  }

  /** nflog_tg: a copy to the netlink log group (recorded in the trace); continue. */
  @Override
  public int execute(PacketContext ctx) {
    ctx.log("NFLOG", prefix);
    return XtVerdict.CONTINUE;
  }
}
