package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;
import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m connlabel [!] --label L [--set]} ({@code xt_connlabel.c}): a bit of the connection's label
 * set. nfeval's conntrack keeps no labels, so every connection is taken as having none (flagged): the
 * match gives its inversion, except with {@code --set}, where the kernel sets the bit and matches.
 * Labels are numbers 0..127 ({@code NF_CT_LABELS_MAX_SIZE * 8}); names need {@code connlabel.conf},
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

  /** connlabel_mt: no connection: {@code invert}; bit clear: set it with --set ({@code !invert}), else invert. */
  @Override
  public boolean matches(PacketContext ctx) {
    final int ct = ctx.ctInfo();
    if (ct == PacketContext.CT_INVALID || ct == PacketContext.CT_UNTRACKED) {
      return invert;
    }
    ctx.assume("connlabel");
    return set != invert;
  }
}
