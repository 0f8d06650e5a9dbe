package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -p dccp -m dccp [!] --sport P[:P] [!] --dport P[:P] [!] --dccp-types T,.. [!] --dccp-option N}
 * ({@code xt_dccp.c}): DCCP ports, packet type and options.
 */
public final class DccpMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("dccp",
      List.of(invArg("sport"), invArg("dport"), invArg("dccp-types"), invArg("dccp-option")),
      Map.of("source-port", "sport", "destination-port", "dport"), DccpMatch::new);

  /** dccp_pkt_types of libxt_dccp, indexed by DCCP_PKT_*. */
  static final String[] TYPES = {"REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE", "RESET",
      "SYNC", "SYNCACK", "INVALID"};

  private final boolean hasSport;
  private final int[] spts;
  private final boolean invSport;
  private final boolean hasDport;
  private final int[] dpts;
  private final boolean invDport;
  /** Bit n = DCCP packet type n; 0 when --dccp-types is not given. */
  private final int typemask;
  private final boolean hasTypes;
  private final boolean invTypes;
  /** Option number 1..255, 0 when not given. */
  private final int option;
  private final boolean invOption;

  private DccpMatch(Opts o, ExtContext c) {
    c.requireProto("dccp", Protocols.DCCP);
    hasSport = o.has("sport");
    spts = hasSport ? ports(o.str("sport")) : new int[] {0, 65535};
    invSport = o.inv("sport");
    hasDport = o.has("dport");
    dpts = hasDport ? ports(o.str("dport")) : new int[] {0, 65535};
    invDport = o.inv("dport");
    hasTypes = o.has("dccp-types");
    typemask = hasTypes ? types(o.str("dccp-types")) : 0;
    invTypes = o.inv("dccp-types");
    if (o.has("dccp-option")) {
      final long v = Num.tryUnsigned(o.str("dccp-option"));
      if (v < 1 || v > 255) {
        throw new ExtException("dccp: bad value for option \"--dccp-option\", or out of range (1-255).");
      }
      option = (int) v;
    } else {
      option = 0;
    }
    invOption = o.inv("dccp-option");
  }

  /**
   * A port range; iptables 1.8.9 keeps only the low 16 bits of a number above 65535 (a kernel-checked
   * quirk: {@code --sport 65536} saves as {@code --sport 0}).
   */
  private static int[] ports(String s) {
    final int c = s.indexOf(':');
    if (c < 0) {
      final int p = port(s);
      return new int[] {p, p};
    }
    final int min = c == 0 ? 0 : port(s.substring(0, c));
    final int max = c == s.length() - 1 ? 65535 : port(s.substring(c + 1));
    if (min > max) {
      throw new ExtException("dccp: invalid port range (min > max) \"" + s + "\"");
    }
    return new int[] {min, max};
  }

  private static int port(String s) {
    final long v = Num.tryUnsigned(s);
    if (v > 65535 && v <= 0xffffffffL) {
      return (int) (v & 0xffff);
    }
    return Num.port(s);
  }

  private static int types(String s) {
    int mask = 0;
    for (String t : s.split(",")) {
      int i = 0;
      while (i < TYPES.length && !TYPES[i].equalsIgnoreCase(t)) {
        i++;
      }
      if (i == TYPES.length) {
        throw new ExtException("Unknown DCCP type `" + t + "'");
      }
      mask |= 1 << i;
    }
    return mask;
  }

  public int[] sourcePorts() { return spts.clone(); }
  public int[] destinationPorts() { return dpts.clone(); }
  public int typemask() { return typemask; }
  public int option() { return option; }

  @Override
  public String name() {
    return "dccp";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m dccp");
    if (hasSport) {
      Save.opt(sb, invSport, "sport", Num.range(spts[0], spts[1]));
    }
    if (hasDport) {
      Save.opt(sb, invDport, "dport", Num.range(dpts[0], dpts[1]));
    }
    if (hasTypes) {
      Save.opt(sb, invTypes, "dccp-types").append(' ');
      boolean first = true;
      for (int i = 0; i < TYPES.length; i++) {
        if ((typemask & (1 << i)) != 0) {
          sb.append(first ? "" : ",").append(TYPES[i]);
          first = false;
        }
      }
    }
    if (option != 0) {
      Save.opt(sb, invOption, "dccp-option", Integer.toString(option));
    }
  }

  /**
   * dccp_mt: non-first fragments never match; a header shorter than {@code struct dccp_hdr} (12 bytes)
   * hot-drops; then each given test ({@code DCCHECK}) on ports, type and options.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final int th = PacketBytes.header(ctx, 12);
    if (th < 0) {
      return false;
    }
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int sport = PacketBytes.u16(v, th);
    final int dport = PacketBytes.u16(v, th + 2);
    final int type = (PacketBytes.u8(v, th + 8) >> 1) & 0x0f;
    if (hasSport && (sport >= spts[0] && sport <= spts[1]) == invSport) {
      return false;
    }
    if (hasDport && (dport >= dpts[0] && dport <= dpts[1]) == invDport) {
      return false;
    }
    if (hasTypes && ((typemask & (1 << type)) != 0) == invTypes) {
      return false;
    }
    if (option != 0) {
      final int found = findOption(v, th, type);
      if (found < 0) {
        ctx.hotdrop();
        return false;
      }
      return (found == 1) != invOption;
    }
    return true;
  }

  /**
   * dccp_find_option: walks the options after the type-specific header: 1 found, 0 not, -1 when the
   * header is too short (the caller hot-drops).
   */
  private int findOption(io.nfeval.packet.PacketView v, int th, int type) {
    final int doff = PacketBytes.u8(v, th + 4) * 4;
    final int x = PacketBytes.u8(v, th + 8) & 1;
    final int hdrLen = 12 + (x != 0 ? 4 : 0) + packetHeaderLength(type);
    if (doff < hdrLen) {
      return -1;
    }
    final int optlen = doff - hdrLen;
    if (optlen == 0) {
      return 0;
    }
    final int op = th + hdrLen;
    if (PacketBytes.u8(v, op + optlen - 1) < 0) {
      return -1;
    }
    for (int i = 0; i < optlen; ) {
      final int kind = PacketBytes.u8(v, op + i);
      if (kind == option) {
        return 1;
      }
      if (kind < 2) {
        i++;
      } else {
        final int len = i + 1 < optlen ? PacketBytes.u8(v, op + i + 1) : 0;
        i += len <= 0 ? 1 : len;
      }
    }
    return 0;
  }

  /** dccp_packet_hdr_len. */
  private static int packetHeaderLength(int type) {
    return switch (type) {
      case 2 -> 0; // DATA
      case 3, 4, 5, 6, 8, 9 -> 8; // ACK, DATAACK, CLOSEREQ, CLOSE, SYNC, SYNCACK
      case 0 -> 4; // REQUEST
      default -> 12; // RESPONSE, RESET and the rest
    };
  }
}
