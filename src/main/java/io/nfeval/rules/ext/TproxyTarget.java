package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/** {@code -j TPROXY} revision 1 ({@code xt_TPROXY.c}): deliver to a local socket; mangle PREROUTING, tcp/udp. */
public final class TproxyTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("TPROXY",
      List.of(arg("on-port"), arg("on-ip"), arg("tproxy-mark")), Map.of(), TproxyTarget::new);

  private final int port;
  private final int addr;
  private final int mark;
  private final int mask;

  private TproxyTarget(Opts o, ExtContext c) {
    if (!c.tableIs("mangle") || c.hookOutside(ExtContext.PRE_ROUTING)) {
      throw new ExtException("TPROXY is only valid in mangle PREROUTING");
    }
    if (c.invProto() || c.proto() != 6 && c.proto() != 17) {
      throw new ExtException("TPROXY: Can be used only with -p tcp or -p udp");
    }
    o.require("TPROXY: --on-port is required", "on-port");
    port = Num.port(o.str("on-port"));
    addr = o.has("on-ip") ? Num.ipv4(o.str("on-ip")) : 0;
    final long[] vm = o.has("tproxy-mark") ? Num.valueMask(o.str("tproxy-mark"), 0xffffffffL, "mark")
        : new long[] {0, 0};
    mark = (int) vm[0];
    mask = (int) vm[1];
  }

  public int port() { return port; }
  public int addr() { return addr; }
  public int mark() { return mark; }
  public int mask() { return mask; }

  @Override
  public String name() {
    return "TPROXY";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j TPROXY --on-port ").append(port).append(" --on-ip ").append(Num.ipv4(addr))
        .append(" --tproxy-mark ").append(Num.hex(mark)).append('/').append(Num.hex(mask));
  }

  /**
   * tproxy_tg4: finds a local socket for the packet (established, else the listener on --on-ip/
   * --on-port); found: the mark is set ({@code (mark & ~mask) ^ value}) and the packet ACCEPTed
   * towards it; not found: DROP. A replay knows no sockets, so the outcome is assumed: with
   * assume-unknowable-matches a socket is taken to exist, otherwise the packet is dropped.
   */
  @Override
  public int execute(PacketContext ctx) {
    // tproxy_tg4: an established socket of the segment's own connection first (the redirect already
    // happened), else the listener on --on-ip/--on-port, known from the host's answers to the SYNs it
    // took (assumed without a first pass over a capture of the host's packets); either way only a
    // transparent socket takes the packet, anything else drops it
    final int established = ctx.tproxyEstablished();
    if (established == PacketContext.SOCK_TRANSPARENT) {
      ctx.setMark((ctx.mark() & ~mask) ^ mark);
      return XtVerdict.ACCEPT;
    }
    if (established == PacketContext.SOCK_FOUND) {
      return XtVerdict.DROP;
    }
    final int listener = ctx.tproxyListener();
    if (listener == PacketContext.SOCK_NONE) {
      return XtVerdict.DROP;
    }
    if (listener == PacketContext.SOCK_TRANSPARENT) {
      ctx.setMark((ctx.mark() & ~mask) ^ mark);
      ctx.tproxyAssigned();
      return XtVerdict.ACCEPT;
    }
    ctx.assume("TPROXY");
    if (!ctx.assumeUnknowableMatches()) {
      return XtVerdict.DROP;
    }
    ctx.setMark((ctx.mark() & ~mask) ^ mark);
    ctx.tproxyAssigned();
    return XtVerdict.ACCEPT;
  }
}
