package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/** {@code -m socket} ({@code xt_socket.c}): a local socket exists for the packet. */
public final class SocketMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("socket",
      List.of(flag("transparent"), flag("nowildcard"), flag("restore-skmark")), Map.of(), SocketMatch::new);

  private final boolean transparent;
  private final boolean nowildcard;
  private final boolean restoreSkmark;

  private SocketMatch(Opts o, ExtContext c) {
    if (c.hookOutside(ExtContext.PRE_ROUTING | ExtContext.LOCAL_IN)) {
      throw new ExtException("socket match is only valid in PREROUTING and INPUT");
    }
    transparent = o.has("transparent");
    nowildcard = o.has("nowildcard");
    restoreSkmark = o.has("restore-skmark");
  }

  public boolean transparent() { return transparent; }
  public boolean nowildcard() { return nowildcard; }
  public boolean restoreSkmark() { return restoreSkmark; }

  @Override
  public String name() {
    return "socket";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m socket");
    if (transparent) {
      sb.append(" --transparent");
    }
    if (nowildcard) {
      sb.append(" --nowildcard");
    }
    if (restoreSkmark) {
      sb.append(" --restore-skmark");
    }
  }

  /**
   * socket_mt: needs the host's sockets (established and listening), which a capture does not
   * carry: always assumed.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    ctx.assume("socket");
    return ctx.assumeUnknowableMatches();
  }
}
