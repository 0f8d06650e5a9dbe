package io.nfeval.host;

import java.util.List;

/**
 * A route in one routing table ({@code struct fib_alias} + {@code struct fib_info}): table, type,
 * destination prefix, TOS, metric (priority), scope, protocol, preferred source and nexthops.
 */
public final class Route {
  private final int table;
  private final int type;
  private final int dst;
  private final int prefixLen;
  private final int tos;
  private final int metric;
  private final int scope;
  private final String protocol;
  private final int prefsrc;
  private final List<Nexthop> nexthops;

  public Route(int table, int type, int dst, int prefixLen, int tos, int metric, int scope, String protocol,
      int prefsrc, List<Nexthop> nexthops) {
    this.table = table;
    this.type = type;
    this.dst = dst & Inet4.mask(prefixLen);
    this.prefixLen = prefixLen;
    this.tos = tos;
    this.metric = metric;
    this.scope = scope;
    this.protocol = protocol;
    this.prefsrc = prefsrc;
    this.nexthops = List.copyOf(nexthops);
  }

  public int table() {
    return table;
  }

  /** {@link RouteType} constant. */
  public int type() {
    return type;
  }

  public int dst() {
    return dst;
  }

  public int prefixLen() {
    return prefixLen;
  }

  public int tos() {
    return tos;
  }

  public int metric() {
    return metric;
  }

  public int scope() {
    return scope;
  }

  /** iproute2's protocol name ("kernel", "boot", "static", ...); null if not given. */
  public String protocol() {
    return protocol;
  }

  /** The configured preferred source, 0 if none. */
  public int prefsrc() {
    return prefsrc;
  }

  public List<Nexthop> nexthops() {
    return nexthops;
  }

  boolean covers(int addr) {
    return ((addr ^ dst) & Inet4.mask(prefixLen)) == 0;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    b.append(RouteType.name(type)).append(' ').append(Inet4.format(dst)).append('/').append(prefixLen);
    for (Nexthop nh : nexthops) {
      if (nh.gateway() != 0) {
        b.append(" via ").append(Inet4.format(nh.gateway()));
      }
      if (nh.dev() != null) {
        b.append(" dev ").append(nh.dev().name());
      }
    }
    b.append(" table ").append(table);
    return b.toString();
  }
}
