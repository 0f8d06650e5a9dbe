package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;
import static io.nfeval.rules.ext.OptSpec.invFlag;

import java.util.List;
import java.util.Map;

/** {@code -m tcp} ({@code xt_tcpudp.c} tcp_mt, {@code libxt_tcp.c}): ports, flags, option. */
public final class TcpMatch implements Match {
  /** FIN SYN RST PSH ACK URG as in {@code tcp_flag_names}. */
  static final String[] FLAG_NAMES = {"FIN", "SYN", "RST", "PSH", "ACK", "URG"};
  public static final int FIN = 0x01;
  public static final int SYN = 0x02;
  public static final int RST = 0x04;
  public static final int ACK = 0x10;

  public static final ExtSpec<Match> SPEC = new ExtSpec<>("tcp",
      List.of(invArg("sport"), invArg("dport"), invFlag("syn"),
          new OptSpec("tcp-flags", 2, true, false), invArg("tcp-option")),
      Map.of("source-port", "sport", "destination-port", "dport"), TcpMatch::new);

  private final PortRanges ports;
  private final int flagsMask;
  private final int flagsComp;
  private final boolean invFlags;
  private final int option;
  private final boolean invOption;

  private TcpMatch(Opts o, ExtContext c) {
    c.requireProto("tcp", 6);
    ports = PortRanges.parse(o);
    if (o.has("syn") && o.has("tcp-flags")) {
      throw new ExtException("Only one of `--syn' or `--tcp-flags'  allowed");
    }
    if (o.has("syn")) {
      flagsMask = FIN | SYN | RST | ACK;
      flagsComp = SYN;
      invFlags = o.inv("syn");
    } else if (o.has("tcp-flags")) {
      final List<String> a = o.get("tcp-flags").args();
      flagsMask = flags(a.get(0));
      flagsComp = flags(a.get(1));
      invFlags = o.inv("tcp-flags");
    } else {
      flagsMask = 0;
      flagsComp = 0;
      invFlags = false;
    }
    if (o.has("tcp-option")) {
      option = (int) Num.parseUnsigned(o.str("tcp-option"), 255, "TCP option");
      invOption = o.inv("tcp-option");
    } else {
      option = 0;
      invOption = false;
    }
  }

  static int flags(String s) {
    int v = 0;
    for (String f : s.split(",")) {
      switch (f.toUpperCase(java.util.Locale.ROOT)) {
        case "FIN" -> v |= 0x01;
        case "SYN" -> v |= 0x02;
        case "RST" -> v |= 0x04;
        case "PSH" -> v |= 0x08;
        case "ACK" -> v |= 0x10;
        case "URG" -> v |= 0x20;
        case "ALL" -> v |= 0x3f;
        case "NONE" -> v |= 0;
        default -> throw new ExtException("Unknown TCP flag `" + f + "'");
      }
    }
    return v;
  }

  static String flagsText(int v) {
    if (v == 0) {
      return "NONE";
    }
    final StringBuilder sb = new StringBuilder();
    for (int i = 0; i < FLAG_NAMES.length; i++) {
      if ((v & (1 << i)) != 0) {
        sb.append(sb.length() == 0 ? "" : ",").append(FLAG_NAMES[i]);
      }
    }
    return sb.toString();
  }

  /** --sport and --dport. */
  public PortRanges ports() { return ports; }
  /** Flags examined ({@code --tcp-flags MASK COMP}); 0 = no flag test. */
  public int flagsMask() { return flagsMask; }
  public int flagsComp() { return flagsComp; }
  public boolean invFlags() { return invFlags; }
  /** TCP option kind required ({@code --tcp-option}); 0 = none. */
  public int option() { return option; }
  public boolean invOption() { return invOption; }

  @Override
  public String name() {
    return "tcp";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m tcp");
    ports.save(sb);
    if (option != 0 || invOption) {
      Save.opt(sb, invOption, "tcp-option", Integer.toString(option));
    }
    if (flagsMask != 0 || invFlags) {
      Save.opt(sb, invFlags, "tcp-flags", flagsText(flagsMask)).append(' ').append(flagsText(flagsComp));
    }
  }

  // ---- evaluation (xt_tcpudp.c tcp_mt) ----------------------------------------------------------

  /**
   * tcp_mt: a non-first fragment never matches (the one at offset 8 bytes, which could overwrite
   * the flags, is hot-dropped); an unreadable header hot-drops; then ports, flags
   * ({@code (th[13] & mask) == comp}) and option, each with its inversion.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    if (ctx.nfTablesBackend() && nftNative()) {
      final io.nfeval.packet.PacketView v = ctx.ip();
      return (flagsMask == 0 || NftPayload.tcpFlags(v, flagsMask, flagsComp, invFlags))
          && ports.nftMatches(v);
    }
    final int frag = ctx.fragOffset();
    if (frag != 0) {
      if (frag == 8) {
        ctx.hotdrop();
      }
      return false;
    }
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int th = PacketBytes.thoff(v);
    final int sport = PacketBytes.u16(v, th);
    final int dport = PacketBytes.u16(v, th + 2);
    final int flagsByte = PacketBytes.u8(v, th + 13);
    final int doffByte = PacketBytes.u8(v, th + 12);
    if (PacketBytes.u8(v, th + 19) < 0 || sport < 0 || dport < 0 || flagsByte < 0 || doffByte < 0) {
      ctx.hotdrop();
      return false;
    }
    if (!ports.matches(sport, dport)) {
      return false;
    }
    if (((flagsByte & flagsMask) == flagsComp) == invFlags) {
      return false;
    }
    if (option != 0) {
      final int doff = (doffByte >> 4) * 4;
      if (doff < 20) {
        ctx.hotdrop();
        return false;
      }
      return findOption(ctx, v, th + 20, doff - 20);
    }
    return true;
  }

  /** tcp_find_option: walks the options (kind &lt; 2 is one byte, else its length, 0 read as 1). */
  private boolean findOption(PacketContext ctx, io.nfeval.packet.PacketView v, int start, int optlen) {
    if (optlen == 0) {
      return invOption;
    }
    if (PacketBytes.u8(v, start + optlen - 1) < 0) {
      ctx.hotdrop();
      return false;
    }
    for (int i = 0; i < optlen; ) {
      final int kind = PacketBytes.u8(v, start + i);
      if (kind == option) {
        return !invOption;
      }
      if (kind < 2) {
        i++;
      } else {
        final int len = i + 1 < optlen ? PacketBytes.u8(v, start + i + 1) : 0;
        i += len <= 0 ? 1 : len;
      }
    }
    return invOption;
  }

  /**
   * add_nft_tcp: iptables-nft compiles the match natively unless it tests an option or is empty
   * ({@code -m tcp} alone stays the xt module, fragment rules and all).
   */
  private boolean nftNative() {
    final boolean allZero = ports.any() && flagsMask == 0 && flagsComp == 0 && !invFlags && !invOption;
    return option == 0 && !invOption && !allZero;
  }
}
