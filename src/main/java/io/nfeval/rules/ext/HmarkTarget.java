package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/**
 * {@code -j HMARK} ({@code xt_HMARK.c}): sets the packet mark to a hash of (masked) addresses, ports or SPI
 * and protocol, {@code reciprocal_scale(jhash, mod) + offset}, from the packet (the inner header of an ICMP
 * error) or with {@code --hmark-tuple ct} from the connection's tuples. Computed exactly as the kernel.
 */
public final class HmarkTarget implements Target {
  /** Option names by flag bit (nfeval's own numbering of the XT_HMARK_* flags). */
  private static final List<String> IDS = List.of("hmark-src-prefix", "hmark-dst-prefix", "hmark-spi-mask",
      "hmark-sport-mask", "hmark-dport-mask", "hmark-spi", "hmark-sport", "hmark-dport", "hmark-ct",
      "hmark-method-l3", "hmark-method-l3-4", "hmark-proto-mask", "hmark-rnd", "hmark-mod", "hmark-offset");
  private static final int SADDR = 1;
  private static final int DADDR = 1 << 1;
  private static final int SPI_MASK = 1 << 2;
  private static final int SPORT_MASK = 1 << 3;
  private static final int DPORT_MASK = 1 << 4;
  private static final int SPI = 1 << 5;
  private static final int SPORT = 1 << 6;
  private static final int DPORT = 1 << 7;
  private static final int CT = 1 << 8;
  private static final int PROTO_MASK = 1 << 11;
  private static final int RND = 1 << 12;
  private static final int MODULUS = 1 << 13;
  private static final int OFFSET = 1 << 14;
  private static final int PKT_MASK = SADDR | DADDR | SPI_MASK | SPORT_MASK | DPORT_MASK | PROTO_MASK | SPI
      | SPORT | DPORT;

  public static final ExtSpec<Target> SPEC = new ExtSpec<>("HMARK",
      List.of(arg("hmark-tuple"), arg("hmark-src-prefix"), arg("hmark-dst-prefix"), arg("hmark-sport-mask"),
          arg("hmark-dport-mask"), arg("hmark-spi-mask"), arg("hmark-sport"), arg("hmark-dport"),
          arg("hmark-spi"), arg("hmark-proto-mask"), arg("hmark-rnd"), arg("hmark-mod"), arg("hmark-offset")),
      Map.of(), HmarkTarget::new);

  private final int flags;
  private final int srcMask;
  private final int dstMask;
  /** Ports as (sport << 16 | dport) in host order, or the SPI. */
  private final int portMask;
  private final int portSet;
  private final int protoMask;
  private final int hashrnd;
  private final long modulus;
  private final int offset;
  /** Prefix lengths as given (for save), 0..32. */
  private final int srcPlen;
  private final int dstPlen;

