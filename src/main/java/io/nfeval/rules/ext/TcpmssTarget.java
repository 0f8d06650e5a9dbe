package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/** {@code -j TCPMSS} ({@code xt_TCPMSS.c}): set or clamp the MSS option of SYNs; needs {@code -p tcp}. */
public final class TcpmssTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("TCPMSS",
      List.of(arg("set-mss"), flag("clamp-mss-to-pmtu")), Map.of(), TcpmssTarget::new);

  private final int mss;
  private final boolean clampToPmtu;

  private TcpmssTarget(Opts o, ExtContext c) {
    if (o.has("set-mss") == o.has("clamp-mss-to-pmtu")) {
      throw new ExtException("TCPMSS target: exactly one of --set-mss or --clamp-mss-to-pmtu is required");
    }
    if (c.proto() != 6 || c.invProto()) {
      throw new ExtException("TCPMSS target: only valid for protocol tcp");
    }
    boolean syn = false;
    for (Match m : c.matches()) {
      syn |= m instanceof TcpMatch t && (t.flagsComp() & TcpMatch.SYN) != 0 && !t.invFlags();
    }
    if (!syn) {
      throw new ExtException("TCPMSS target: only works on TCP SYN packets (add --tcp-flags SYN,RST SYN)");
    }
    clampToPmtu = o.has("clamp-mss-to-pmtu");
    mss = clampToPmtu ? 0 : (int) Num.parseUnsigned(o.str("set-mss"), 65535, "mss");
  }

  /** The MSS to set; 0 when clamping to the path MTU. */
  public int mss() { return mss; }
  public boolean clampToPmtu() { return clampToPmtu; }

  @Override
  public String name() {
    return "TCPMSS";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j TCPMSS").append(clampToPmtu ? " --clamp-mss-to-pmtu" : " --set-mss " + mss);
  }

  /** sizeof(struct iphdr) + sizeof(struct tcphdr): what the MSS leaves of the path MTU. */
  private static final int MINLEN = 40;

  /**
   * tcpmss_tg4: the MSS to set is --set-mss or the path MTU minus 40 (an unknown or too small MTU
   * drops the packet, as the kernel's "unknown or invalid path-MTU"); the packet is mangled by
   * {@link PacketContext#setTcpMss} (never raising an MSS) and continues; broken TCP drops.
   */
  @Override
  public int execute(PacketContext ctx) {
    if (ctx.fragOffset() != 0) {
      return XtVerdict.CONTINUE;
    }
    final int newMss;
    if (clampToPmtu) {
      final int mtu = ctx.pathMtu();
      if (mtu <= MINLEN) {
        return XtVerdict.DROP;
      }
      newMss = mtu - MINLEN;
    } else {
      newMss = mss;
    }
    return ctx.setTcpMss(newMss) < 0 ? XtVerdict.DROP : XtVerdict.CONTINUE;
  }
}
