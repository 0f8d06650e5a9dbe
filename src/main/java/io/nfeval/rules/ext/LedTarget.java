package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/**
 * {@code -j LED --led-trigger-id ID [--led-delay ms|inf] [--led-always-blink]} ({@code xt_LED.c}): blinks
 * the LED trigger {@code netfilter-ID}. No effect on the packet: continue.
 */
public final class LedTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("LED",
      List.of(arg("led-trigger-id"), arg("led-delay"), flag("led-always-blink")), Map.of(), LedTarget::new);

  private final String id;
  /** Milliseconds, -1 for "inf", 0 when not given. */
  private final long delay;
  private final boolean alwaysBlink;

  private LedTarget(Opts o, ExtContext c) {
    o.require("LED: option \"--led-trigger-id\" must be specified", "led-trigger-id");
    id = o.str("led-trigger-id");
    if (id.isEmpty()) {
      throw new ExtException("--led-trigger-id cannot be blank");
    }
    // struct xt_led_info.id[27] holds "netfilter-" + the id
    if (id.length() > 27 - "netfilter-".length() - 1) {
      throw new ExtException("--led-trigger-id must be 16 chars or less");
    }
    final String d = o.str("led-delay");
    if (d == null) {
      delay = 0;
    } else if (d.regionMatches(true, 0, "inf", 0, 3)) {
      delay = -1;
    } else {
      final long v = Num.tryUnsigned(d);
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw new ExtException("LED: bad value for option \"--led-delay\": \"" + d + "\"");
      }
      delay = v;
    }
    alwaysBlink = o.has("led-always-blink");
  }

  public String triggerId() { return id; }
  public long delay() { return delay; }
  public boolean alwaysBlink() { return alwaysBlink; }

  @Override
  public String name() {
    return "LED";
  }

  /** led_save: the id always in double quotes, with {@code "} and {@code \} escaped. */
  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j LED --led-trigger-id \"");
    for (int i = 0; i < id.length(); i++) {
      final char ch = id.charAt(i);
      if (ch == '\\' || ch == '"') {
        sb.append('\\');
      }
      sb.append(ch);
    }
    sb.append('"');
    if (delay == -1) {
      sb.append(" --led-delay inf");
    } else if (delay != 0) {
      sb.append(" --led-delay ").append(delay);
    }
    if (alwaysBlink) {
      sb.append(" --led-always-blink");
    }
  }

  /** led_tg: fires the trigger; continue. */
  @Override
  public int execute(PacketContext ctx) {
    return XtVerdict.CONTINUE;
  }
}
