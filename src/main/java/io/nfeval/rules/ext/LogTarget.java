package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/** {@code -j LOG} ({@code xt_LOG.c}): kernel log line; non-terminating. */
public final class LogTarget implements Target {
  private static final List<String> LEVELS = List.of("emerg", "alert", "crit", "error", "warning", "notice",
      "info", "debug");
  public static final int TCPSEQ = 1;
  public static final int TCPOPT = 2;
  public static final int IPOPT = 4;
  public static final int UID = 8;
  public static final int MACDECODE = 0x20;

  public static final ExtSpec<Target> SPEC = new ExtSpec<>("LOG",
      List.of(arg("log-level"), arg("log-prefix"), flag("log-tcp-sequence"), flag("log-tcp-options"),
          flag("log-ip-options"), flag("log-uid"), flag("log-macdecode")),
      Map.of(), LogTarget::new);

  private final int level;
  private final String prefix;
  private final int flags;

  private LogTarget(Opts o, ExtContext c) {
    if (o.has("log-level")) {
      final String l = o.str("log-level");
      int v = LEVELS.indexOf(l);
      if (l.equals("err")) {
        v = 3;
      } else if (l.equals("warn")) {
        v = 4;
      } else if (l.equals("panic")) {
        v = 0;
      }
      if (v < 0) {
        v = (int) Num.tryUnsigned(l);
      }
      if (v < 0 || v > 7) {
        throw new ExtException("log-level `" + l + "' unknown");
      }
      level = v;
    } else {
      level = 4;
    }
    prefix = o.has("log-prefix") ? o.str("log-prefix") : "";
    if (prefix.length() > 29) {
      throw new ExtException("Maximum prefix length 29 for --log-prefix");
    }
    int f = 0;
    f |= o.has("log-tcp-sequence") ? TCPSEQ : 0;
    f |= o.has("log-tcp-options") ? TCPOPT : 0;
    f |= o.has("log-ip-options") ? IPOPT : 0;
    f |= o.has("log-uid") ? UID : 0;
    f |= o.has("log-macdecode") ? MACDECODE : 0;
    flags = f;
  }

  public int level() { return level; }
  public String prefix() { return prefix; }
  public int flags() { return flags; }

  @Override
  public String name() {
    return "LOG";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j LOG");
    if (!prefix.isEmpty()) {
      sb.append(" --log-prefix");
      Save.string(sb, prefix);
    }
    if (level != 4) {
      sb.append(" --log-level ").append(level);
    }
    if ((flags & TCPSEQ) != 0) {
      sb.append(" --log-tcp-sequence");
    }
    if ((flags & TCPOPT) != 0) {
      sb.append(" --log-tcp-options");
    }
    if ((flags & IPOPT) != 0) {
      sb.append(" --log-ip-options");
    }
    if ((flags & UID) != 0) {
      sb.append(" --log-uid");
    }
    if ((flags & MACDECODE) != 0) {
      sb.append(" --log-macdecode");
    }
  }

  /** log_tg: a log line (recorded in the trace); continue. */
  @Override
  public int execute(PacketContext ctx) {
    ctx.log("LOG", prefix);
    return XtVerdict.CONTINUE;
  }
}
