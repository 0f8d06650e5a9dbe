package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m udp} ({@code xt_tcpudp.c} udp_mt, {@code libxt_udp.c}): source and destination ports. */
public final class UdpMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("udp",
      List.of(invArg("sport"), invArg("dport")),
      Map.of("source-port", "sport", "destination-port", "dport"), UdpMatch::new);

  private final int sportMin;
  private final int sportMax;
  private final boolean invSport;
  private final int dportMin;
  private final int dportMax;
  private final boolean invDport;

  private UdpMatch(Opts o, ExtContext c) {
    c.requireProto("udp", 17);
    final int[] sp = o.has("sport") ? Num.portRange(o.str("sport"), ':') : new int[] {0, 65535};
    final int[] dp = o.has("dport") ? Num.portRange(o.str("dport"), ':') : new int[] {0, 65535};
    sportMin = sp[0];
    sportMax = sp[1];
    invSport = o.inv("sport");
    dportMin = dp[0];
    dportMax = dp[1];
    invDport = o.inv("dport");
  }

  public int sportMin() { return sportMin; }
  public int sportMax() { return sportMax; }
  public boolean invSport() { return invSport; }
  public int dportMin() { return dportMin; }
  public int dportMax() { return dportMax; }
  public boolean invDport() { return invDport; }

  @Override
  public String name() {
    return "udp";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m udp");
    if (sportMin != 0 || sportMax != 65535 || invSport) {
      Save.opt(sb, invSport, "sport", Num.range(sportMin, sportMax));
    }
    if (dportMin != 0 || dportMax != 65535 || invDport) {
      Save.opt(sb, invDport, "dport", Num.range(dportMin, dportMax));
    }
  }

  // ---- evaluation (xt_tcpudp.c udp_mt) ----------------------------------------------------------

  /** udp_mt: non-first fragments never match; an unreadable 8-byte header hot-drops. */
  @Override
  public boolean matches(PacketContext ctx) {
    if (ctx.nfTablesBackend() && !(sportMin == 0 && sportMax == 65535 && dportMin == 0 && dportMax == 65535
        && !invSport && !invDport)) {
      // add_nft_udp: native payload compares unless the match is empty (see NftPayload)
      return NftPayload.ports(ctx.ip(), sportMin, sportMax, invSport, dportMin, dportMax, invDport);
    }
    if (ctx.fragOffset() != 0) {
      return false;
    }
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int th = PacketBytes.thoff(v);
    final int sport = PacketBytes.u16(v, th);
    final int dport = PacketBytes.u16(v, th + 2);
    if (PacketBytes.u8(v, th + 7) < 0 || sport < 0 || dport < 0) {
      ctx.hotdrop();
      return false;
    }
    return (sport >= sportMin && sport <= sportMax) != invSport
        && (dport >= dportMin && dport <= dportMax) != invDport;
  }
}
