package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m pkttype --pkt-type unicast|broadcast|multicast} ({@code xt_pkttype.c}, PACKET_* values). */
public final class PkttypeMatch implements Match {
  /** PACKET_* numbers in index order; print uses the first name of a value. */
  private static final List<String> NAMES = List.of("unicast", "broadcast", "multicast", "otherhost",
      "outgoing", "loopback", "fastroute");

  public static final ExtSpec<Match> SPEC = new ExtSpec<>("pkttype",
      List.of(invArg("pkt-type")), Map.of(), PkttypeMatch::new);

  private final int pktType;
  private final boolean invert;

  private PkttypeMatch(Opts o, ExtContext c) {
    o.require("pkttype: --pkt-type is required", "pkt-type");
    final String s = o.str("pkt-type").toLowerCase(java.util.Locale.ROOT);
    int t = s.equals("host") ? 0 : NAMES.indexOf(s);
    if (t < 0) {
      throw new ExtException("Bad packet type '" + s + "'");
    }
    pktType = t;
    invert = o.inv("pkt-type");
  }

  /** PACKET_HOST (0), PACKET_BROADCAST (1), PACKET_MULTICAST (2), PACKET_OTHERHOST (3), ... */
  public int pktType() { return pktType; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "pkttype";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m pkttype");
    Save.opt(sb, invert, "pkt-type", NAMES.get(pktType));
  }

  /** PACKET_LOOPBACK. */
  private static final int PACKET_LOOPBACK = 5;

  /**
   * pkttype_mt: skb->pkt_type, except that a looped-back packet counts as multicast when its
   * destination is multicast and as broadcast otherwise.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    int type = ctx.pktType();
    if (type == PACKET_LOOPBACK) {
      type = (ctx.ip().dstAddr() & 0xf0000000) == 0xe0000000 ? 2 : 1;
    }
    return (type == pktType) != invert;
  }
}
