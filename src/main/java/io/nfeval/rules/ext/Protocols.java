package io.nfeval.rules.ext;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * IP protocol names as iptables prints and parses them: {@code proto_to_name} looks the number up in
 * {@code /etc/protocols} (netbase's list, embedded here so output does not depend on the host), and
 * {@code xtables_parse_protocol} also knows {@code all}, {@code icmpv6} and {@code mh}.
 */
public final class Protocols {
  public static final int ICMP = 1;
  public static final int TCP = 6;
  public static final int UDP = 17;
  public static final int DCCP = 33;
  public static final int GRE = 47;
  public static final int ESP = 50;
  public static final int AH = 51;
  public static final int SCTP = 132;
  public static final int UDPLITE = 136;

  private static final String NETBASE = "1:icmp 2:igmp 3:ggp 4:ipencap 5:st 6:tcp 8:egp 9:igp 12:pup 17:udp"
      + " 20:hmp 22:xns-idp 27:rdp 29:iso-tp4 33:dccp 36:xtp 37:ddp 38:idpr-cmtp 41:ipv6 43:ipv6-route"
      + " 44:ipv6-frag 45:idrp 46:rsvp 47:gre 50:esp 51:ah 57:skip 58:ipv6-icmp 59:ipv6-nonxt 60:ipv6-opts"
      + " 73:rspf 81:vmtp 88:eigrp 89:ospf 93:ax.25 94:ipip 97:etherip 98:encap 103:pim 108:ipcomp 112:vrrp"
      + " 115:l2tp 124:isis 132:sctp 133:fc 135:mobility-header 136:udplite 137:mpls-in-ip 138:manet"
      + " 139:hip 140:shim6 141:wesp 142:rohc 143:ethernet";
  private static final String[] NAMES = new String[256];
  private static final Map<String, Integer> BY_NAME = new HashMap<>();

  static {
    for (String e : NETBASE.split(" ")) {
      final int c = e.indexOf(':');
      final int n = Integer.parseInt(e.substring(0, c));
      NAMES[n] = e.substring(c + 1);
      BY_NAME.put(NAMES[n], n);
    }
    BY_NAME.put("all", 0);
    BY_NAME.put("ip", 0);
    BY_NAME.put("icmpv6", 58);
    BY_NAME.put("mh", 135);
    BY_NAME.put("ipv6-mh", 135);
  }

  private Protocols() {}

  /** The name iptables-save prints for a protocol number, or the number itself. */
  public static String name(int proto) {
    return proto >= 0 && proto < 256 && NAMES[proto] != null ? NAMES[proto] : Integer.toString(proto);
  }

  /** Parses {@code -p} / {@code --ctproto} arguments: a number 0..255 or a name. */
  public static int parse(String s) {
    if (!s.isEmpty() && Character.isDigit(s.charAt(0))) {
      final long v = Num.parseUnsigned(s, 255, "protocol");
      return (int) v;
    }
    final Integer v = BY_NAME.get(s.toLowerCase(Locale.ROOT));
    if (v == null) {
      throw new ExtException("unknown protocol \"" + s + "\" specified");
    }
    return v;
  }
}
