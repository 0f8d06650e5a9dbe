package io.nfeval.rules.ext;

/**
 * The shape {@code ipt_ah.c} and {@code xt_esp.c} share: an IPsec header whose SPI is tested against
 * {@code [!] --<name>spi min[:max]}. Non-first fragments never match; a header shorter than the
 * kernel's struct hot-drops (ah_mt, esp_mt); else the SPI at its offset is compared with the range.
 */
abstract class SpiHeaderMatch implements Match {
  private final String name;
  private final int headerLength;
  private final int spiOffset;
  private final SpiRange spis;

  /** {@code headerLength}: sizeof the kernel's header struct; {@code spiOffset}: where the SPI sits. */
  SpiHeaderMatch(String name, int proto, int headerLength, int spiOffset, Opts o, ExtContext c) {
    c.requireProto(name, proto);
    this.name = name;
    this.headerLength = headerLength;
    this.spiOffset = spiOffset;
    this.spis = SpiRange.parse(name, name + "spi", o.get(name + "spi"));
  }

  public long spiMin() { return spis.min(); }
  public long spiMax() { return spis.max(); }
  public boolean invert() { return spis.invert(); }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m ").append(name);
    spis.save(sb, name + "spi");
  }

  @Override
  public boolean matches(PacketContext ctx) {
    final int th = PacketBytes.header(ctx, headerLength);
    if (th < 0) {
      return false;
    }
    final io.nfeval.packet.PacketView v = ctx.ip();
    return spis.test(PacketBytes.u32(v, th + spiOffset));
  }
}
