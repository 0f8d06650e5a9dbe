package io.nfeval.host;

/**
 * The outcome of one routing decision ({@code struct rtable} + the errno of ip_route_input/output). Mutable so
 * a worker can reuse one instance per packet ({@link HostModel#route(RouteResult, int, int, int, int,
 * NetInterface, NetInterface)}); read it before the next call.
 *
 * <p>On success {@link #error()} is 0 and {@link #type()} is UNICAST (forward or send), LOCAL, BROADCAST or
 * MULTICAST (deliver locally; {@link #isLocal()}). On failure {@link #error()} is the errno the kernel returns
 * and {@link #reason()} says why; for input routing {@link #icmpType()}/{@link #icmpCode()} give the ICMP error
 * {@code ip_error} (net/ipv4/route.c) would send back, or -1 when the kernel drops silently.
 */
public final class RouteResult {
  /** Why a packet was not routed. */
  public enum Reason {
    NONE,
    /** No route (fib lookup failed), or an {@code unreachable} route or rule. */
    NO_ROUTE,
    /** A {@code blackhole} route or rule: dropped silently. */
    BLACKHOLE,
    /** A {@code prohibit} route or rule. */
    PROHIBIT,
    /** Not local and forwarding is off on the input interface: dropped (only PREROUTING saw it). */
    FORWARDING_DISABLED,
    /** Source is multicast, limited broadcast, 0/8, 127/8 (without route_localnet), or one of ours. */
    MARTIAN_SOURCE,
    /** Destination 0/8, 127/8 without route_localnet, or a non-unicast non-local route. */
    MARTIAN_DESTINATION,
    /** Reverse-path filter (rp_filter) failed: -EXDEV. */
    RP_FILTER,
    /** Multicast to a group the host has not joined, without multicast forwarding. */
    MULTICAST_NOT_JOINED,
    /** Output with a source address that is not the host's, or a bad bound device. */
    BAD_SOURCE
  }

  /** RTCF_* flags of include/uapi/linux/in_route.h. */
  public static final int RTCF_DOREDIRECT = 0x01000000;
  public static final int RTCF_LOCAL = 0x80000000;
  public static final int RTCF_BROADCAST = 0x10000000;
  public static final int RTCF_MULTICAST = 0x20000000;

  int error;
  Reason reason = Reason.NONE;
  int type;
  int table;
  NetInterface oif;
  int gateway;
  int prefsrc;
  int scope;
  int flags;
  int icmpType = -1;
  int icmpCode = -1;
  Route route;

  /**
   * The flow's L4 key (inputs, which {@link #reset} keeps): protocol, ports and uid, for policy rules with
   * ipproto/sport/dport/uidrange selectors. HostModel.route sets them.
   */
  int flowProto;
  int flowSport;
  int flowDport;
  int flowUid;

  void flow(int proto, int sport, int dport, int uid) {
    flowProto = proto;
    flowSport = sport;
    flowDport = dport;
    flowUid = uid;
  }

  void reset() {
    error = 0;
    reason = Reason.NONE;
    type = RouteType.UNSPEC;
    table = 0;
    oif = null;
    gateway = 0;
    prefsrc = 0;
    scope = RouteScope.UNIVERSE;
    flags = 0;
    icmpType = -1;
    icmpCode = -1;
    route = null;
  }

  /** Copies another result (route caches hand out copies of what they hold). */
  public RouteResult copyFrom(RouteResult o) {
    error = o.error;
    reason = o.reason;
    type = o.type;
    table = o.table;
    oif = o.oif;
    gateway = o.gateway;
    prefsrc = o.prefsrc;
    scope = o.scope;
    flags = o.flags;
    icmpType = o.icmpType;
    icmpCode = o.icmpCode;
    route = o.route;
    return this;
  }

  /** Whether every field equals {@code o}'s (interfaces and routes by identity). */
  public boolean sameAs(RouteResult o) {
    return error == o.error && reason == o.reason && type == o.type && table == o.table
        && oif == o.oif && gateway == o.gateway && prefsrc == o.prefsrc && scope == o.scope
        && flags == o.flags && icmpType == o.icmpType && icmpCode == o.icmpCode && route == o.route;
  }

  /** A hash consistent with {@link #sameAs}. */
  public int hashOfFields() {
    int h = error;
    h = h * 31 + reason.ordinal();
    h = h * 31 + type;
    h = h * 31 + table;
    h = h * 31 + System.identityHashCode(oif);
    h = h * 31 + gateway;
    h = h * 31 + prefsrc;
    h = h * 31 + scope;
    h = h * 31 + flags;
    h = h * 31 + icmpType;
    h = h * 31 + icmpCode;
    return h * 31 + System.identityHashCode(route);
  }

  void fail(int errno, Reason why) {
    error = errno;
    reason = why;
  }

  public boolean ok() {
    return error == 0;
  }

  /** 0, or the positive errno ({@link Errno}) the kernel's route lookup returned. */
  public int error() {
    return error;
  }

  public Reason reason() {
    return reason;
  }

  /** {@link RouteType}: UNICAST, LOCAL, BROADCAST, MULTICAST on success; for input errors UNREACHABLE. */
  public int type() {
    return type;
  }

  /**
   * The table id of the route used (255 local, 254 main, 253 default), 0 if none. Note: with only the
   * default rules the kernel merges table local into main, so {@code ip route get} then prints no table
   * (main) for local routes; this model reports the table the route was listed in.
   */
  public int table() {
    return table;
  }

  /** Output device; for local delivery the loopback device, as {@code ip route get} shows. */
  public NetInterface oif() {
    return oif;
  }

  /** The nexthop gateway, 0 if the destination is on link. */
  public int gateway() {
    return gateway;
  }

  /** The chosen source address for output routing (route prefsrc, else inet_select_addr), 0 for input. */
  public int prefsrc() {
    return prefsrc;
  }

  /** The route's scope. */
  public int scope() {
    return scope;
  }

  /** RTCF_* flags: LOCAL, BROADCAST, MULTICAST, DOREDIRECT (forwarded back out the input link). */
  public int flags() {
    return flags;
  }

  public boolean isLocal() {
    return (flags & RTCF_LOCAL) != 0;
  }

  /** Whether the kernel would send an ICMP redirect when forwarding (IPSKB_DOREDIRECT). */
  public boolean doRedirect() {
    return (flags & RTCF_DOREDIRECT) != 0;
  }

  /** ICMP type ip_error would send for a failed input route (3 = destination unreachable), or -1. */
  public int icmpType() {
    return icmpType;
  }

  /** ICMP code (0 net, 1 host unreachable, 13 administratively prohibited), or -1. */
  public int icmpCode() {
    return icmpCode;
  }

  /** The table entry that decided, or null. */
  public Route route() {
    return route;
  }

  @Override
  public String toString() {
    if (error != 0) {
      return "error " + Errno.message(error) + " (" + reason + ")"
          + (icmpType >= 0 ? " icmp " + icmpType + "/" + icmpCode : "");
    }
    return RouteType.name(type) + (gateway != 0 ? " via " + Inet4.format(gateway) : "")
        + (oif != null ? " dev " + oif.name() : "") + " table " + table
        + (prefsrc != 0 ? " src " + Inet4.format(prefsrc) : "") + (doRedirect() ? " redirect" : "");
  }
}
