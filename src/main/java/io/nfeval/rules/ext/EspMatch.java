package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -p esp -m esp [!] --espspi min[:max]} ({@code xt_esp.c}): the SPI of an IPsec ESP header,
 * bytes 0..3 of the 8-byte {@code struct ip_esp_hdr}.
 */
public final class EspMatch extends SpiHeaderMatch {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("esp",
      List.of(invArg("espspi")), Map.of(), EspMatch::new);

  private EspMatch(Opts o, ExtContext c) {
    super("esp", Protocols.ESP, 8, 0, o, c);
  }
}
