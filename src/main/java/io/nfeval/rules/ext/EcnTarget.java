package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/**
 * {@code -j ECN} ({@code ipt_ECN.c}): rewrites the IP ECN field ({@code --ecn-ip-ect N}) and the TCP ECE
 * and CWR flags ({@code --ecn-tcp-ece 0|1}, {@code --ecn-tcp-cwr 0|1}; {@code --ecn-tcp-remove} clears
 * both), patching the checksums; mangle table only, TCP flags need {@code -p tcp}.
 */
public final class EcnTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("ECN",
      List.of(flag("ecn-tcp-remove"), arg("ecn-tcp-cwr"), arg("ecn-tcp-ece"), arg("ecn-ip-ect")), Map.of(),
      EcnTarget::new);

  /** IPT_ECN_OP_SET_IP / _ECE / _CWR. */
  public static final int OP_SET_IP = 0x01;
  public static final int OP_SET_ECE = 0x10;
  public static final int OP_SET_CWR = 0x20;

  private final int operation;
  private final int ece;
  private final int cwr;
  private final int ipEct;

  private EcnTarget(Opts o, ExtContext c) {
    if (!c.tableIs("mangle")) {
      throw new ExtException("ECN is only valid in the mangle table");
    }
    int op = 0;
    int e = 0;
    int w = 0;
    int ip = 0;
    // options apply in command-line order: --ecn-tcp-remove replaces the whole operation
    for (Opts.Given g : o.all()) {
      switch (g.spec().name()) {
        case "ecn-tcp-remove" -> {
          op = OP_SET_ECE | OP_SET_CWR;
          e = 0;
          w = 0;
        }
        case "ecn-tcp-cwr" -> {
          op |= OP_SET_CWR;
          w = value(g, 1);
        }
        case "ecn-tcp-ece" -> {
          op |= OP_SET_ECE;
          e = value(g, 1);
        }
        default -> {
          op |= OP_SET_IP;
          ip = value(g, 3);
        }
      }
    }
    if (o.isEmpty()) {
      throw new ExtException("ECN target: An operation is required");
    }
    if ((op & (OP_SET_ECE | OP_SET_CWR)) != 0 && (c.proto() != 6 || c.invProto())) {
      throw new ExtException("ECN: setting TCP flags needs -p tcp (the kernel refuses it)");
    }
    operation = op;
    ece = e;
    cwr = w;
    ipEct = ip;
  }

  private static int value(Opts.Given g, int max) {
    final long v = Num.tryUnsigned(g.arg());
    if (v < 0 || v > max) {
      throw new ExtException("ECN: bad value for option \"--" + g.spec().name() + "\", or out of range (0-" + max
          + ").");
    }
    return (int) v;
  }

  public int operation() { return operation; }
  public int ece() { return ece; }
  public int cwr() { return cwr; }
  public int ipEct() { return ipEct; }

  @Override
  public String name() {
    return "ECN";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j ECN");
    if (operation == (OP_SET_ECE | OP_SET_CWR) && ece == 0 && cwr == 0) {
      sb.append(" --ecn-tcp-remove");
      return;
    }
    if ((operation & OP_SET_ECE) != 0) {
      sb.append(" --ecn-tcp-ece ").append(ece);
    }
    if ((operation & OP_SET_CWR) != 0) {
      sb.append(" --ecn-tcp-cwr ").append(cwr);
    }
    if ((operation & OP_SET_IP) != 0) {
      sb.append(" --ecn-ip-ect ").append(ipEct);
    }
  }

  /**
   * ecn_tg: set_ect_ip (TOS rewrite when the field differs), then set_ect_tcp when the packet is TCP
   * (flags rewritten only when they differ); a TCP header too short to write drops the packet.
   */
  @Override
  public int execute(PacketContext ctx) {
    final io.nfeval.packet.PacketView v = ctx.ip();
    if ((operation & OP_SET_IP) != 0 && (v.tos() & 3) != ipEct) {
      ctx.setTos((v.tos() & ~3) | ipEct);
    }
    if ((operation & (OP_SET_ECE | OP_SET_CWR)) != 0 && v.protocol() == 6) {
      int mask = 0;
      int flags = 0;
      if ((operation & OP_SET_ECE) != 0) {
        mask |= 0x40;
        flags |= ece << 6;
      }
      if ((operation & OP_SET_CWR) != 0) {
        mask |= 0x80;
        flags |= cwr << 7;
      }
      if (!ctx.setTcpEceCwr(mask, flags)) {
        return XtVerdict.DROP;
      }
    }
    return XtVerdict.CONTINUE;
  }
}
