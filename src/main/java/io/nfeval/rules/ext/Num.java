package io.nfeval.rules.ext;

import java.util.Locale;

/** Number, port, mark and address parsing shared by the extensions (iptables' xtables.c helpers). */
public final class Num {
  private Num() {}

  /** strtoul(s, 0) as {@code xtables_strtoul}: decimal, 0x hex or 0 octal; rejects signs and junk. */
  public static long parseUnsigned(String s, long max, String what) {
    final long v = tryUnsigned(s);
    if (v < 0 || v > max) {
      throw new ExtException("invalid " + what + " \"" + s + "\"");
    }
    return v;
  }

  /** Like {@link #parseUnsigned} but returns -1 instead of throwing. */
  public static long tryUnsigned(String s) {
    if (s == null || s.isEmpty()) {
      return -1;
    }
    try {
      final String t = s.toLowerCase(Locale.ROOT);
      long v;
      if (t.startsWith("0x")) {
        if (t.length() == 2 || t.length() > 18) {
          return -1;
        }
        v = Long.parseUnsignedLong(t.substring(2), 16);
      } else if (t.length() > 1 && t.startsWith("0")) {
        v = Long.parseLong(t.substring(1), 8);
      } else {
        if (!Character.isDigit(t.charAt(0)) || t.length() > 18) {
          return -1;
        }
        v = Long.parseLong(t);
      }
      return v;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A port by number or {@code /etc/services} name. */
  public static int port(String s) {
    final long v = tryUnsigned(s);
    if (v >= 0) {
      if (v > 65535) {
        throw new ExtException("invalid port/service `" + s + "' specified");
      }
      return (int) v;
    }
    final int p = Services.port(s);
    if (p < 0) {
      throw new ExtException("invalid port/service `" + s + "' specified");
    }
    return p;
  }

  /** A port range {@code a:b}, {@code a:}, {@code :b}, {@code :}, or one port; returns {min, max}. */
  public static int[] portRange(String s, char sep) {
    final int c = s.indexOf(sep);
    if (c < 0) {
      final int p = port(s);
      return new int[] {p, p};
    }
    final String a = s.substring(0, c);
    final String b = s.substring(c + 1);
    final int min = a.isEmpty() ? 0 : port(a);
    final int max = b.isEmpty() ? 65535 : port(b);
    if (min > max) {
      throw new ExtException("invalid portrange (min > max) \"" + s + "\"");
    }
    return new int[] {min, max};
  }

  /** Prints a port range as iptables does: one number when min == max, else {@code min:max}. */
  public static String range(int min, int max) {
    return min == max ? Integer.toString(min) : min + ":" + max;
  }

  /** A 32-bit value {@code v} or {@code v/mask}; returns {value, mask} with mask defaulting to {@code defMask}. */
  public static long[] valueMask(String s, long defMask, String what) {
    final int c = s.indexOf('/');
    if (c < 0) {
      return new long[] {parseUnsigned(s, 0xffffffffL, what), defMask};
    }
    return new long[] {parseUnsigned(s.substring(0, c), 0xffffffffL, what),
        parseUnsigned(s.substring(c + 1), 0xffffffffL, what)};
  }

  public static String hex(long v) {
    return "0x" + Long.toHexString(v & 0xffffffffL);
  }

  /** Parses a dotted-quad IPv4 address (strict: four decimal octets, as inet_pton). */
  public static int ipv4(String s) {
    final int r = tryIpv4(s);
    if (r == -1 && !"255.255.255.255".equals(s)) {
      if (s.indexOf(':') >= 0) {
        throw new ExtException("IPv6 address `" + s + "' (an ip6tables ruleset? nfeval models IPv4 iptables)");
      }
      throw new ExtException("host/network `" + s + "' not found (host names are not resolved)");
    }
    return r;
  }

  private static int tryIpv4(String s) {
    final String[] p = s.split("\\.", -1);
    if (p.length != 4) {
      return -1;
    }
    int v = 0;
    for (String o : p) {
      if (o.isEmpty() || o.length() > 3) {
        return -1;
      }
      for (int i = 0; i < o.length(); i++) {
        if (!Character.isDigit(o.charAt(i))) {
          return -1;
        }
      }
      final int b = Integer.parseInt(o);
      if (b > 255) {
        return -1;
      }
      v = (v << 8) | b;
    }
    return v;
  }

  public static boolean isIpv4(String s) {
    return tryIpv4(s) != -1 || "255.255.255.255".equals(s);
  }

  public static String ipv4(int a) {
    return ((a >>> 24) & 255) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
  }

  /** Mask from a prefix length 0..32. */
  public static int prefixMask(int len) {
    return len == 0 ? 0 : -1 << (32 - len);
  }

  /** Prefix length of a contiguous mask, or -1. */
  public static int prefixLen(int mask) {
    final int len = Integer.bitCount(mask);
    return prefixMask(len) == mask ? len : -1;
  }

  /**
   * Parses {@code addr[/mask]} where mask is a prefix length or a dotted mask; returns {addr & mask,
   * mask}. A missing mask means /32 ({@code xtables_ipparse_any}).
   */
  public static int[] addrMask(String s) {
    final int c = s.indexOf('/');
    int mask = -1;
    String a = s;
    if (c >= 0) {
      a = s.substring(0, c);
      final String m = s.substring(c + 1);
      if (m.contains(".")) {
        mask = ipv4(m);
      } else {
        final long len = tryUnsigned(m);
        if (len < 0 || len > 32 || m.startsWith("0x")) {
          throw new ExtException("invalid mask `" + m + "' specified");
        }
        mask = prefixMask((int) len);
      }
    }
    final int addr = ipv4(a);
    return new int[] {addr & mask, mask};
  }

  /** Prints {@code addr/len} or {@code addr/dotted-mask} as {@code xtables_ipaddr_to_numeric + mask}. */
  public static String addrMask(int addr, int mask) {
    final int len = prefixLen(mask);
    return ipv4(addr) + "/" + (len >= 0 ? Integer.toString(len) : ipv4(mask));
  }
}
