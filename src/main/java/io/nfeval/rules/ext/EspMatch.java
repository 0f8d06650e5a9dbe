package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/** {@code -p esp -m esp [!] --espspi min[:max]} ({@code xt_esp.c}): the SPI of an IPsec ESP header. */
public final class EspMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("esp",
      List.of(invArg("espspi")), Map.of(), EspMatch::new);

  private final SpiRange spis;

  private EspMatch(Opts o, ExtContext c) {
    c.requireProto("esp", Protocols.ESP);
    spis = SpiRange.parse("esp", "espspi", o.get("espspi"));
  }

  public long spiMin() { return spis.min(); }
  public long spiMax() { return spis.max(); }
  public boolean invert() { return spis.invert(); }

  @Override
  public String name() {
    return "esp";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m esp");
    spis.save(sb, "espspi");
  }

  /**
   * esp_mt: non-first fragments never match; a header shorter than {@code struct ip_esp_hdr} (8 bytes)
   * hot-drops; else the SPI (bytes 0..3) against the range.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    if (ctx.fragOffset() != 0) {
      return false;
    }
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int th = PacketBytes.thoff(v);
    if (PacketBytes.u8(v, th + 7) < 0) {
      ctx.hotdrop();
      return false;
    }
    return spis.test(PacketBytes.u32(v, th));
  }
}
