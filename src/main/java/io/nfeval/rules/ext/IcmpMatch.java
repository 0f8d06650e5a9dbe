package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m icmp --icmp-type} ({@code ip_tables.c} icmp_match, {@code libipt_icmp.c}). Type 255 with
 * codes 0..255 is {@code any}; names map to type and code range as in {@code icmp_codes}.
 */
public final class IcmpMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("icmp",
      List.of(invArg("icmp-type")), Map.of(), IcmpMatch::new);

  private static final Map<String, int[]> NAMES = Map.ofEntries(
      Map.entry("any", new int[] {255, 0, 255}),
      Map.entry("echo-reply", new int[] {0, 0, 255}),
      Map.entry("pong", new int[] {0, 0, 255}),
      Map.entry("destination-unreachable", new int[] {3, 0, 255}),
      Map.entry("network-unreachable", new int[] {3, 0, 0}),
      Map.entry("host-unreachable", new int[] {3, 1, 1}),
      Map.entry("protocol-unreachable", new int[] {3, 2, 2}),
      Map.entry("port-unreachable", new int[] {3, 3, 3}),
      Map.entry("fragmentation-needed", new int[] {3, 4, 4}),
      Map.entry("source-route-failed", new int[] {3, 5, 5}),
      Map.entry("network-unknown", new int[] {3, 6, 6}),
      Map.entry("host-unknown", new int[] {3, 7, 7}),
      Map.entry("network-prohibited", new int[] {3, 9, 9}),
      Map.entry("host-prohibited", new int[] {3, 10, 10}),
      Map.entry("TOS-network-unreachable", new int[] {3, 11, 11}),
      Map.entry("TOS-host-unreachable", new int[] {3, 12, 12}),
      Map.entry("communication-prohibited", new int[] {3, 13, 13}),
      Map.entry("host-precedence-violation", new int[] {3, 14, 14}),
      Map.entry("precedence-cutoff", new int[] {3, 15, 15}),
      Map.entry("source-quench", new int[] {4, 0, 255}),
      Map.entry("redirect", new int[] {5, 0, 255}),
      Map.entry("network-redirect", new int[] {5, 0, 0}),
      Map.entry("host-redirect", new int[] {5, 1, 1}),
      Map.entry("TOS-network-redirect", new int[] {5, 2, 2}),
      Map.entry("TOS-host-redirect", new int[] {5, 3, 3}),
      Map.entry("echo-request", new int[] {8, 0, 255}),
      Map.entry("ping", new int[] {8, 0, 255}),
      Map.entry("router-advertisement", new int[] {9, 0, 255}),
      Map.entry("router-solicitation", new int[] {10, 0, 255}),
      Map.entry("time-exceeded", new int[] {11, 0, 255}),
      Map.entry("ttl-exceeded", new int[] {11, 0, 255}),
      Map.entry("ttl-zero-during-transit", new int[] {11, 0, 0}),
      Map.entry("ttl-zero-during-reassembly", new int[] {11, 1, 1}),
      Map.entry("parameter-problem", new int[] {12, 0, 255}),
      Map.entry("ip-header-bad", new int[] {12, 0, 0}),
      Map.entry("required-option-missing", new int[] {12, 1, 1}),
      Map.entry("timestamp-request", new int[] {13, 0, 255}),
      Map.entry("timestamp-reply", new int[] {14, 0, 255}),
      Map.entry("address-mask-request", new int[] {17, 0, 255}),
      Map.entry("address-mask-reply", new int[] {18, 0, 255}));

  private final int type;
  private final int codeMin;
  private final int codeMax;
  private final boolean invert;

  private IcmpMatch(Opts o, ExtContext c) {
    c.requireProto("icmp", 1);
    o.require("icmp match: --icmp-type is required", "icmp-type");
    final String s = o.str("icmp-type");
    final int[] t = NAMES.get(s);
    if (t != null) {
      type = t[0];
      codeMin = t[1];
      codeMax = t[2];
    } else {
      final int slash = s.indexOf('/');
      type = (int) Num.parseUnsigned(slash < 0 ? s : s.substring(0, slash), 255, "ICMP type");
      if (slash < 0) {
        codeMin = 0;
        codeMax = 255;
      } else {
        final String code = s.substring(slash + 1);
        final int colon = code.indexOf(':');
        codeMin = (int) Num.parseUnsigned(colon < 0 ? code : code.substring(0, colon), 255, "ICMP code");
        codeMax = colon < 0 ? codeMin : (int) Num.parseUnsigned(code.substring(colon + 1), 255, "ICMP code");
      }
    }
    invert = o.inv("icmp-type");
  }

  /** ICMP type; 255 with codes 0..255 means any. */
  public int type() { return type; }
  public int codeMin() { return codeMin; }
  public int codeMax() { return codeMax; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "icmp";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m icmp");
    final String v;
    if (type == 255 && codeMin == 0 && codeMax == 255) {
      v = "any";
    } else if (codeMin == 0 && codeMax == 255) {
      v = Integer.toString(type);
    } else if (codeMin == codeMax) {
      v = type + "/" + codeMin;
    } else {
      v = type + "/" + codeMin + ":" + codeMax;
    }
    Save.opt(sb, invert, "icmp-type", v);
  }

  // ---- evaluation (ip_tables.c icmp_match) ------------------------------------------------------

  /**
   * icmp_match / icmp_type_code_match: non-first fragments never match; an unreadable 8-byte header
   * hot-drops; type 255 matches every type and code, otherwise type equal and code in range.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final int th = PacketBytes.header(ctx, 8);
    if (th < 0) {
      return false;
    }
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int t = PacketBytes.u8(v, th);
    final int c = PacketBytes.u8(v, th + 1);
    return (type == 0xff || (t == type && c >= codeMin && c <= codeMax)) != invert;
  }
}