  private HmarkTarget(Opts o, ExtContext c) {
    int f = 0;
    int xflags = 0;
    int sm = 0;
    int dm = 0;
    int sp = 0;
    int dp = 0;
    int pm = 0;
    int ps = 0;
    int proto = 0;
    int rnd = 0;
    long mod = 0;
    int off = 0;
    for (Opts.Given g : o.all()) {
      final String n = g.spec().name();
      if (n.equals("hmark-tuple")) {
        for (String t : tupleTypes(g.arg())) {
          switch (t) {
            case "ct" -> f |= CT;
            case "src" -> { sm = -1; sp = 32; f |= SADDR; }
            case "dst" -> { dm = -1; dp = 32; f |= DADDR; }
            case "sport" -> { pm |= 0xffff0000; f |= SPORT_MASK; }
            case "dport" -> { pm |= 0xffff; f |= DPORT_MASK; }
            case "proto" -> { proto = 0xffff; f |= PROTO_MASK; }
            default -> { pm = -1; f |= SPI_MASK; } // spi
          }
        }
        xflags |= f & (CT | SADDR | DADDR | SPORT_MASK | DPORT_MASK | PROTO_MASK | SPI_MASK);
        continue;
      }
      final int bit = 1 << IDS.indexOf(n);
      if ((xflags & bit) != 0) {
        throw new ExtException("HMARK: option \"--" + n + "\" can only be used once.");
      }
      xflags |= bit;
      f |= bit;
      final String a = g.arg();
      switch (n) {
        case "hmark-src-prefix" -> { sp = plen(a, n); sm = Num.prefixMask(sp); }
        case "hmark-dst-prefix" -> { dp = plen(a, n); dm = Num.prefixMask(dp); }
        case "hmark-sport-mask" -> pm = (pm & 0xffff) | ((int) num(a, n, 0, 0xffff) << 16);
        case "hmark-dport-mask" -> pm = (pm & 0xffff0000) | (int) num(a, n, 0, 0xffff);
        case "hmark-spi-mask" -> pm = (int) num(a, n, 0, 0xffffffffL);
        case "hmark-sport" -> ps = (ps & 0xffff) | ((int) num(a, n, 0, 0xffff) << 16);
        case "hmark-dport" -> ps = (ps & 0xffff0000) | (int) num(a, n, 0, 0xffff);
        case "hmark-spi" -> ps = (int) num(a, n, 0, 0xffffffffL);
        case "hmark-proto-mask" -> proto = (int) num(a, n, 0, 0xffff);
        case "hmark-rnd" -> rnd = (int) num(a, n, 0, 0xffffffffL);
        case "hmark-mod" -> mod = num(a, n, 1, 0xffffffffL);
        default -> off = (int) num(a, n, 0, 0xffffffffL); // hmark-offset
      }
    }
    // HMARK_check, then hmark_tg_check
    if ((xflags & MODULUS) == 0) {
      throw new ExtException("HMARK: option \"--hmark-mod\" must be specified");
    }
    if ((xflags & RND) == 0) {
      throw new ExtException("--hmark-rnd is mandatory");
    }
    if ((xflags & SPI_MASK) != 0 && (xflags & (SPORT_MASK | DPORT_MASK)) != 0) {
      throw new ExtException("you cannot use --hmark-spi-mask and --hmark-?port-mask,at the same time");
    }
    if ((xflags & PKT_MASK) == 0 && (xflags & CT) == 0) {
      throw new ExtException("you have to specify --hmark-tuple at least");
    }
    if ((f & SPI) != 0 && (f & (SPORT | DPORT)) != 0) {
      throw new ExtException("HMARK: spi-set and port-set can't be combined (the kernel refuses it)");
    }
    flags = f;
    srcMask = sm;
    dstMask = dm;
    srcPlen = sp;
    dstPlen = dp;
    portMask = pm;
    portSet = ps;
    protoMask = proto;
    hashrnd = rnd;
    modulus = mod;
    offset = off;
  }

  /** hmark_parse_type: comma-separated, each a case-insensitive prefix of a type name. */
  private static List<String> tupleTypes(String arg) {
    final List<String> names = List.of("ct", "src", "dst", "sport", "dport", "proto", "spi");
    final List<String> out = new java.util.ArrayList<>();
    if (arg.isEmpty() || arg.endsWith(",")) {
      throw new ExtException("\"--hmark-tuple\" requires a list of types with no spaces, e.g. src,dst,sport,dport,proto");
    }
    for (String t : arg.split(",", -1)) {
      String hit = null;
      for (String n : names) {
        if (!t.isEmpty() && t.length() <= n.length() && n.regionMatches(true, 0, t, 0, t.length())) {
          hit = n;
          break;
        }
      }
      if (hit == null) {
        throw new ExtException("Bad type \"" + t + "\"");
      }
      out.add(hit);
    }
    return out;
  }

  private static long num(String s, String opt, long min, long max) {
    final long v = Num.tryUnsigned(s);
    if (v < min || v > max) {
      throw new ExtException("HMARK: bad value for option \"--" + opt + "\", or out of range (" + min + "-" + max
          + ").");
    }
    return v;
  }

  /** XTTYPE_PLENMASK: 0..128 (family-agnostic); only the first 32 bits count for IPv4. */
  private static int plen(String s, String opt) {
    return (int) Math.min(32, num(s, opt, 0, 128));
  }

  public int flags() { return flags; }
  public long modulus() { return modulus; }
  public int offset() { return offset; }
  public int hashrnd() { return hashrnd; }

  @Override
  public String name() {
    return "HMARK";
  }

