package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/**
 * {@code -j IDLETIMER --timeout S --label L [--alarm]} ({@code xt_IDLETIMER.c}): re-arms a timer whose
 * expiry notifies user space through sysfs. It never changes the packet's fate: continue.
 */
public final class IdletimerTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("IDLETIMER",
      List.of(arg("timeout"), arg("label"), flag("alarm")), Map.of(), IdletimerTarget::new);

  /** MAX_IDLETIMER_LABEL_SIZE: the label is cut to 27 characters, as iptables copies it. */
  private static final int LABEL_SIZE = 28;

  private final long timeout;
  private final String label;
  private final boolean alarm;

  private IdletimerTarget(Opts o, ExtContext c) {
    o.require("IDLETIMER: option \"--timeout\" must be specified", "timeout");
    final long t = Num.tryUnsigned(o.str("timeout"));
    if (t < 0 || t > 0xffffffffL) {
      throw new ExtException("IDLETIMER: bad value for option \"--timeout\", or out of range (0-4294967295).");
    }
    // idletimer_tg_checkentry: 0 < timeout < INT_MAX / 1000, and a non-empty label
    if (t == 0 || t >= Integer.MAX_VALUE / 1000) {
      throw new ExtException("IDLETIMER: timeout value is zero or too big (the kernel refuses it)");
    }
    timeout = t;
    final String l = o.has("label") ? o.str("label") : "";
    label = l.length() >= LABEL_SIZE ? l.substring(0, LABEL_SIZE - 1) : l;
    if (label.isEmpty()) {
      throw new ExtException("IDLETIMER: --label is required and must not be empty (the kernel refuses it)");
    }
    alarm = o.has("alarm");
  }

  public long timeout() { return timeout; }
  public String label() { return label; }
  public boolean alarm() { return alarm; }

  @Override
  public String name() {
    return "IDLETIMER";
  }

  /** idletimer_tg_save: the label is printed bare (even with spaces), as iptables does. */
  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j IDLETIMER --timeout ").append(timeout).append(" --label ").append(label);
    if (alarm) {
      sb.append(" --alarm");
    }
  }

  /** idletimer_tg_target: re-arms the timer; continue. */
  @Override
  public int execute(PacketContext ctx) {
    return XtVerdict.CONTINUE;
  }
}
