package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m connbytes} ({@code xt_connbytes.c}): packets/bytes/average of the connection so far. */
public final class ConnbytesMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("connbytes",
      List.of(invArg("connbytes"), arg("connbytes-mode"), arg("connbytes-dir")), Map.of(), ConnbytesMatch::new);

  private final long from;
  private final long to;
  private final boolean invert;
  private final String mode;
  private final String dir;

  private ConnbytesMatch(Opts o, ExtContext c) {
    o.require("connbytes: --connbytes is required", "connbytes");
    o.require("connbytes: --connbytes-mode is required", "connbytes-mode");
    o.require("connbytes: --connbytes-dir is required", "connbytes-dir");
    final String s = o.str("connbytes");
    final int colon = s.indexOf(':');
    final String a = colon < 0 ? s : s.substring(0, colon);
    final String b = colon < 0 ? "" : s.substring(colon + 1);
    from = a.isEmpty() ? 0 : Num.parseUnsigned(a, Long.MAX_VALUE, "connbytes");
    to = b.isEmpty() ? -1 : Num.parseUnsigned(b, Long.MAX_VALUE, "connbytes");
    if (to != -1 && from > to) {
      throw new ExtException("connbytes: from > to");
    }
    invert = o.inv("connbytes");
    mode = o.str("connbytes-mode");
    if (!List.of("packets", "bytes", "avgpkt").contains(mode)) {
      throw new ExtException("connbytes: bad --connbytes-mode");
    }
    dir = o.str("connbytes-dir");
    if (!List.of("original", "reply", "both").contains(dir)) {
      throw new ExtException("connbytes: bad --connbytes-dir");
    }
  }

  public long from() { return from; }
  /** Upper bound, or -1 for none (2^64-1). */
  public long to() { return to; }
  public boolean invert() { return invert; }
  public String mode() { return mode; }
  public String dir() { return dir; }

  @Override
  public String name() {
    return "connbytes";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m connbytes");
    Save.opt(sb, invert, "connbytes", to == -1 ? Long.toString(from) : from + ":" + to)
        .append(" --connbytes-mode ").append(mode).append(" --connbytes-dir ").append(dir);
  }

  // ---- evaluation (xt_connbytes.c connbytes_mt) -------------------------------------------------

  /**
   * connbytes_mt: without a connection (or accounting) no match; the amount is packets, bytes or
   * bytes/packets of the chosen direction(s), including the current packet (conntrack counts it
   * before the tables run). iptables stores {@code ! a:b} as {@code from=b, to=a}, and the kernel
   * then matches outside the range; {@code ! a:a} swaps to the same range and is not inverted.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final int ctinfo = ctx.ctInfo();
    if (ctinfo < 0 || ctinfo > 4) {
      return false;
    }
    final boolean orig = !dir.equals("reply");
    final boolean repl = !dir.equals("original");
    final long pk = (orig ? ctx.ctPackets(0) : 0) + (repl ? ctx.ctPackets(1) : 0);
    final long by = (orig ? ctx.ctBytes(0) : 0) + (repl ? ctx.ctBytes(1) : 0);
    final long what = switch (mode) {
      case "packets" -> pk;
      case "bytes" -> by;
      default -> pk == 0 ? 0 : Long.divideUnsigned(by, pk);
    };
    final long kFrom = invert ? to : from;
    final long kTo = invert ? from : to;
    if (Long.compareUnsigned(kTo, kFrom) >= 0) {
      return Long.compareUnsigned(what, kTo) <= 0 && Long.compareUnsigned(what, kFrom) >= 0;
    }
    return Long.compareUnsigned(what, kTo) < 0 || Long.compareUnsigned(what, kFrom) > 0;
  }
}
