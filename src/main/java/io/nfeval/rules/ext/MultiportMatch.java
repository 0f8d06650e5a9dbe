package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code -m multiport} revision 1 ({@code xt_multiport.c}, {@code libxt_multiport.c}): up to 15 ports,
 * a range counting as two.
 */
public final class MultiportMatch implements Match {
  /** Which port the list applies to. */
  public enum Flags { SOURCE, DESTINATION, EITHER }

  public static final ExtSpec<Match> SPEC = new ExtSpec<>("multiport",
      List.of(invArg("sports"), invArg("dports"), invArg("ports")),
      Map.of("source-ports", "sports", "destination-ports", "dports"), MultiportMatch::new);

  private final Flags flags;
  private final int[] mins;
  private final int[] maxs;
  private final boolean[] ranges;
  private final boolean invert;

  private MultiportMatch(Opts o, ExtContext c) {
    final int n = (o.has("sports") ? 1 : 0) + (o.has("dports") ? 1 : 0) + (o.has("ports") ? 1 : 0);
    if (n != 1) {
      throw new ExtException(n == 0 ? "multiport expects an option" : "multiport can only have one option");
    }
    c.requireProto("multiport", 6, 17, 136, 132, 33);
    final String key = o.has("sports") ? "sports" : o.has("dports") ? "dports" : "ports";
    flags = key.equals("sports") ? Flags.SOURCE : key.equals("dports") ? Flags.DESTINATION : Flags.EITHER;
    invert = o.inv(key);
    final List<int[]> list = new ArrayList<>();
    int slots = 0;
    for (String p : o.str(key).split(",", -1)) {
      final int[] r = Num.portRange(p, ':');
      if (p.indexOf(':') >= 0 && p.indexOf(':') != p.lastIndexOf(':')) {
        throw new ExtException("invalid port range " + p);
      }
      if (p.indexOf(':') >= 0 ? r[0] >= r[1] : r[0] > r[1]) {
        throw new ExtException("invalid portrange specified");
      }
      slots += p.indexOf(':') >= 0 ? 2 : 1;
      list.add(new int[] {r[0], r[1], p.indexOf(':') >= 0 ? 1 : 0});
    }
    if (slots > 15) {
      throw new ExtException("too many ports specified");
    }
    mins = new int[list.size()];
    maxs = new int[list.size()];
    ranges = new boolean[list.size()];
    for (int i = 0; i < list.size(); i++) {
      mins[i] = list.get(i)[0];
      maxs[i] = list.get(i)[1];
      ranges[i] = list.get(i)[2] == 1;
    }
  }

  public Flags flags() { return flags; }
  public int count() { return mins.length; }
  public int portMin(int i) { return mins[i]; }
  public int portMax(int i) { return maxs[i]; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "multiport";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m multiport");
    final StringBuilder v = new StringBuilder();
    for (int i = 0; i < mins.length; i++) {
      v.append(i == 0 ? "" : ",").append(ranges[i] ? mins[i] + ":" + maxs[i] : Integer.toString(mins[i]));
    }
    Save.opt(sb, invert, flags == Flags.SOURCE ? "sports" : flags == Flags.DESTINATION ? "dports" : "ports",
        v.toString());
  }

  // ---- evaluation (xt_multiport.c multiport_mt, ports_match_v1) ---------------------------------

  /**
   * multiport_mt: non-first fragments never match; the two 16-bit ports at the transport header
   * (whatever the protocol: tcp, udp, udplite, sctp, dccp all start so) must be readable, else
   * hot-drop; the first list element that contains the port decides ({@code true ^ invert}).
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final int th = PacketBytes.header(ctx, 4);
    if (th < 0) {
      return false;
    }
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int src = PacketBytes.u16(v, th);
    final int dst = PacketBytes.u16(v, th + 2);
    for (int i = 0; i < mins.length; i++) {
      final boolean hit = switch (flags) {
        case SOURCE -> src >= mins[i] && src <= maxs[i];
        case DESTINATION -> dst >= mins[i] && dst <= maxs[i];
        default -> (dst >= mins[i] && dst <= maxs[i]) || (src >= mins[i] && src <= maxs[i]);
      };
      if (hit) {
        return !invert;
      }
    }
    return invert;
  }
}
