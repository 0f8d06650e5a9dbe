package io.nfeval.rules.ext;

import java.util.List;
import java.util.Map;

/** {@code -m nfacct --nfacct-name NAME} ({@code xt_nfacct.c}): counts into an accounting object; always matches. */
public final class NfacctMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("nfacct",
      List.of(OptSpec.arg("nfacct-name")), Map.of(), NfacctMatch::new);

  private final String objectName;

  private NfacctMatch(Opts o, ExtContext c) {
    o.require("nfacct: --nfacct-name is required", "nfacct-name");
    objectName = o.str("nfacct-name");
    if (objectName.length() > 31) {
      throw new ExtException("nfacct: name too long");
    }
  }

  public String objectName() { return objectName; }

  @Override
  public String name() {
    return "nfacct";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m nfacct --nfacct-name");
    Save.string(sb, objectName);
  }

  /**
   * nfacct_mt: counts the packet (and skb->len bytes) into the named accounting object and matches
   * (the quota variant, with its over-quota answer, is not parsed). The counters live in the
   * engine's shared state under {@code nfacct:NAME} as {@code long[] {packets, bytes}}.
   */
  @Override
  public Object newState() {
    return new long[][] {null};
  }

  @Override
  public boolean matches(PacketContext ctx) {
    final long[][] ref = (long[][]) ctx.matchState();
    long[] c = ref[0];
    if (c == null) {
      c = (long[]) ctx.sharedState("nfacct:" + objectName, () -> new long[2]);
      ref[0] = c;
    }
    c[0]++;
    c[1] += ctx.length();
    return true;
  }
}