  /** HMARK_ip4_save. */
  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j HMARK");
    if ((flags & SADDR) != 0) {
      sb.append(" --hmark-src-prefix ").append(srcPlen);
    }
    if ((flags & DADDR) != 0) {
      sb.append(" --hmark-dst-prefix ").append(dstPlen);
    }
    if ((flags & SPORT_MASK) != 0) {
      sb.append(String.format(" --hmark-sport-mask 0x%04x", portMask >>> 16));
    }
    if ((flags & DPORT_MASK) != 0) {
      sb.append(String.format(" --hmark-dport-mask 0x%04x", portMask & 0xffff));
    }
    if ((flags & SPI_MASK) != 0) {
      sb.append(String.format(" --hmark-spi-mask 0x%08x", portMask));
    }
    if ((flags & SPORT) != 0) {
      sb.append(String.format(" --hmark-sport 0x%04x", portSet >>> 16));
    }
    if ((flags & DPORT) != 0) {
      sb.append(String.format(" --hmark-dport 0x%04x", portSet & 0xffff));
    }
    if ((flags & SPI) != 0) {
      sb.append(String.format(" --hmark-spi 0x%08x", portSet));
    }
    if ((flags & PROTO_MASK) != 0) {
      sb.append(String.format(" --hmark-proto-mask 0x%02x", protoMask));
    }
    if ((flags & RND) != 0) {
      sb.append(String.format(" --hmark-rnd 0x%08x", hashrnd));
    }
    if ((flags & MODULUS) != 0) {
      sb.append(" --hmark-mod ").append(modulus);
    }
    if ((flags & OFFSET) != 0) {
      sb.append(" --hmark-offset ").append(offset & 0xffffffffL);
    }
    if ((flags & CT) != 0) {
      sb.append(" --hmark-tuple ct");
    }
  }

  /**
   * hmark_tg_v4: builds the tuple (from conntrack with {@code ct}: no connection leaves the mark alone),
   * then {@code skb->mark = hmark_hash(tuple)}; always continues.
   */
  @Override
  public int execute(PacketContext ctx) {
    final long h;
    if ((flags & CT) != 0) {
      final int ct = ctx.ctInfo();
      if (ct == PacketContext.CT_INVALID || ct == PacketContext.CT_UNTRACKED) {
        return XtVerdict.CONTINUE;
      }
      final int proto = ctx.ctProto();
      final int ports = proto == Protocols.ICMP ? 0
          : swapPorts((ctx.ctOrigSrcPort() << 16) | (ctx.ctReplSrcPort() & 0xffff));
      h = hash(ctx.ctOrigSrc() & srcMask, ctx.ctReplSrc() & dstMask, ports, proto);
    } else {
      h = packetHash(ctx.ip());
      if (h < 0) {
        return XtVerdict.CONTINUE;
      }
    }
    ctx.setMark((int) h);
    return XtVerdict.CONTINUE;
  }

  /** hmark_pkt_set_htuple_ipv4 + hmark_hash; -1 when an ICMP error's inner header is cut short. */
  private long packetHash(io.nfeval.packet.PacketView v) {
    int nh = 0;
    if (PacketBytes.u8(v, 9) == Protocols.ICMP) {
      final int ihl = (PacketBytes.u8(v, 0) & 0x0f) * 4;
      final int type = PacketBytes.u8(v, ihl);
      if (PacketBytes.u8(v, ihl + 7) >= 0 && (type == 3 || type == 4 || type == 11 || type == 12 || type == 5)) {
        nh = ihl + 8;
        if (PacketBytes.u8(v, nh + 19) < 0) {
          return -1;
        }
      }
    }
    final int src = (int) PacketBytes.u32(v, nh + 12) & srcMask;
    final int dst = (int) PacketBytes.u32(v, nh + 16) & dstMask;
    final int proto = PacketBytes.u8(v, nh + 9);
    int ports = 0;
    final int fragOff = PacketBytes.u16(v, nh + 6);
    if (proto != Protocols.ICMP && (fragOff & 0x3fff) == 0) {
      final int protoff = switch (proto) {
        case Protocols.TCP, Protocols.UDP, Protocols.DCCP, Protocols.ESP, Protocols.SCTP, Protocols.UDPLITE -> 0;
        case Protocols.AH -> 4;
        default -> -1;
      };
      final long raw = protoff < 0 ? -1 : PacketBytes.u32(v, nh + (PacketBytes.u8(v, nh) & 0x0f) * 4 + protoff);
      if (raw >= 0) {
        ports = swapPorts((int) raw);
      }
    }
    return hash(src, dst, ports, proto);
  }

  /** hmark_swap_ports: masked and set, then the larger port in the high half. */
  private int swapPorts(int raw) {
    final int hp = (raw & portMask) | portSet;
    final int s = hp >>> 16;
    final int d = hp & 0xffff;
    return d > s ? (d << 16) | s : (s << 16) | d;
  }

  /** hmark_hash: addresses in ascending order, jhash_3words, xor the masked protocol, scale + offset. */
  private long hash(int src, int dst, int ports, int proto) {
    int a = src;
    int b = dst;
    if (Integer.compareUnsigned(b, a) < 0) {
      a = dst;
      b = src;
    }
    final int h = Jhash.words3(a, b, ports, hashrnd) ^ (proto & protoMask);
    return (Jhash.scale(h, modulus) + (offset & 0xffffffffL)) & 0xffffffffL;
  }
}
