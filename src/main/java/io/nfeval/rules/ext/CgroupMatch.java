package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m cgroup [!] --path P | [!] --cgroup CLASSID} ({@code xt_cgroup.c}, revision 2): the cgroup (v2
 * path) or net_cls class of the packet's socket. A capture does not tell either: a packet without a
 * socket never matches (the kernel returns false before any inversion); otherwise the answer is assumed
 * ({@link PacketContext#assumeUnknowableMatches()}) and flagged. INPUT, OUTPUT and POSTROUTING only.
 */
public final class CgroupMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("cgroup",
      List.of(invArg("path"), invArg("cgroup")), Map.of(), CgroupMatch::new);

  /** XT_CGROUP_PATH_MAX. */
  private static final int PATH_MAX = 512;

  private final String path;
  private final long classid;
  private final boolean invert;

  private CgroupMatch(Opts o, ExtContext c) {
    if (o.has("path") == o.has("cgroup")) {
      throw new ExtException("cgroup: exactly one of --path and --cgroup is required (the kernel refuses it)");
    }
    if (c.hookOutside(ExtContext.LOCAL_OUT | ExtContext.POST_ROUTING | ExtContext.LOCAL_IN)) {
      throw new ExtException("cgroup: only valid in the INPUT, OUTPUT and POSTROUTING chains");
    }
    path = o.str("path");
    if (path != null && path.length() >= PATH_MAX) {
      throw new ExtException("cgroup: --path must be shorter than " + PATH_MAX + " characters");
    }
    if (o.has("cgroup")) {
      final long v = Num.tryUnsigned(o.str("cgroup"));
      if (v < 0 || v > 0xffffffffL) {
        throw new ExtException("cgroup: bad value for option \"--cgroup\", or out of range (0-4294967295).");
      }
      classid = v;
    } else {
      classid = -1;
    }
    invert = o.inv("path") || o.inv("cgroup");
  }

  /** The cgroup v2 path, or null. */
  public String path() { return path; }
  /** The net_cls classid, or -1. */
  public long classid() { return classid; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "cgroup";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m cgroup");
    if (path != null) {
      Save.string(Save.opt(sb, invert, "path"), path);
    } else {
      Save.opt(sb, invert, "cgroup", Long.toString(classid));
    }
  }

  /**
   * cgroup_mt_v2: no full socket, no match; else the socket's cgroup, which is assumed. An arriving TCP or
   * UDP packet may carry its local socket already at INPUT (early demux, {@code net.ipv4.ip_early_demux}
   * on by default), which the capture does not tell: assumed too.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    if (ctx.socketKind() == PacketContext.SOCKET_NONE) {
      final int proto = ctx.ip().protocol();
      if (ctx.hook() != 1 || proto != Protocols.TCP && proto != Protocols.UDP) {
        return false;
      }
    }
    ctx.assume("cgroup");
    return ctx.assumeUnknowableMatches();
  }
}
