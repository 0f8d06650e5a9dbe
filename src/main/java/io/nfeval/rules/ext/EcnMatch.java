package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;
import static io.nfeval.rules.ext.OptSpec.invFlag;

import java.util.List;
import java.util.Map;

/**
 * {@code -m ecn [!] --ecn-tcp-cwr [!] --ecn-tcp-ece [!] --ecn-ip-ect N} ({@code xt_ecn.c}): the ECN bits
 * of the IP header and the TCP ECE/CWR flags. iptables-nft 1.8.9 does not translate it: the rule carries
 * the xt match ({@code [ match name ecn rev 0 ]} in {@code nft --debug=netlink}), so both back ends
 * evaluate the kernel's {@code ecn_mt4}.
 */
public final class EcnMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("ecn",
      List.of(invFlag("ecn-tcp-cwr"), invFlag("ecn-tcp-ece"), invArg("ecn-ip-ect")), Map.of(), EcnMatch::new);

  private final boolean ece;
  private final boolean invEce;
  private final boolean cwr;
  private final boolean invCwr;
  /** The ECT codepoint to compare, -1 when --ecn-ip-ect is not given. */
  private final int ipEct;
  private final boolean invIp;

  private EcnMatch(Opts o, ExtContext c) {
    ece = o.has("ecn-tcp-ece");
    invEce = o.inv("ecn-tcp-ece");
    cwr = o.has("ecn-tcp-cwr");
    invCwr = o.inv("ecn-tcp-cwr");
    if (o.has("ecn-ip-ect")) {
      final long v = Num.tryUnsigned(o.str("ecn-ip-ect"));
      if (v < 0 || v > 3) {
        throw new ExtException("ecn: bad value for option \"--ecn-ip-ect\", or out of range (0-3).");
      }
      ipEct = (int) v;
    } else {
      ipEct = -1;
    }
    invIp = o.inv("ecn-ip-ect");
    if (!ece && !cwr && ipEct < 0) {
      throw new ExtException("ECN match: some option required");
    }
    if (ece || cwr) {
      // ecn_mt_check4: the TCP flags need -p tcp
      c.requireProto("ecn", 6);
    }
  }

  public boolean ece() { return ece; }
  public boolean invertEce() { return invEce; }
  public boolean cwr() { return cwr; }
  public boolean invertCwr() { return invCwr; }
  /** The ECT codepoint, or -1. */
  public int ipEct() { return ipEct; }
  public boolean invertIpEct() { return invIp; }

  @Override
  public String name() {
    return "ecn";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m ecn");
    if (ece) {
      Save.opt(sb, invEce, "ecn-tcp-ece");
    }
    if (cwr) {
      Save.opt(sb, invCwr, "ecn-tcp-cwr");
    }
    if (ipEct >= 0) {
      Save.opt(sb, invIp, "ecn-ip-ect", Integer.toString(ipEct));
    }
  }

  /**
   * ecn_mt4: the IP ECN field first, then the TCP flags read at thoff (an unreadable TCP header does not
   * match; no hot-drop, no fragment test, as the kernel).
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final io.nfeval.packet.PacketView v = ctx.ip();
    if (ipEct >= 0 && ((v.tos() & 3) == ipEct) == invIp) {
      return false;
    }
    if (ece || cwr) {
      final int th = PacketBytes.thoff(v);
      if (PacketBytes.u8(v, th + 19) < 0) {
        return false;
      }
      final int flags = PacketBytes.u8(v, th + 13);
      if (ece && ((flags & 0x40) != 0) == invEce) {
        return false;
      }
      if (cwr && ((flags & 0x80) != 0) == invCwr) {
        return false;
      }
    }
    return true;
  }
}
