package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m mark --mark value[/mask]} ({@code xt_mark.c}): {@code (skb->mark & mask) == value}. */
public final class MarkMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("mark",
      List.of(invArg("mark")), Map.of(), (o, c) -> new MarkMatch("mark", o));

  private final String name;
  private final int mark;
  private final int mask;
  private final boolean invert;

  MarkMatch(String name, Opts o) {
    this.name = name;
    o.require(name + ": --mark is required", "mark");
    final long[] vm = Num.valueMask(o.str("mark"), 0xffffffffL, "mark");
    mark = (int) vm[0];
    mask = (int) vm[1];
    invert = o.inv("mark");
  }

  public int mark() { return mark; }
  public int mask() { return mask; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m ").append(name);
    Save.opt(sb, invert, "mark", Num.hex(mark) + (mask == -1 ? "" : "/" + Num.hex(mask)));
  }

  /** mark_mt: {@code ((skb->mark & mask) == mark) ^ invert}. */
  @Override
  public boolean matches(PacketContext ctx) {
    return ((ctx.mark() & mask) == mark) != invert;
  }
}
