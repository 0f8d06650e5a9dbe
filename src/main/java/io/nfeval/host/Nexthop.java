package io.nfeval.host;

/** One nexthop of a route ({@code struct fib_nh}): gateway (0 if directly connected), device, weight, flags. */
public final class Nexthop {
  public static final int F_DEAD = 1;
  public static final int F_ONLINK = 4;
  public static final int F_LINKDOWN = 16;

  private final int gateway;
  private final NetInterface dev;
  private final int weight;
  private final int flags;

  public Nexthop(int gateway, NetInterface dev, int weight, int flags) {
    this.gateway = gateway;
    this.dev = dev;
    this.weight = weight;
    this.flags = flags;
  }

  public int gateway() {
    return gateway;
  }

  /** The device, or null for routes without one (blackhole, ...). */
  public NetInterface dev() {
    return dev;
  }

  public int oifIndex() {
    return dev == null ? 0 : dev.index();
  }

  public int weight() {
    return weight;
  }

  /** RTNH_F_* bits. */
  public int flags() {
    return flags;
  }

  public boolean isDead() {
    return (flags & F_DEAD) != 0;
  }

  /**
   * The nexthop scope ({@code fib_nh_scope}): HOST for a directly connected nexthop, LINK for a gateway
   * (fib_check_nh: the gateway must be on link). Used by {@code __fib_validate_source}.
   */
  public int scope() {
    return gateway == 0 ? RouteScope.HOST : RouteScope.LINK;
  }
}
