package io.nfeval.host;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The host whose firewall is simulated: interfaces and addresses, routing tables, policy rules and sysctls,
 * with the kernel's IPv4 routing decisions (net/ipv4/route.c, fib_frontend.c, fib_trie.c, fib_rules.c).
 * Immutable after construction and safe to share between threads; routing allocates nothing when the caller
 * passes its own {@link RouteResult}.
 */
public final class HostModel {
  public static final int TABLE_UNSPEC = 0;
  public static final int TABLE_DEFAULT = 253;
  public static final int TABLE_MAIN = 254;
  public static final int TABLE_LOCAL = 255;

  private static final int ICMP_DEST_UNREACH = 3;
  private static final int ICMP_NET_UNREACH = 0;
  private static final int ICMP_HOST_UNREACH = 1;
  private static final int ICMP_PKT_FILTERED = 13;

  /** Scratch results for the reverse lookups of fib_validate_source, one pair per thread. */
  private static final ThreadLocal<RouteResult[]> SCRATCH =
      ThreadLocal.withInitial(() -> new RouteResult[] {new RouteResult(), new RouteResult()});

  private final List<NetInterface> interfaces;
  private final Map<String, NetInterface> byName = new HashMap<>();
  private final Map<Integer, NetInterface> byIndex = new HashMap<>();
  private final NetInterface loopback;
  /** The routing tables; found by a linear scan (hosts have few tables), which avoids boxing. */
  private final FibTable[] tables;
  private final Map<Integer, String> tableNames;
  private final PolicyRule[] rules;
  private final Sysctls sysctls;
  /** net->ipv4.fib_has_custom_rules: any rule beyond the three defaults. */
  private final boolean customRules;
  /** Some rule selects on ipproto or ports: input lookups dissect them (fib_rules_require_fldissect). */
  private final boolean flowDissect;
  /** Some rule selects on a uid range. */
  private final boolean uidRules;
  /** net->ipv4.fib_has_custom_local_routes: a local route added from userspace. */
  private final boolean customLocalRoutes;
  /** CLOCK_REALTIME - CLOCK_MONOTONIC on the host when the snapshot was taken, or {@link #CLOCK_UNKNOWN}. */
  private final long realtimeMinusMonotonic;

  /** {@link #realtimeMinusMonotonic()} of a snapshot that did not record it. */
  public static final long CLOCK_UNKNOWN = Long.MIN_VALUE;
  /** The host's CONFIG_HZ, or {@link #HZ_UNKNOWN}. */
  private final int configHz;
  /** {@link #configHz()} of a snapshot that did not record it. */
  public static final int HZ_UNKNOWN = 0;

  /**
   * Builds a model. {@code rules} null means the kernel's default rules. Routes need not be sorted.
   * {@code tableNames} maps table ids to the names iproute2 printed (for messages only). The interfaces
   * take this model's per-device sysctls: do not share NetInterface objects between models.
   */
  public HostModel(List<NetInterface> interfaces, List<Route> routes, List<PolicyRule> rules, Sysctls sysctls,
      Map<Integer, String> tableNames) {
    this(interfaces, routes, rules, sysctls, tableNames, CLOCK_UNKNOWN);
  }

  /** As above, with the host's {@link #realtimeMinusMonotonic()} ({@link #CLOCK_UNKNOWN} when not known). */
  public HostModel(List<NetInterface> interfaces, List<Route> routes, List<PolicyRule> rules, Sysctls sysctls,
      Map<Integer, String> tableNames, long realtimeMinusMonotonic) {
    this(interfaces, routes, rules, sysctls, tableNames, realtimeMinusMonotonic, HZ_UNKNOWN);
  }

  /**
   * As above, with the host's {@link #realtimeMinusMonotonic()} and {@link #configHz()} ({@link
   * #CLOCK_UNKNOWN}, {@link #HZ_UNKNOWN} when not known).
   */
  public HostModel(List<NetInterface> interfaces, List<Route> routes, List<PolicyRule> rules, Sysctls sysctls,
      Map<Integer, String> tableNames, long realtimeMinusMonotonic, int configHz) {
    this.realtimeMinusMonotonic = realtimeMinusMonotonic;
    this.configHz = configHz;
    this.interfaces = List.copyOf(interfaces);
    this.sysctls = sysctls == null ? Sysctls.empty() : sysctls;
    NetInterface lo = null;
    for (NetInterface i : this.interfaces) {
      byName.put(i.name(), i);
      byIndex.put(i.index(), i);
      i.conf = DevConf.of(this.sysctls, i.name());
      if (lo == null && i.isLoopback()) {
        lo = i;
      }
    }
    this.loopback = lo;
    Map<Integer, List<Route>> byTable = new LinkedHashMap<>();
    boolean customLocal = false;
    for (Route r : routes) {
      byTable.computeIfAbsent(r.table(), k -> new ArrayList<>()).add(r);
      if (r.type() == RouteType.LOCAL && !"kernel".equals(r.protocol())) {
        customLocal = true;
      }
    }
    tables = new FibTable[byTable.size()];
    int ti = 0;
    for (Map.Entry<Integer, List<Route>> e : byTable.entrySet()) {
      tables[ti++] = new FibTable(e.getKey(), e.getValue());
    }
    this.customLocalRoutes = customLocal;
    List<PolicyRule> rl = rules == null ? defaultRules() : new ArrayList<>(rules);
    rl.sort(Comparator.comparingInt(PolicyRule::priority));
    this.rules = rl.toArray(new PolicyRule[0]);
    this.customRules = !isDefaultRuleSet(this.rules);
    boolean fld = false;
    boolean uids = false;
    for (PolicyRule r : this.rules) {
      fld |= r.hasFlowSelectors();
      uids |= r.hasUidRange();
    }
    this.flowDissect = fld;
    this.uidRules = uids;
    this.tableNames = Map.copyOf(tableNames == null ? Map.of() : tableNames);
  }

