package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.invArg;
import static io.nfeval.rules.ext.OptSpec.invFlag;

import java.util.List;
import java.util.Map;

/**
 * {@code -m ipvs} ({@code xt_ipvs.c}): properties of the IPVS connection a packet belongs to. nfeval models
 * no IPVS, so no packet carries {@code skb->ipvs_property}: a bare {@code --ipvs} never matches and
 * {@code ! --ipvs} always does; the other options, which would need the IPVS connection, are assumed
 * ({@link PacketContext#assumeUnknowableMatches()}) and flagged.
 */
public final class IpvsMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("ipvs",
      List.of(invFlag("ipvs"), invArg("vproto"), invArg("vaddr"), invArg("vport"), arg("vdir"), invArg("vmethod"),
          invArg("vportctl")), Map.of(), IpvsMatch::new);

  /** XT_IPVS_* bits (the option ids of libxt_ipvs). */
  public static final int PROPERTY = 1;
  public static final int PROTO = 1 << 1;
  public static final int VADDR = 1 << 2;
  public static final int VPORT = 1 << 3;
  public static final int DIR = 1 << 4;
  public static final int METHOD = 1 << 5;
  public static final int VPORTCTL = 1 << 6;
  private static final String[] METHODS = {"GATE", "IPIP", "MASQ"};

  private final int bitmask;
  private final int invert;
  private final int proto;
  private final int vaddr;
  private final int vmask;
  private final int vport;
  /** Index in GATE, IPIP, MASQ. */
  private final int method;
  private final int vportctl;

  private IpvsMatch(Opts o, ExtContext c) {
    if (o.isEmpty()) {
      throw new ExtException("IPVS: At least one option is required");
    }
    int bits = 0;
    int inv = 0;
    int p = 0;
    int a = 0;
    int m = 0;
    int port = 0;
    int meth = 0;
    int ctl = 0;
    final List<String> ids = List.of("ipvs", "vproto", "vaddr", "vport", "vdir", "vmethod", "vportctl");
    for (Opts.Given g : o.all()) {
      final String n = g.spec().name();
      final int bit = 1 << ids.indexOf(n);
      switch (n) {
        case "vproto" -> p = Protocols.parse(g.arg());
        case "vaddr" -> {
          final int[] am = Num.addrMask(g.arg());
          a = am[0];
          m = am[1];
        }
        case "vport" -> port = Num.port(g.arg());
        case "vportctl" -> ctl = Num.port(g.arg());
        case "vdir" -> {
          if (g.arg().equalsIgnoreCase("REPLY")) {
            inv |= DIR;
          } else if (!g.arg().equalsIgnoreCase("ORIGINAL")) {
            throw new ExtException("ipvs: bad value for option \"--vdir\" near \"" + g.arg() + "\"");
          }
        }
        case "vmethod" -> {
          meth = -1;
          for (int i = 0; i < METHODS.length; i++) {
            if (METHODS[i].equalsIgnoreCase(g.arg())) {
              meth = i;
            }
          }
          if (meth < 0) {
            throw new ExtException("ipvs: bad value for option \"--vmethod\" near \"" + g.arg() + "\"");
          }
        }
        default -> { }
      }
      bits |= bit;
      if (g.inv()) {
        inv |= bit;
      }
    }
    if ((bits & ~PROPERTY) != 0) {
      if ((inv & PROPERTY) != 0) {
        throw new ExtException("! --ipvs cannot be together with other options");
      }
      bits |= PROPERTY;
    }
    bitmask = bits;
    invert = inv;
    proto = p;
    vaddr = a;
    vmask = m;
    vport = port;
    method = meth;
    vportctl = ctl;
  }

  public int bitmask() { return bitmask; }
  public int invert() { return invert; }

  @Override
  public String name() {
    return "ipvs";
  }

  private void inv(StringBuilder sb, int bit) {
    if ((invert & bit) != 0) {
      sb.append(" !");
    }
  }

  /** ipvs_mt_dump with the "--" prefix: {@code --ipvs} only when it is the sole option. */
  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m ipvs");
    if (bitmask == PROPERTY) {
      inv(sb, PROPERTY);
      sb.append(" --ipvs");
    }
    if ((bitmask & PROTO) != 0) {
      inv(sb, PROTO);
      sb.append(" --vproto ").append(proto);
    }
    if ((bitmask & VADDR) != 0) {
      inv(sb, VADDR);
      final int len = Num.prefixLen(vmask);
      sb.append(" --vaddr ").append(Num.ipv4(vaddr))
          .append(len == 32 ? "" : len >= 0 ? "/" + len : "/" + Num.ipv4(vmask));
    }
    if ((bitmask & VPORT) != 0) {
      inv(sb, VPORT);
      sb.append(" --vport ").append(vport);
    }
    if ((bitmask & DIR) != 0) {
      sb.append((invert & DIR) != 0 ? " --vdir REPLY" : " --vdir ORIGINAL");
    }
    if ((bitmask & METHOD) != 0) {
      inv(sb, METHOD);
      sb.append(" --vmethod ").append(METHODS[method]);
    }
    if ((bitmask & VPORTCTL) != 0) {
      inv(sb, VPORTCTL);
      sb.append(" --vportctl ").append(vportctl);
    }
  }

  /**
   * ipvs_mt with {@code skb->ipvs_property} = 0: a bare (!) --ipvs gives its inversion; with other options
   * the kernel would answer false for a non-IPVS packet, but whether the host ran IPVS is unknown, so the
   * answer is assumed and flagged.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    if (bitmask == PROPERTY) {
      return (invert & PROPERTY) != 0;
    }
    ctx.assume("ipvs");
    return ctx.assumeUnknowableMatches();
  }
}
