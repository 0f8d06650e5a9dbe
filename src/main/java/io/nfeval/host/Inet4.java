package io.nfeval.host;

/** IPv4 addresses as host-order {@code int}s; the kernel's {@code ipv4_is_*} class tests. */
public final class Inet4 {
  private Inet4() {}

  /** Parses a dotted quad; throws IllegalArgumentException if it is not one. */
  public static int parse(String s) {
    int result = 0;
    int parts = 0;
    int i = 0;
    final int n = s.length();
    while (parts < 4) {
      int start = i;
      int v = 0;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
        v = v * 10 + (s.charAt(i) - '0');
        i++;
      }
      if (i == start || v > 255) {
        throw new IllegalArgumentException("not an IPv4 address: " + s);
      }
      result = (result << 8) | v;
      parts++;
      if (parts < 4) {
        if (i >= n || s.charAt(i) != '.') {
          throw new IllegalArgumentException("not an IPv4 address: " + s);
        }
        i++;
      }
    }
    if (i != n) {
      throw new IllegalArgumentException("not an IPv4 address: " + s);
    }
    return result;
  }

  public static String format(int a) {
    return (a >>> 24) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
  }

  /** The netmask of a prefix length 0..32. */
  public static int mask(int prefixLen) {
    return prefixLen == 0 ? 0 : -1 << (32 - prefixLen);
  }

  /**
   * {@code ipv4_is_zeronet}: since Linux 5.3 ("ipv4: Allow 0.0.0.0/8 as a valid address range") only
   * 0.0.0.0 itself; the rest of 0/8 is ordinary unicast (checked on 6.18: routing, addrtype).
   */
  public static boolean isZeronet(int a) {
    return a == 0;
  }

  public static boolean isLoopback(int a) {
    return (a & 0xff000000) == 0x7f000000;
  }

  public static boolean isMulticast(int a) {
    return (a & 0xf0000000) == 0xe0000000;
  }

  /** 224.0.0.0/24, never forwarded ({@code ipv4_is_local_multicast}). */
  public static boolean isLocalMulticast(int a) {
    return (a & 0xffffff00) == 0xe0000000;
  }

  public static boolean isLimitedBroadcast(int a) {
    return a == -1;
  }
}
