package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;

import java.util.List;
import java.util.Map;

/**
 * {@code -j SYNPROXY [--mss N] [--wscale N] [--sack-perm] [--timestamp] [--ecn]} ({@code xt_SYNPROXY.c},
 * {@code nf_synproxy_core.c}): answers a client's SYN itself with a SYN-ACK carrying a SYN cookie and
 * consumes the SYN ({@code NF_STOLEN}); on the client's ACK it checks the cookie, opens the connection
 * to the server and consumes the ACK too, or drops it when the cookie is wrong. Other segments
 * continue. INPUT and FORWARD only, {@code -p tcp} required.
 */
public final class SynproxyTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("SYNPROXY",
      List.of(arg("mss"), arg("wscale"), flag("sack-perm"), flag("timestamp"), flag("ecn")), Map.of(),
      SynproxyTarget::new);

  private final int mss;
  private final int wscale;
  private final boolean sackPerm;
  private final boolean timestamp;
  private final boolean ecn;

  private SynproxyTarget(Opts o, ExtContext c) {
    if (c.proto() != 6 || c.invProto()) {
      throw new ExtException("SYNPROXY: only valid for -p tcp (the kernel refuses it)");
    }
    if (c.hookOutside(ExtContext.LOCAL_IN | ExtContext.FORWARD)) {
      throw new ExtException("SYNPROXY: only valid in the INPUT and FORWARD chains");
    }
    mss = o.has("mss") ? (int) Num.parseUnsigned(o.str("mss"), 65535, "SYNPROXY --mss") : -1;
    if (o.has("wscale")) {
      final long w = Num.tryUnsigned(o.str("wscale"));
      if (w < 0 || w > 15) {
        throw new ExtException("SYNPROXY: --wscale must be 0..15 (TCP_MAX_WSCALE is 14; the kernel refuses more)");
      }
      wscale = (int) w;
    } else {
      wscale = -1;
    }
    sackPerm = o.has("sack-perm");
    timestamp = o.has("timestamp");
    ecn = o.has("ecn");
  }

  /**
   * xt_synproxy_info.options: XT_SYNPROXY_OPT_MSS 0x01, WSCALE 0x02, SACK_PERM 0x04, TIMESTAMP 0x08,
   * ECN 0x10, one per option given.
   */
  public int optionBits() {
    return (mss >= 0 ? 0x01 : 0) | (wscale >= 0 ? 0x02 : 0) | (sackPerm ? 0x04 : 0) | (timestamp ? 0x08 : 0)
        | (ecn ? 0x10 : 0);
  }

  /** MSS announced to the client, -1 when not given. */
  public int mss() { return mss; }
  /** Window scale announced, -1 when not given. */
  public int wscale() { return wscale; }
  public boolean sackPerm() { return sackPerm; }
  public boolean timestamp() { return timestamp; }
  public boolean ecn() { return ecn; }

  @Override
  public String name() {
    return "SYNPROXY";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j SYNPROXY");
    if (sackPerm) {
      sb.append(" --sack-perm");
    }
    if (timestamp) {
      sb.append(" --timestamp");
    }
    if (wscale >= 0) {
      sb.append(" --wscale ").append(wscale);
    }
    if (mss >= 0) {
      sb.append(" --mss ").append(mss);
    }
    if (ecn) {
      sb.append(" --ecn");
    }
  }

  /**
   * synproxy_tg4 without an engine around it: an unreadable TCP header drops; a pure SYN is answered
   * (SYN-ACK with a cookie, traced) and stolen; a pure ACK carries the cookie back: if valid the proxy
   * sends the SYN to the server and steals the ACK, else drops it. The cookie's validity is assumed
   * ({@link PacketContext#assumeUnknowableMatches()} true = valid) and flagged. Anything else continues.
   * A replay runs the whole proxy instead (engine.Synproxy: the cookies the host gave, the packets it
   * sends, the hook that steals the server's SYN-ACK).
   */
  @Override
  public int execute(PacketContext ctx) {
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int th = PacketBytes.thoff(v);
    if (PacketBytes.u8(v, th + 19) < 0) {
      return XtVerdict.DROP;
    }
    final int flags = PacketBytes.u8(v, th + 13);
    final boolean syn = (flags & 0x02) != 0;
    final boolean ack = (flags & 0x10) != 0;
    final boolean finRst = (flags & 0x05) != 0;
    if (syn && !ack && !finRst) {
      ctx.log("SYNPROXY", "answers the SYN with a SYN-ACK (SYN cookie)");
      return XtVerdict.STOLEN;
    }
    if (ack && !syn && !finRst) {
      ctx.assume("SYNPROXY cookie");
      if (ctx.assumeUnknowableMatches()) {
        ctx.log("SYNPROXY", "valid cookie: sends the SYN to the server");
        return XtVerdict.STOLEN;
      }
      return XtVerdict.DROP;
    }
    return XtVerdict.CONTINUE;
  }
}
