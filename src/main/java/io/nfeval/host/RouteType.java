package io.nfeval.host;

/**
 * Route types, numbered as {@code enum rtn_type} in {@code include/uapi/linux/rtnetlink.h}. The numbering
 * matters: xt_addrtype tests bit {@code 1 << type}.
 */
public final class RouteType {
  public static final int UNSPEC = 0;
  public static final int UNICAST = 1;
  public static final int LOCAL = 2;
  public static final int BROADCAST = 3;
  public static final int ANYCAST = 4;
  public static final int MULTICAST = 5;
  public static final int BLACKHOLE = 6;
  public static final int UNREACHABLE = 7;
  public static final int PROHIBIT = 8;
  public static final int THROW = 9;
  public static final int NAT = 10;
  public static final int XRESOLVE = 11;

  private static final String[] NAMES = {
    "unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable",
    "prohibit", "throw", "nat", "xresolve"
  };

  private RouteType() {}

  /** iproute2's name of a type ({@code rtnl_rtntype_n2a}). */
  public static String name(int type) {
    return type >= 0 && type < NAMES.length ? NAMES[type] : Integer.toString(type);
  }

  /** The type named as iproute2 prints it, or -1. */
  public static int parse(String name) {
    for (int i = 0; i < NAMES.length; i++) {
      if (NAMES[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The error {@code fib_table_lookup} returns when it selects a route of this type
   * ({@code fib_props[type].error} in net/ipv4/fib_semantics.c), 0 for types that route.
   */
  static int lookupError(int type) {
    switch (type) {
      case BLACKHOLE: return Errno.EINVAL;
      case UNREACHABLE: return Errno.EHOSTUNREACH;
      case PROHIBIT: return Errno.EACCES;
      case THROW: return Errno.EAGAIN;
      case NAT: case XRESOLVE: return Errno.EINVAL;
      default: return 0;
    }
  }
}
