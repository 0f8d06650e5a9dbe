package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -p ah -m ah [!] --ahspi min[:max]} ({@code ipt_ah.c}): the SPI of an IPsec AH header. */
public final class AhMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("ah",
      List.of(invArg("ahspi")), Map.of(), AhMatch::new);

  private final SpiRange spis;

  private AhMatch(Opts o, ExtContext c) {
    c.requireProto("ah", Protocols.AH);
    spis = SpiRange.parse("ah", "ahspi", o.get("ahspi"));
  }

  public long spiMin() { return spis.min(); }
  public long spiMax() { return spis.max(); }
  public boolean invert() { return spis.invert(); }

  @Override
  public String name() {
    return "ah";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m ah");
    spis.save(sb, "ahspi");
  }

  /**
   * ah_mt: non-first fragments never match; a header shorter than {@code struct ip_auth_hdr} (12 bytes)
   * hot-drops; else the SPI (bytes 4..7) against the range.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    if (ctx.fragOffset() != 0) {
      return false;
    }
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int th = PacketBytes.thoff(v);
    if (PacketBytes.u8(v, th + 11) < 0) {
      ctx.hotdrop();
      return false;
    }
    return spis.test(PacketBytes.u32(v, th + 4));
  }
}