  /** Loads a snapshot directory ({@code ip-addr.json}, {@code ip-route.json}, optional rules and sysctls). */
  public static HostModel load(Path snapshotDir) {
    return SnapshotReader.read(snapshotDir);
  }

  /** Loads a hand-written host description (config/HOST-FORMAT.md). */
  public static HostModel fromDescription(Path file) {
    return HostDescription.read(file);
  }

  static List<PolicyRule> defaultRules() {
    List<PolicyRule> l = new ArrayList<>();
    l.add(PolicyRule.toTable(0, TABLE_LOCAL));
    l.add(PolicyRule.toTable(32766, TABLE_MAIN));
    l.add(PolicyRule.toTable(32767, TABLE_DEFAULT));
    return l;
  }

  private static boolean isDefaultRuleSet(PolicyRule[] r) {
    if (r.length != 3) {
      return false;
    }
    List<PolicyRule> d = defaultRules();
    for (int i = 0; i < 3; i++) {
      PolicyRule a = r[i];
      PolicyRule b = d.get(i);
      if (a.priority != b.priority || a.table != b.table || a.action != PolicyRule.ACT_TO_TBL || a.invert
          || a.srcLen != 0 || a.dstLen != 0 || a.markMask != 0 || a.iifIndex != 0 || a.oifIndex != 0
          || a.tos != 0 || a.suppressPrefixLen != -1) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- interfaces and sysctls

  public List<NetInterface> interfaces() {
    return interfaces;
  }

  public NetInterface byName(String name) {
    return byName.get(name);
  }

  public NetInterface byIndex(int index) {
    return byIndex.get(index);
  }

  /** The loopback device (ifindex 1 on real hosts), or null if the snapshot has none. */
  public NetInterface loopback() {
    return loopback;
  }

  private FibTable tableOf(int id) {
    final FibTable[] ts = tables;
    for (int i = 0; i < ts.length; i++) {
      if (ts[i].id == id) {
        return ts[i];
      }
    }
    return null;
  }

  /** Ids of the tables that have routes. */
  public int[] tableIds() {
    int[] ids = new int[tables.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tables[i].id;
    }
    return ids;
  }

  /**
   * Routes of one table in lookup order (longest prefix first; the aliases of one prefix by TOS descending,
   * then metric), or an empty list.
   */
  public List<Route> table(int id) {
    FibTable t = tableOf(id);
    return t == null ? List.of() : Collections.unmodifiableList(java.util.Arrays.asList(t.routes));
  }

  public String tableName(int id) {
    switch (id) {
      case TABLE_LOCAL: return "local";
      case TABLE_MAIN: return "main";
      case TABLE_DEFAULT: return "default";
      default: return tableNames.getOrDefault(id, Integer.toString(id));
    }
  }

  /** Policy rules in priority order. */
  public List<PolicyRule> rules() {
    return List.of(rules);
  }

  public Sysctls sysctls() {
    return sysctls;
  }

  /**
   * CLOCK_REALTIME minus CLOCK_MONOTONIC on the host (nanoseconds), as its snapshot recorded it, or
   * {@link #CLOCK_UNKNOWN}. The kernel's ticks fall on multiples of the tick period on CLOCK_MONOTONIC
   * (kernel/time/tick-common.c aligns tick_next_period to TICK_NSEC when the first tick device is set
   * up; measured on 6.18: jiffies - floor(monotonic / 4 ms) was one value in 1,482 of 1,500 readings
   * of /proc/timer_list, the rest read across a tick), while packet times are CLOCK_REALTIME: this
   * offset puts packet times on the host's tick grid, which rate limits count in. It stays valid
   * until the host's clock is stepped (NTP slewing moves both clocks alike).
   */
  public long realtimeMinusMonotonic() {
    return realtimeMinusMonotonic;
  }

  /**
   * The host's CONFIG_HZ as its snapshot recorded it, or {@link #HZ_UNKNOWN}: the tick rate of jiffies,
   * which limit, hashlimit, recent and connlimit count in (the engine takes 250 when unknown).
   */
  public int configHz() {
    return configHz;
  }

  public int sysctlInt(String key, int dflt) {
    return sysctls.getInt(key, dflt);
  }

  /** net.ipv4.ip_forward (kernel default 0). */
  public boolean ipForward() {
    return sysctls.getInt("net.ipv4.ip_forward", 0) != 0;
  }

  /** IN_DEV_FORWARD for a device. */
  public boolean forwarding(NetInterface dev) {
    return dev.conf.forwarding;
  }

  /** IN_DEV_RPFILTER: max(all, dev) of rp_filter; 0 off, 1 strict, 2 loose. */
  public int rpFilter(NetInterface dev) {
    return dev.conf.rpFilter;
  }

  public boolean acceptLocal(NetInterface dev) {
    return dev.conf.acceptLocal;
  }

  public boolean routeLocalnet(NetInterface dev) {
    return dev.conf.routeLocalnet;
  }

  public boolean sendRedirects(NetInterface dev) {
    return dev.conf.sendRedirects;
  }

  /** net.ipv4.icmp_ratelimit in ms (kernel default 1000). */
  public int icmpRatelimit() {
    return sysctls.getInt("net.ipv4.icmp_ratelimit", 1000);
  }

  /** net.ipv4.icmp_ratemask (kernel default 0x1818: dest unreachable, source quench, time exceeded, param). */
  public int icmpRatemask() {
    return sysctls.getInt("net.ipv4.icmp_ratemask", 0x1818);
  }

  /** Whether {@code addr} is configured on any interface ({@code inet_lookup_ifaddr_rcu}). */
  public boolean isHostAddress(int addr) {
    return ownerOf(addr) != null;
  }

  /** The device holding address {@code addr}, or null ({@code __ip_dev_find} without the table fallback). */
  public NetInterface ownerOf(int addr) {
    for (int k = 0; k < interfaces.size(); k++) {
      NetInterface i = interfaces.get(k);
      if (i.hasAddress(addr)) {
        return i;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- address type

  /**
   * The address type as {@code __inet_dev_addr_type} (net/ipv4/fib_frontend.c) computes it, used by the
   * addrtype match: 0/8 and 255.255.255.255 are BROADCAST, 224/4 MULTICAST; otherwise the type of the
   * {@code local} table's route (only if its first nexthop uses {@code limitDev} when one is given), else
   * UNICAST.
   */
  public int addrType(int addr, NetInterface limitDev) {
    if (Inet4.isZeronet(addr) || Inet4.isLimitedBroadcast(addr)) {
      return RouteType.BROADCAST;
    }
    if (Inet4.isMulticast(addr)) {
      return RouteType.MULTICAST;
    }
    FibTable t = tableOf(TABLE_LOCAL);
    if (t == null) {
      return RouteType.UNICAST;
    }
    for (int pi = 0; pi < t.prefixLengths(); pi++) {
      final int plen = t.prefixLength(pi);
      final int key = addr & Inet4.mask(plen);
      for (int i = t.runStart(pi, addr); i >= 0 && t.inRun(i, plen, key); i++) {
        Route r = t.routes[i];
        if (r.tos() != 0) {
          continue;
        }
        if (RouteType.lookupError(r.type()) != 0) {
          return RouteType.UNICAST;
        }
        Nexthop nh = firstUsable(r, 0, false);
        if (nh == null) {
          continue;
        }
        NetInterface first = r.nexthops().isEmpty() ? null : r.nexthops().get(0).dev();
        return limitDev == null || limitDev == first ? r.type() : RouteType.UNICAST;
      }
    }
    return RouteType.UNICAST;
  }

  /** The device of the {@code local} route covering {@code addr} (the fallback of __ip_dev_find), or null. */
  private NetInterface localRouteDev(int addr) {
    FibTable t = tableOf(TABLE_LOCAL);
    if (t == null) {
      return null;
    }
    for (int pi = 0; pi < t.prefixLengths(); pi++) {
      final int plen = t.prefixLength(pi);
      final int key = addr & Inet4.mask(plen);
      for (int i = t.runStart(pi, addr); i >= 0 && t.inRun(i, plen, key); i++) {
        Route r = t.routes[i];
        if (r.tos() == 0) {
          return r.type() != RouteType.LOCAL || r.nexthops().isEmpty() ? null : r.nexthops().get(0).dev();
        }
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- fib lookup

  /**
   * A bare {@code fib_lookup} as xt_rpfilter makes it (flowi4_iif = lo, scope universe, link state
   * ignored, no source-address validation): the route's type and output device, or !ok() when the
   * tables have no route.
   */
  public RouteResult fib(RouteResult r, int saddr, int daddr, int tos, int mark) {
    r.reset();
    r.flow(0, 0, 0, 0); // xt_rpfilter's flowi4 has no protocol, ports or uid
    final int err = fibLookup(r, saddr, daddr, tos, mark, loopbackIndex(), 0, RouteScope.UNIVERSE, true);
    if (err != 0) {
      r.fail(err, reasonOf(err));
      r.type = r.route != null ? r.route.type() : RouteType.UNREACHABLE;
      return r;
    }
    r.type = r.route.type();
    return r;
  }

  /**
   * {@code fib_lookup}: walks the policy rules ({@code fib_rules_lookup}) and looks up tables
   * ({@code fib_table_lookup}). Returns 0 with {@code r.route}, {@code r.table}, {@code r.gateway},
   * {@code r.oif} set, or a positive errno.
   */
  private int fibLookup(RouteResult r, int saddr, int daddr, int tos, int mark, int iif, int oif, int scope,
      boolean ignoreLinkState) {
    final PolicyRule[] rs = rules;
    for (int i = 0; i < rs.length; i++) {
      PolicyRule rule = rs[i];
      if (!rule.matches(saddr, daddr, tos, mark, iif, oif, r.flowProto, r.flowSport, r.flowDport, r.flowUid)) {
        continue;
      }
      int err;
      r.route = null;
      switch (rule.action) {
        case PolicyRule.ACT_GOTO:
          int j = i + 1;
          while (j < rs.length && rs[j].priority < rule.gotoPriority) {
            j++;
          }
          i = j - 1;
          continue;
        case PolicyRule.ACT_NOP:
          continue;
        case PolicyRule.ACT_TO_TBL:
          err = tableLookup(r, rule.table, daddr, tos, oif, scope, ignoreLinkState);
          break;
        case PolicyRule.ACT_UNREACHABLE:
          err = Errno.ENETUNREACH;
          break;
        case PolicyRule.ACT_PROHIBIT:
          err = Errno.EACCES;
          break;
        default:
          err = Errno.EINVAL;
          break;
      }
      if (err == 0 && rule.suppressPrefixLen >= 0 && r.route.prefixLen() <= rule.suppressPrefixLen) {
        continue; // fib4_rule_suppress
      }
      if (err != Errno.EAGAIN) {
        if (r.route == null) {
          r.table = 0;
        }
        return err;
      }
    }
    r.route = null;
    r.table = 0;
    return Errno.ENETUNREACH; // -ESRCH becomes -ENETUNREACH in __fib_lookup
  }

  /** {@code fib_table_lookup}: longest prefix, TOS, scope, route type error, then a usable nexthop. */
  private int tableLookup(RouteResult r, int tableId, int daddr, int tos, int oif, int scope,
      boolean ignoreLinkState) {
    FibTable t = tableOf(tableId);
    r.route = null;
    if (t == null) {
      return Errno.EAGAIN;
    }
    for (int pi = 0; pi < t.prefixLengths(); pi++) {
      final int plen = t.prefixLength(pi);
      final int key = daddr & Inet4.mask(plen);
      for (int i = t.runStart(pi, daddr); i >= 0 && t.inRun(i, plen, key); i++) {
        final Route route = t.routes[i];
        if (route.tos() != 0 && route.tos() != (tos & 0xfc)) {
          continue;
        }
        if (route.scope() < scope) {
          continue;
        }
        int err = RouteType.lookupError(route.type());
        if (err != 0) {
          r.route = route;
          r.table = tableId;
          return err;
        }
        Nexthop nh = firstUsable(route, oif, ignoreLinkState);
        if (nh == null) {
          continue;
        }
        r.route = route;
        r.table = tableId;
        r.gateway = nh.gateway();
        r.oif = nh.dev();
        r.scope = route.scope();
        return 0;
      }
    }
    return Errno.EAGAIN;
  }

  /**
   * The first nexthop that is alive and, with a bound {@code oif}, uses it. Multipath selection by flow hash
   * ({@code fib_select_multipath}) is not modelled: the first usable nexthop wins.
   */
  private Nexthop firstUsable(Route route, int oif, boolean ignoreLinkState) {
    final List<Nexthop> nhs = route.nexthops();
    for (int i = 0; i < nhs.size(); i++) {
      final Nexthop nh = nhs.get(i);
      if (nh.isDead()) {
        continue;
      }
      if ((nh.flags() & Nexthop.F_LINKDOWN) != 0 && !ignoreLinkState && nh.dev() != null
          && sysctls.orConf(nh.dev().name(), "ignore_routes_with_linkdown", 0)) {
        continue;
      }
      if (oif != 0 && oif != nh.oifIndex()) {
        continue;
      }
      return nh;
    }
    return null;
  }

  private int loopbackIndex() {
    return loopback == null ? 1 : loopback.index();
  }

  // ---------------------------------------------------------------- source address selection

  /**
   * {@code inet_select_addr(dev, dst, scope)}: a primary address of {@code dev} of at most {@code scope},
   * preferring one whose subnet holds {@code dst}; else the first suitable primary address of any device
   * in device order (loopback first), skipping link-scope addresses.
   */
  public int selectAddress(NetInterface dev, int dst, int scope) {
    if (dev != null) {
      int localnetScope = dev.conf.routeLocalnet ? RouteScope.LINK : RouteScope.HOST;
      int a = dev.selectAddress(dst, scope, localnetScope);
      if (a != 0) {
        return a;
      }
    }
    for (int k = 0; k < interfaces.size(); k++) {
      int a = interfaces.get(k).selectAnyAddress(scope);
      if (a != 0) {
        return a;
      }
    }
    return 0;
  }

  // ---------------------------------------------------------------- routing

  /** {@link #route(RouteResult, int, int, int, int, NetInterface, NetInterface)} into a new result. */
  public RouteResult route(int saddr, int daddr, int tos, int mark, NetInterface iif, NetInterface oif) {
    RouteResult r = new RouteResult();
    route(r, saddr, daddr, tos, mark, iif, oif);
    return r;
  }

  /**
   * Routes a packet: input routing ({@code ip_route_input_noref}) when {@code iif} is given, else output
   * routing for a locally generated packet ({@code ip_route_output_key}), with {@code oif} the bound device
   * or null. {@code saddr} 0 on output lets the kernel choose the source ({@link RouteResult#prefsrc()}).
   */
  public RouteResult route(RouteResult r, int saddr, int daddr, int tos, int mark, NetInterface iif,
      NetInterface oif) {
    return route(r, saddr, daddr, tos, mark, iif, oif, 0, 0, 0, 0);
  }

  /**
   * Whether routing decisions depend on the packet's protocol, ports or owner's uid (policy rules with
   * ipproto, sport, dport or uidrange): then callers must use
   * {@link #route(RouteResult, int, int, int, int, NetInterface, NetInterface, int, int, int, int)} and
   * not share one decision between the packets of an address pair.
   */
  public boolean routesByFlow() {
    return flowDissect || uidRules;
  }

  /**
   * {@link #route(RouteResult, int, int, int, int, NetInterface, NetInterface)} with the flow's L4 key. Input
   * routing sees the protocol and ports only when some rule selects on them (fib4_rules_early_flow_dissect)
   * and uid 0 (sock_net_uid of no socket); output routing sees the socket's protocol, ports and uid
   * ({@code uid} 0 for the kernel's own packets).
   */
  public RouteResult route(RouteResult r, int saddr, int daddr, int tos, int mark, NetInterface iif,
      NetInterface oif, int proto, int sport, int dport, int uid) {
    if (iif != null) {
      if (flowDissect) {
        r.flow(proto, sport, dport, 0);
      } else {
        r.flow(0, 0, 0, 0);
      }
    } else {
      r.flow(proto, sport, dport, uid);
    }
    r.reset();
    if (iif != null) {
      routeInput(r, saddr, daddr, tos, mark, iif);
    } else {
      routeOutput(r, saddr, daddr, tos, mark, oif);
    }
    return r;
  }

  /**
   * {@code ip_route_me_harder} (net/ipv4/netfilter.c) for a packet the host sends whose mark, destination
   * or TOS changed in OUTPUT: an output route from the packet's own source, which may be foreign (REJECT's
   * reset is sent from the address it answers for): a source whose type is LOCAL or UNICAST
   * ({@code inet_addr_type_dev_table}) routes with FLOWI_FLAG_ANYSRC, so no device must hold it.
   */
  public RouteResult routeMeHarder(RouteResult r, int saddr, int daddr, int tos, int mark, int proto, int sport,
      int dport) {
    final int type = addrType(saddr, null);
    r.flow(proto, sport, dport, 0);
    r.reset();
    routeOutput(r, saddr, daddr, tos, mark, null, type == RouteType.LOCAL || type == RouteType.UNICAST);
    return r;
  }

  /** {@code ip_route_output_key_hash_rcu} and {@code __mkroute_output}. */
  private void routeOutput(RouteResult r, int saddr, int daddr, int tos, int mark, NetInterface oifDev) {
    routeOutput(r, saddr, daddr, tos, mark, oifDev, false);
  }

  /** {@code anySrc}: FLOWI_FLAG_ANYSRC, a source no device holds is no error. */
  private void routeOutput(RouteResult r, int saddr, int daddr, int tos, int mark, NetInterface oifDev,
      boolean anySrc) {
    final int scope = (tos & 0x01) != 0 ? RouteScope.LINK : RouteScope.UNIVERSE; // RTO_ONLINK
    final int iif = loopbackIndex();
    int oif = oifDev == null ? 0 : oifDev.index();
    if (saddr != 0) {
      // 0.0.0.0/8 is an ordinary (unowned) source since "ipv4: Allow 0.0.0.0/8 as a valid address range"
      if (Inet4.isMulticast(saddr) || Inet4.isLimitedBroadcast(saddr)) {
        r.fail(Errno.EINVAL, RouteResult.Reason.BAD_SOURCE);
        return;
      }
      // __ip_dev_find: the device holding saddr, else the device of its local-table route
      NetInterface owner = ownerOf(saddr);
      if (owner == null) {
        owner = localRouteDev(saddr);
      }
      if (oif == 0 && (Inet4.isMulticast(daddr) || Inet4.isLimitedBroadcast(daddr))) {
        if (owner == null) {
          r.fail(Errno.ENETUNREACH, RouteResult.Reason.BAD_SOURCE);
          return;
        }
        makeOutput(r, saddr, daddr, owner, RouteType.UNSPEC);
        return;
      }
      if (owner == null && !anySrc) {
        r.fail(Errno.ENETUNREACH, RouteResult.Reason.BAD_SOURCE);
        return;
      }
    }
    if (oifDev != null) {
      if (!oifDev.isUp()) {
        r.fail(Errno.ENETUNREACH, RouteResult.Reason.NO_ROUTE);
        return;
      }
      if (Inet4.isLocalMulticast(daddr) || Inet4.isLimitedBroadcast(daddr)) {
        if (saddr == 0) {
          saddr = selectAddress(oifDev, 0, RouteScope.LINK);
        }
        makeOutput(r, saddr, daddr, oifDev, RouteType.UNSPEC);
        return;
      }
      if (saddr == 0) {
        if (Inet4.isMulticast(daddr)) {
          saddr = selectAddress(oifDev, 0, scope);
        } else if (daddr == 0) {
          saddr = selectAddress(oifDev, 0, RouteScope.HOST);
        }
      }
    }
    if (daddr == 0) {
      daddr = saddr;
      if (daddr == 0) {
        daddr = saddr = 0x7f000001;
      }
      r.type = RouteType.LOCAL;
      makeOutput(r, saddr, daddr, loopback, RouteType.LOCAL);
      return;
    }
    int err = fibLookup(r, saddr, daddr, tos, mark, iif, oif, scope, false);
    if (err != 0) {
      if (oifDev != null) {
        // "Apparently, routing tables are wrong. Assume, that the destination is on link."
        if (saddr == 0) {
          saddr = selectAddress(oifDev, 0, RouteScope.LINK);
        }
        r.route = null;
        r.table = 0;
        r.gateway = 0;
        makeOutput(r, saddr, daddr, oifDev, RouteType.UNICAST);
        return;
      }
      r.fail(err, reasonOf(err));
      r.type = r.route != null ? r.route.type() : RouteType.UNREACHABLE;
      return;
    }
    Route route = r.route;
    if (route.type() == RouteType.LOCAL) {
      if (saddr == 0) {
        saddr = route.prefsrc() != 0 ? route.prefsrc() : daddr;
      }
      r.gateway = 0;
      makeOutput(r, saddr, daddr, loopback, RouteType.LOCAL);
      return;
    }
    if (saddr == 0) {
      saddr = route.prefsrc() != 0 ? route.prefsrc() : selectAddress(r.oif, r.gateway, route.scope());
    }
    makeOutput(r, saddr, daddr, r.oif, route.type());
  }

  /** {@code __mkroute_output}: broadcast/multicast typing and RTCF flags. */
  private void makeOutput(RouteResult r, int saddr, int daddr, NetInterface devOut, int type) {
    if (Inet4.isLoopback(saddr) && devOut != null && !devOut.isLoopback() && !devOut.conf.routeLocalnet) {
      r.fail(Errno.EINVAL, RouteResult.Reason.BAD_SOURCE);
      return;
    }
    if (Inet4.isLimitedBroadcast(daddr)) {
      type = RouteType.BROADCAST;
    } else if (Inet4.isMulticast(daddr)) {
      type = RouteType.MULTICAST;
    } else if (daddr == 0) {
      r.fail(Errno.EINVAL, RouteResult.Reason.MARTIAN_DESTINATION);
      return;
    }
    int flags = 0;
    if (devOut != null && devOut.isLoopback()) {
      flags |= RouteResult.RTCF_LOCAL;
    }
    if (type == RouteType.BROADCAST) {
      flags |= RouteResult.RTCF_BROADCAST | RouteResult.RTCF_LOCAL;
      r.gateway = 0; // fi = NULL: no nexthop, the frame goes to the link broadcast
    } else if (type == RouteType.MULTICAST) {
      if (r.route != null && r.route.prefixLen() < 4) {
        r.gateway = 0; // "fi = NULL" for multicast via a default-like route (prefixlen < 4)
      }
      flags |= RouteResult.RTCF_MULTICAST;
      if (devOut != null && joined(devOut, daddr)) {
        flags |= RouteResult.RTCF_LOCAL;
      }
    }
    r.type = type == RouteType.UNSPEC ? RouteType.UNICAST : type;
    r.oif = devOut;
    r.prefsrc = saddr;
    r.flags = flags;
    if (r.route != null) {
      r.scope = r.route.scope();
    }
  }

  /**
   * Whether the host is a member of multicast group {@code group} on {@code dev} ({@code ip_check_mc_rcu}).
   * Only the all-hosts group 224.0.0.1, which every device joins while up, is known; sockets'
   * memberships are not in a snapshot.
   */
  public boolean joined(NetInterface dev, int group) {
    // ip_mc_up joins all-hosts on every device (lo too, whatever its IFF_MULTICAST); ip_mc_down leaves it
    return group == 0xe0000001 && dev.isUp();
  }

  /** {@code ip_route_input_rcu} / {@code ip_route_input_slow}. */
  private void routeInput(RouteResult r, int saddr, int daddr, int tos, int mark, NetInterface dev) {
    DevConf c = dev.conf;
    if (Inet4.isMulticast(daddr)) {
      boolean our = joined(dev, daddr);
      if (our || (!Inet4.isLocalMulticast(daddr) && c.mcForwarding)) {
        inputMulticast(r, saddr, daddr, tos, mark, dev, our);
      } else {
        r.fail(Errno.EINVAL, RouteResult.Reason.MULTICAST_NOT_JOINED);
      }
      return;
    }
    if (Inet4.isMulticast(saddr) || Inet4.isLimitedBroadcast(saddr)) {
      r.fail(Errno.EINVAL, RouteResult.Reason.MARTIAN_SOURCE);
      return;
    }
    if (Inet4.isLimitedBroadcast(daddr) || (saddr == 0 && daddr == 0)) {
      brdInput(r, saddr, tos, mark, dev);
      return;
    }
    // Since "ipv4: Allow 0.0.0.0/8 as a valid address range" only 0.0.0.0 itself is martian here.
    if (saddr == 0) {
      r.fail(Errno.EINVAL, RouteResult.Reason.MARTIAN_SOURCE);
      return;
    }
    if (daddr == 0) {
      r.fail(Errno.EINVAL, RouteResult.Reason.MARTIAN_DESTINATION);
      return;
    }
    if (Inet4.isLoopback(daddr)) {
      if (!c.routeLocalnet) {
        r.fail(Errno.EINVAL, RouteResult.Reason.MARTIAN_DESTINATION);
        return;
      }
    } else if (Inet4.isLoopback(saddr) && !c.routeLocalnet) {
      r.fail(Errno.EINVAL, RouteResult.Reason.MARTIAN_SOURCE);
      return;
    }
    int err = fibLookup(r, saddr, daddr, tos, mark, dev.index(), 0, RouteScope.UNIVERSE, false);
    if (err != 0) {
      if (!c.forwarding) {
        err = Errno.EHOSTUNREACH;
      }
      noRoute(r, err, dev, c.forwarding ? reasonOf(err) : RouteResult.Reason.FORWARDING_DISABLED);
      return;
    }
    Route route = r.route;
    if (route.type() == RouteType.BROADCAST) {
      if (c.bcForwarding) {
        mkrouteInput(r, saddr, daddr, tos, mark, dev);
        return;
      }
      brdInput(r, saddr, tos, mark, dev);
      return;
    }
    if (route.type() == RouteType.LOCAL) {
      int v = fibValidateSource(saddr, daddr, tos, mark, 0, dev, r);
      if (v < 0) {
        failSource(r, v);
        return;
      }
      localInput(r, RouteType.LOCAL, 0);
      return;
    }
    if (!c.forwarding) {
      noRoute(r, Errno.EHOSTUNREACH, dev, RouteResult.Reason.FORWARDING_DISABLED);
      return;
    }
    if (route.type() != RouteType.UNICAST) {
      r.fail(Errno.EINVAL, RouteResult.Reason.MARTIAN_DESTINATION);
      return;
    }
    mkrouteInput(r, saddr, daddr, tos, mark, dev);
  }

  /** A failed fib_validate_source: ip_route_input returns -EINVAL (martian_source) whatever the cause. */
  private static void failSource(RouteResult r, int v) {
    r.fail(Errno.EINVAL, v == -Errno.EXDEV ? RouteResult.Reason.RP_FILTER : RouteResult.Reason.MARTIAN_SOURCE);
  }

  /** {@code __mkroute_input}: source validation against the output device, redirect decision. */
  private void mkrouteInput(RouteResult r, int saddr, int daddr, int tos, int mark, NetInterface dev) {
    NetInterface out = r.oif;
    int gw = r.gateway;
    Route route = r.route;
    int table = r.table;
    int v = fibValidateSource(saddr, daddr, tos, mark, out == null ? 0 : out.index(), dev, r);
    if (v < 0) {
      r.reset();
      failSource(r, v);
      return;
    }
    r.route = route;
    r.table = table;
    r.oif = out;
    r.gateway = gw;
    r.type = route.type() == RouteType.BROADCAST ? RouteType.BROADCAST : RouteType.UNICAST;
    r.scope = route.scope();
    r.prefsrc = 0;
    r.flags = 0;
    if (out == dev && v > 0 && out.conf.sendRedirects
        && (out.conf.sharedMedia || onLink(out, saddr, gw))) {
      r.flags |= RouteResult.RTCF_DOREDIRECT;
    }
  }

  /** {@code inet_addr_onlink}: one address of {@code dev} whose subnet holds both a and b (b 0 = any). */
  private static boolean onLink(NetInterface dev, int a, int b) {
    final List<IfAddress> l = dev.addresses();
    for (int i = 0; i < l.size(); i++) {
      final IfAddress ifa = l.get(i);
      if (ifa.matches(a) && (b == 0 || ifa.matches(b))) {
        return true;
      }
    }
    return false;
  }

  private void brdInput(RouteResult r, int saddr, int tos, int mark, NetInterface dev) {
    if (saddr != 0) { // the kernel now treats only 0.0.0.0 as "no source" (0/8 is routable)
      int v = fibValidateSource(saddr, 0, tos, mark, 0, dev, r);
      if (v < 0) {
        r.reset();
        failSource(r, v);
        return;
      }
    }
    int table = r.route != null ? r.table : 0;
    localInput(r, RouteType.BROADCAST, RouteResult.RTCF_BROADCAST);
    r.table = table;
  }

  private void localInput(RouteResult r, int type, int flags) {
    r.type = type;
    r.oif = loopback;
    r.gateway = 0;
    r.prefsrc = 0;
    r.flags = flags | RouteResult.RTCF_LOCAL;
    r.scope = RouteScope.HOST;
  }

  /** {@code ip_route_input_mc}: multicast for a joined group (or to be forwarded). */
  private void inputMulticast(RouteResult r, int saddr, int daddr, int tos, int mark, NetInterface dev,
      boolean our) {
    if (Inet4.isMulticast(saddr) || Inet4.isLimitedBroadcast(saddr)
        || (Inet4.isLoopback(saddr) && !dev.conf.routeLocalnet)) {
      r.fail(Errno.EINVAL, RouteResult.Reason.MARTIAN_SOURCE);
      return;
    }
    if (saddr == 0) {
      if (!Inet4.isLocalMulticast(daddr)) {
        // IGMP from 0.0.0.0 is accepted too; the protocol is not known here.
        r.fail(Errno.EINVAL, RouteResult.Reason.MARTIAN_SOURCE);
        return;
      }
    } else {
      int v = fibValidateSource(saddr, 0, tos, mark, 0, dev, r);
      if (v < 0) {
        r.reset();
        failSource(r, v);
        return;
      }
    }
    r.route = null;
    r.table = 0;
    localInput(r, RouteType.MULTICAST, RouteResult.RTCF_MULTICAST);
    if (!our) {
      r.flags &= ~RouteResult.RTCF_LOCAL;
    }
  }

  /**
   * {@code no_route} in ip_route_input_slow and {@code ip_error}: the packet goes to an error route; with
   * forwarding on the device, ip_error answers EHOSTUNREACH with ICMP host unreachable, ENETUNREACH with net
   * unreachable, EACCES with "communication administratively prohibited"; EINVAL (blackhole) silently.
   */
  private static void noRoute(RouteResult r, int err, NetInterface dev, RouteResult.Reason why) {
    r.route = null;
    r.table = 0;
    r.oif = null;
    r.gateway = 0;
    r.fail(err, why);
    r.type = RouteType.UNREACHABLE;
    if (dev.conf.forwarding) {
      int code;
      switch (err) {
        case Errno.EHOSTUNREACH: code = ICMP_HOST_UNREACH; break;
        case Errno.ENETUNREACH: code = ICMP_NET_UNREACH; break;
        case Errno.EACCES: code = ICMP_PKT_FILTERED; break;
        default: code = -1; break;
      }
      if (code >= 0) {
        r.icmpType = ICMP_DEST_UNREACH;
        r.icmpCode = code;
      }
    }
  }

  private static RouteResult.Reason reasonOf(int err) {
    switch (err) {
      case Errno.EINVAL: return RouteResult.Reason.BLACKHOLE;
      case Errno.EACCES: return RouteResult.Reason.PROHIBIT;
      default: return RouteResult.Reason.NO_ROUTE;
    }
  }

  // ---------------------------------------------------------------- reverse path

  /**
   * Whether a packet from {@code saddr} to {@code daddr} arriving on {@code iif} passes source validation
   * ({@code fib_validate_source}), {@code oif} being the output device of its route (null for local
   * delivery). Includes rp_filter (strict 1 / loose 2, the max of all and the device), accept_local and
   * src_valid_mark.
   */
  public boolean validateSource(int saddr, int daddr, int tos, int mark, NetInterface iif, NetInterface oif) {
    return fibValidateSource(saddr, daddr, tos, mark, oif == null ? 0 : oif.index(), iif, null) >= 0;
  }

  /**
   * {@code fib_validate_source}: a negative errno (-EINVAL martian, -EXDEV rp_filter), 0 accepted, 1 accepted
   * with the source directly connected on {@code dev} (used for redirects).
   */
  int fibValidateSource(int src, int dst, int tos, int mark, int oif, NetInterface dev, RouteResult flow) {
    DevConf c = dev.conf;
    int rpf = c.rpFilter;
    if (rpf == 0 && (dev.index() != oif || !c.sendRedirects)) {
      if (c.acceptLocal) {
        return 0;
      }
      if (!(customLocalRoutes || customRules)) {
        return isHostAddress(src) ? -Errno.EINVAL : 0;
      }
    }
    return fullValidateSource(src, dst, tos, mark, oif, dev, rpf, flow);
  }

  /** {@code __fib_validate_source}: the reverse lookup, with iif and oif swapped. */
  private int fullValidateSource(int src, int dst, int tos, int mark, int oif, NetInterface dev, int rpf,
      RouteResult flow) {
    DevConf c = dev.conf;
    RouteResult[] scratch = SCRATCH.get(); // per thread, so the slow path allocates nothing either
    RouteResult res = scratch[0];
    res.reset();
    // __fib_validate_source: the packet's protocol and ports, swapped, when rules need them; uid 0
    if (flow != null && flowDissect) {
      res.flow(flow.flowProto, flow.flowDport, flow.flowSport, 0);
    } else {
      res.flow(0, 0, 0, 0);
    }
    int flowMark = c.srcValidMark ? mark : 0;
    int iif = oif != 0 ? oif : loopbackIndex();
    boolean noAddr = dev.addresses().isEmpty();
    int err = fibLookup(res, dst, src, tos, flowMark, iif, 0, RouteScope.UNIVERSE, false);
    if (err == 0) {
      int type = res.route.type();
      if (type != RouteType.UNICAST && !(type == RouteType.LOCAL && c.acceptLocal)) {
        return -Errno.EINVAL;
      }
      boolean devMatch = usesDev(res.route, dev) || (type == RouteType.LOCAL && dev.isLoopback());
      if (devMatch) {
        return nexthopScope(res.route, dev) >= RouteScope.HOST ? 1 : 0;
      }
      if (!noAddr) {
        if (rpf == 1) {
          return -Errno.EXDEV;
        }
        RouteResult res2 = scratch[1];
        res2.reset();
        res2.flow(res.flowProto, res.flowSport, res.flowDport, 0);
        int ret = 0;
        if (fibLookup(res2, dst, src, tos, flowMark, iif, dev.index(), RouteScope.UNIVERSE, true) == 0
            && res2.route.type() == RouteType.UNICAST) {
          ret = nexthopScope(res2.route, res2.oif) >= RouteScope.HOST ? 1 : 0;
        }
        return ret;
      }
    }
    // last_resort
    return rpf != 0 ? -Errno.EXDEV : 0;
  }

  private static boolean usesDev(Route route, NetInterface dev) {
    final List<Nexthop> nhs = route.nexthops();
    for (int i = 0; i < nhs.size(); i++) {
      if (nhs.get(i).dev() == dev) {
        return true;
      }
    }
    return false;
  }

  private static int nexthopScope(Route route, NetInterface dev) {
    if (route.type() == RouteType.LOCAL) {
      return RouteScope.NOWHERE; // fib_create_info: host-scope routes get nh scope NOWHERE
    }
    final List<Nexthop> nhs = route.nexthops();
    for (int i = 0; i < nhs.size(); i++) {
      if (nhs.get(i).dev() == dev) {
        return nhs.get(i).scope();
      }
    }
    return route.nexthops().isEmpty() ? RouteScope.UNIVERSE : route.nexthops().get(0).scope();
  }
}
