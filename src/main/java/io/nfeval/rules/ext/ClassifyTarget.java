package io.nfeval.rules.ext;

import java.util.List;
import java.util.Map;

/** {@code -j CLASSIFY --set-class MAJOR:MINOR} ({@code xt_CLASSIFY.c}): sets skb->priority; mangle only. */
public final class ClassifyTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("CLASSIFY",
      List.of(OptSpec.arg("set-class")), Map.of(), ClassifyTarget::new);

  private final int priority;

  private ClassifyTarget(Opts o, ExtContext c) {
    if (!c.tableIs("mangle")) {
      throw new ExtException("CLASSIFY is only valid in the mangle table");
    }
    if (c.hookOutside(ExtContext.LOCAL_OUT | ExtContext.FORWARD | ExtContext.POST_ROUTING)) {
      throw new ExtException("CLASSIFY is only valid in OUTPUT, FORWARD and POSTROUTING");
    }
    o.require("CLASSIFY: --set-class is required", "set-class");
    final String s = o.str("set-class");
    final int colon = s.indexOf(':');
    try {
      if (colon < 0) {
        throw new NumberFormatException();
      }
      final int maj = Integer.parseInt(s.substring(0, colon), 16);
      final int min = Integer.parseInt(s.substring(colon + 1), 16);
      if (maj > 0xffff || min > 0xffff || maj < 0 || min < 0) {
        throw new NumberFormatException();
      }
      priority = maj << 16 | min;
    } catch (NumberFormatException e) {
      throw new ExtException("CLASSIFY: bad class value \"" + s + "\"");
    }
  }

  public int priority() { return priority; }

  @Override
  public String name() {
    return "CLASSIFY";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(String.format(" -j CLASSIFY --set-class %04x:%04x", priority >>> 16, priority & 0xffff));
  }

  /** classify_tg: {@code skb->priority = priority}; continue. */
  @Override
  public int execute(PacketContext ctx) {
    ctx.setPriority(priority);
    return XtVerdict.CONTINUE;
  }
}
