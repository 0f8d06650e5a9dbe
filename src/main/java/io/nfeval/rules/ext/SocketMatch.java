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
   * socket_mt: whether the lookup finds a socket for the segment. A listener bound to 0.0.0.0 counts
   * only with {@code --nowildcard}; {@code --transparent} wants IP_TRANSPARENT. The host's sockets come
   * from the captures of its own packets (engine.HostSockets); without them (arrivals only, UDP) the
   * answer is assumed.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final int s = ctx.socketLookup();
    switch (s) {
      case PacketContext.SOCK_NONE:
        return false;
      case PacketContext.SOCK_FOUND:
        return !transparent;
      case PacketContext.SOCK_TRANSPARENT:
        if (restoreSkmark) {
          ctx.assume("socket mark"); // sk_mark of a full transparent socket: the skb keeps its mark
        }
        return true;
      case PacketContext.SOCK_LISTENER:
        // the capture cannot tell a listener's bound address: daemons bind 0.0.0.0, ignored unless
        // --nowildcard; such a listener is not transparent
        ctx.assume("socket listener bound to 0.0.0.0");
        return nowildcard && !transparent;
      default:
        ctx.assume("socket");
        return ctx.assumeUnknowableMatches();
    }
  }
}
