package io.nfeval.rules.ext;

/**
 * The {@code --sport}/{@code --dport} ranges the tcp, udp and sctp matches share ({@code spts[2]},
 * {@code dpts[2]} and the two inversion flags of {@code struct xt_tcp}, {@code xt_udp},
 * {@code xt_sctp_info}): parsed, saved and tested ({@code port_match} of xt_tcpudp.c) the same way for
 * the three protocols. Immutable.
 */
public final class PortRanges {
  private final int sportMin;
  private final int sportMax;
  private final boolean invSport;
  private final int dportMin;
  private final int dportMax;
  private final boolean invDport;

  private PortRanges(int[] sp, boolean invSport, int[] dp, boolean invDport) {
    this.sportMin = sp[0];
    this.sportMax = sp[1];
    this.invSport = invSport;
    this.dportMin = dp[0];
    this.dportMax = dp[1];
    this.invDport = invDport;
  }

  /** The ranges of a match's {@code sport}/{@code dport} options (0:65535 when absent). */
  static PortRanges parse(Opts o) {
    return new PortRanges(range(o, "sport"), o.inv("sport"), range(o, "dport"), o.inv("dport"));
  }

  private static int[] range(Opts o, String name) {
    return o.has(name) ? Num.portRange(o.str(name), ':') : new int[] {0, 65535};
  }

  public int sportMin() { return sportMin; }
  public int sportMax() { return sportMax; }
  public boolean invSport() { return invSport; }
  public int dportMin() { return dportMin; }
  public int dportMax() { return dportMax; }
  public boolean invDport() { return invDport; }

  /** Whether neither port is tested (both 0:65535, not inverted). */
  public boolean any() {
    return sportMin == 0 && sportMax == 65535 && dportMin == 0 && dportMax == 65535 && !invSport
        && !invDport;
  }

  /** port_match for both ports. */
  public boolean matches(int sport, int dport) {
    return (sport >= sportMin && sport <= sportMax) != invSport
        && (dport >= dportMin && dport <= dportMax) != invDport;
  }

  /** Appends the options iptables-save prints: each port test that is not the full range. */
  void save(StringBuilder sb) {
    if (sportMin != 0 || sportMax != 65535 || invSport) {
      Save.opt(sb, invSport, "sport", Num.range(sportMin, sportMax));
    }
    if (dportMin != 0 || dportMax != 65535 || invDport) {
      Save.opt(sb, invDport, "dport", Num.range(dportMin, dportMax));
    }
  }

  /** add_nft_tcp/add_nft_udp's native payload compare of both ports (see NftPayload). */
  boolean nftMatches(io.nfeval.packet.PacketView v) {
    return NftPayload.ports(v, sportMin, sportMax, invSport, dportMin, dportMax, invDport);
  }
}
