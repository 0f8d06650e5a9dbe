package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/** {@code -j ULOG} (old {@code ipt_ULOG.c}, removed in Linux 3.17): parsed for old dumps; non-terminating. */
public final class UlogTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("ULOG",
      List.of(arg("ulog-nlgroup"), arg("ulog-prefix"), arg("ulog-cprange"), arg("ulog-qthreshold")),
      Map.of(), UlogTarget::new);

  private final int nlgroup;
  private final String prefix;
  private final long cprange;
  private final long qthreshold;

  private UlogTarget(Opts o, ExtContext c) {
    nlgroup = o.has("ulog-nlgroup") ? (int) Num.parseUnsigned(o.str("ulog-nlgroup"), 32, "nlgroup") : 1;
    prefix = o.has("ulog-prefix") ? o.str("ulog-prefix") : "";
    cprange = o.has("ulog-cprange") ? Num.parseUnsigned(o.str("ulog-cprange"), 0xffffffffL, "cprange") : 0;
    qthreshold = o.has("ulog-qthreshold") ? Num.parseUnsigned(o.str("ulog-qthreshold"), 50, "qthreshold") : 1;
  }

  public int nlgroup() { return nlgroup; }
  public String prefix() { return prefix; }

  @Override
  public String name() {
    return "ULOG";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j ULOG");
    if (!prefix.isEmpty()) {
      sb.append(" --ulog-prefix");
      Save.string(sb, prefix);
    }
    if (nlgroup != 1) {
      sb.append(" --ulog-nlgroup ").append(nlgroup);
    }
    if (cprange != 0) {
      sb.append(" --ulog-cprange ").append(cprange);
    }
    if (qthreshold != 1) {
      sb.append(" --ulog-qthreshold ").append(qthreshold);
    }
  }

  /**
   * ipt_ULOG (gone since Linux 3.17, so a current kernel refuses the rule): recorded like NFLOG;
   * continue.
   */
  @Override
  public int execute(PacketContext ctx) {
    ctx.log("ULOG", prefix);
    return XtVerdict.CONTINUE;
  }
}
