package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -m udp} ({@code xt_tcpudp.c} udp_mt, {@code libxt_udp.c}): source and destination ports. */
public final class UdpMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("udp",
      List.of(invArg("sport"), invArg("dport")),
      Map.of("source-port", "sport", "destination-port", "dport"), UdpMatch::new);

  private final PortRanges ports;

  private UdpMatch(Opts o, ExtContext c) {
    c.requireProto("udp", 17);
    ports = PortRanges.parse(o);
  }

  /** --sport and --dport. */
  public PortRanges ports() { return ports; }

  @Override
  public String name() {
    return "udp";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m udp");
    ports.save(sb);
  }

  // ---- evaluation (xt_tcpudp.c udp_mt) ----------------------------------------------------------

  /** udp_mt: non-first fragments never match; an unreadable 8-byte header hot-drops. */
  @Override
  public boolean matches(PacketContext ctx) {
    if (ctx.nfTablesBackend() && !ports.any()) {
      // add_nft_udp: native payload compares unless the match is empty (see NftPayload)
      return ports.nftMatches(ctx.ip());
    }
    final int th = PacketBytes.header(ctx, 8);
    if (th < 0) {
      return false;
    }
    final io.nfeval.packet.PacketView v = ctx.ip();
    return ports.matches(PacketBytes.u16(v, th), PacketBytes.u16(v, th + 2));
  }
}
