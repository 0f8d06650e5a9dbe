package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -p ah -m ah [!] --ahspi min[:max]} ({@code ipt_ah.c}): the SPI of an IPsec AH header, bytes
 * 4..7 of the 12-byte {@code struct ip_auth_hdr}.
 */
public final class AhMatch extends SpiHeaderMatch {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("ah",
      List.of(invArg("ahspi")), Map.of(), AhMatch::new);

  private AhMatch(Opts o, ExtContext c) {
    super("ah", Protocols.AH, 12, 4, o, c);
  }
}
