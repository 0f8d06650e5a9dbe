package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;
import static io.nfeval.rules.ext.OptSpec.invFlag;

import java.util.List;
import java.util.Map;

/**
 * {@code -m owner} revision 1 ({@code xt_owner.c}): the sending socket's uid/gid; only in OUTPUT and
 * POSTROUTING. User and group names other than {@code root} must be given as numbers (names depend on
 * the host).
 */
public final class OwnerMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("owner",
      List.of(invArg("uid-owner"), invArg("gid-owner"), invFlag("socket-exists"), invFlag("suppl-groups")),
      Map.of(), OwnerMatch::new);

  private final boolean hasUid;
  private final long uidMin;
  private final long uidMax;
  private final boolean invUid;
  private final boolean hasGid;
  private final long gidMin;
  private final long gidMax;
  private final boolean invGid;
  private final boolean socketExists;
  private final boolean invSocket;
  private final boolean supplGroups;

  private OwnerMatch(Opts o, ExtContext c) {
    if (c.hookOutside(ExtContext.LOCAL_OUT | ExtContext.POST_ROUTING)) {
      throw new ExtException("owner match is only valid in OUTPUT and POSTROUTING");
    }
    if (o.isEmpty()) {
      throw new ExtException("owner: no option given");
    }
    hasUid = o.has("uid-owner");
    final long[] u = hasUid ? range(o.str("uid-owner")) : new long[2];
    uidMin = u[0];
    uidMax = u[1];
    invUid = o.inv("uid-owner");
    hasGid = o.has("gid-owner");
    final long[] g = hasGid ? range(o.str("gid-owner")) : new long[2];
    gidMin = g[0];
    gidMax = g[1];
    invGid = o.inv("gid-owner");
    socketExists = o.has("socket-exists");
    invSocket = o.inv("socket-exists");
    supplGroups = o.has("suppl-groups");
    if (supplGroups && (!hasGid || o.inv("suppl-groups") || o.indexOf("suppl-groups") < o.indexOf("gid-owner"))) {
      throw new ExtException("owner: --suppl-groups requires a preceding --gid-owner and cannot be inverted");
    }
  }

  private static long[] range(String s) {
    if (s.equals("root")) {
      return new long[] {0, 0};
    }
    final int dash = s.indexOf('-');
    final long a = Num.parseUnsigned(dash < 0 ? s : s.substring(0, dash), 0xfffffffeL, "owner id");
    final long b = dash < 0 ? a : Num.parseUnsigned(s.substring(dash + 1), 0xfffffffeL, "owner id");
    if (a > b) {
      throw new ExtException("owner: bad range " + s);
    }
    return new long[] {a, b};
  }

  public boolean hasUid() { return hasUid; }
  public long uidMin() { return uidMin; }
  public long uidMax() { return uidMax; }
  public boolean invUid() { return invUid; }
  public boolean hasGid() { return hasGid; }
  public long gidMin() { return gidMin; }
  public long gidMax() { return gidMax; }
  public boolean invGid() { return invGid; }
  public boolean socketExists() { return socketExists; }
  public boolean invSocket() { return invSocket; }
  public boolean supplGroups() { return supplGroups; }

  @Override
  public String name() {
    return "owner";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m owner");
    if (socketExists) {
      Save.opt(sb, invSocket, "socket-exists");
    }
    if (hasUid) {
      Save.opt(sb, invUid, "uid-owner", uidMin == uidMax ? Long.toString(uidMin) : uidMin + "-" + uidMax);
    }
    if (hasGid) {
      Save.opt(sb, invGid, "gid-owner", gidMin == gidMax ? Long.toString(gidMin) : gidMin + "-" + gidMax);
    }
    if (supplGroups) {
      sb.append(" --suppl-groups");
    }
  }

  // ---- evaluation (xt_owner.c owner_mt) ---------------------------------------------------------

  /**
   * owner_mt, on what the capture tells of the packet's socket ({@link PacketContext#socketKind()}):
   * without a socket (arriving and forwarded packets, REJECT's answers, orphaned sockets) the match
   * holds only when every option given is inverted; a kernel control socket (the stack's RSTs, echo
   * replies, ICMP errors) has a socket but no file, so uid/gid options must all be inverted and
   * ! --socket-exists fails; a full socket compares fsuid/fsgid ranges. Unknown: assumed.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    switch (ctx.socketKind()) {
      case PacketContext.SOCKET_NONE:
        return noSocket();
      case PacketContext.SOCKET_KERNEL:
        if (socketExists && invSocket) {
          return false;
        }
        return !(hasUid && !invUid) && !(hasGid && !invGid);
      case PacketContext.SOCKET_FULL:
        break;
      default:
        ctx.assume("owner");
        return ctx.assumeUnknowableMatches();
    }
    if (socketExists && invSocket) {
      return false;
    }
    if (hasUid) {
      final long u = ctx.socketUid() & 0xffffffffL;
      if ((u >= uidMin && u <= uidMax) == invUid) {
        return false;
      }
    }
    if (hasGid) {
      final long g = ctx.socketGid() & 0xffffffffL;
      boolean match = g >= gidMin && g <= gidMax;
      if (!match && supplGroups) {
        ctx.assume("owner --suppl-groups");
        match = ctx.assumeUnknowableMatches();
      }
      if (match == invGid) {
        return false;
      }
    }
    return true;
  }

  /** {@code (info->match ^ info->invert) == 0}: every given option inverted. */
  private boolean noSocket() {
    return !(socketExists && !invSocket) && !(hasUid && !invUid) && !(hasGid && !invGid);
  }
}
