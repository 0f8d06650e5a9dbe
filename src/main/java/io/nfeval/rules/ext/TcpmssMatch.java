package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m tcpmss --mss min[:max]} ({@code xt_tcpmss.c}): the MSS option of TCP SYNs. */
public final class TcpmssMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("tcpmss",
      List.of(invArg("mss")), Map.of(), TcpmssMatch::new);

  private final int min;
  private final int max;
  private final boolean invert;

  private TcpmssMatch(Opts o, ExtContext c) {
    c.requireProto("tcpmss", 6);
    o.require("tcpmss: --mss is required", "mss");
    final String s = o.str("mss");
    final int colon = s.indexOf(':');
    if (colon < 0) {
      min = (int) Num.parseUnsigned(s, 65535, "mss");
      max = min;
    } else {
      min = colon == 0 ? 0 : (int) Num.parseUnsigned(s.substring(0, colon), 65535, "mss");
      max = colon == s.length() - 1 ? 65535 : (int) Num.parseUnsigned(s.substring(colon + 1), 65535, "mss");
    }
    if (min > max) {
      throw new ExtException("tcpmss: min > max");
    }
    invert = o.inv("mss");
  }

  public int min() { return min; }
  public int max() { return max; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "tcpmss";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m tcpmss");
    Save.opt(sb, invert, "mss", Num.range(min, max));
  }

  // ---- evaluation (xt_tcpmss.c tcpmss_mt) -------------------------------------------------------

  /**
   * tcpmss_mt: the MSS option's value against the range; no option: {@code invert}; an unreadable
   * header or options hot-drop. Like the kernel it does not skip fragments.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int th = PacketBytes.thoff(v);
    final int doffByte = PacketBytes.u8(v, th + 12);
    if (doffByte < 0 || PacketBytes.u8(v, th + 19) < 0) {
      ctx.hotdrop();
      return false;
    }
    final int doff = (doffByte >> 4) * 4;
    if (doff < 20) {
      ctx.hotdrop();
      return false;
    }
    final int optlen = doff - 20;
    if (optlen == 0) {
      return invert;
    }
    final int op = th + 20;
    if (PacketBytes.u8(v, op + optlen - 1) < 0) {
      ctx.hotdrop();
      return false;
    }
    for (int i = 0; i < optlen; ) {
      final int kind = PacketBytes.u8(v, op + i);
      if (kind == 2 && optlen - i >= 4 && PacketBytes.u8(v, op + i + 1) == 4) {
        final int mss = PacketBytes.u16(v, op + i + 2);
        return (mss >= min && mss <= max) != invert;
      }
      if (kind < 2) {
        i++;
      } else {
        final int len = i + 1 < optlen ? PacketBytes.u8(v, op + i + 1) : 0;
        i += len <= 0 ? 1 : len;
      }
    }
    return invert;
  }
}
