package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;
import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m connlabel [!] --label L [--set]} ({@code xt_connlabel.c}): a bit of the connection's label
 * set, kept per connection once a connlabel rule is loaded (nf_connlabels_get: connections created
 * from then on carry labels). Labels are numbers 0..127 ({@code NF_CT_LABELS_MAX_SIZE * 8}); names need {@code connlabel.conf},
 * which a snapshot does not carry.
 */
public final class ConnlabelMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("connlabel",
      List.of(invArg("label"), flag("set")), Map.of(), ConnlabelMatch::new);

  private final int bit;
  private final boolean invert;
  private final boolean set;

  private ConnlabelMatch(Opts o, ExtContext c) {
    o.require("connlabel: option \"--label\" must be specified", "label");
    final String s = o.str("label");
    final long v = Num.tryUnsigned(s);
    if (v < 0) {
      throw new ExtException("label '" + s + "' not found or invalid value (no connlabel.conf names)");
    }
    if (v > 127) {
      throw new ExtException("connlabel: label " + v + " is out of range 0-127 (the kernel refuses it)");
    }
    bit = (int) v;
    invert = o.inv("label");
    set = o.has("set");
  }

  public int bit() { return bit; }
  public boolean invert() { return invert; }
  public boolean set() { return set; }

  @Override
  public String name() {
    return "connlabel";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m connlabel");
    Save.opt(sb, invert, "label").append(" \"").append(bit).append('"');
    if (set) {
      sb.append(" --set");
    }
  }

  /**
   * connlabel_mt: no connection (or no labels): {@code invert}; bit set: {@code !invert}; bit clear: with
   * --set it is set and {@code !invert}, else {@code invert}.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final int ct = ctx.ctInfo();
    if (ct == PacketContext.CT_INVALID || ct == PacketContext.CT_UNTRACKED) {
      return invert;
    }
    final int b = ctx.ctLabel(bit, set);
    return b == 1 ? !invert : invert;
  }

  /** --set writes the connection's labels: later packets see what earlier ones set. */
  @Override
  public boolean dependsOnEarlierPackets() {
    return set;
  }
}
