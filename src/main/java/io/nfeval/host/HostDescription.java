package io.nfeval.host;

import com.fasterxml.jackson.databind.JsonNode;
import io.nfeval.InputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A hand-written host description (config/HOST-FORMAT.md) for users without a snapshot. Addresses imply the
 * routes the kernel creates for them ({@code fib_add_ifaddr} in net/ipv4/fib_frontend.c): a {@code local}
 * /32 route in table local, the subnet route (scope link, proto kernel) in main unless secondary, /32 or
 * noprefixroute, the subnet broadcast route for prefixes shorter than /31, and the configured broadcast.
 */
final class HostDescription {
  private HostDescription() {}

  static HostModel read(Path file) {
    JsonNode root = io.nfeval.JsonFiles.read(file);
    if (!root.isObject()) {
      throw InputException.ofFile(file, "expected a JSON object with \"interfaces\"", null);
    }
    JsonNode ifsNode = root.get("interfaces");
    if (ifsNode == null || !ifsNode.isArray()) {
      throw InputException.ofFile(file, "missing \"interfaces\" array", null);
    }
    List<NetInterface> ifs = new ArrayList<>();
    boolean hasLo = false;
    for (JsonNode i : ifsNode) {
      hasLo |= "lo".equals(i.path("name").asText());
    }
    // lo is ifindex 1 on every Linux host; the others follow in the order given unless "index" is set
    int next = 1;
    if (hasLo) {
      next = 2;
    } else {
      ifs.add(new NetInterface("lo", next++, NetInterface.IFF_UP | NetInterface.IFF_LOOPBACK
          | NetInterface.IFF_LOWER_UP, 65536, 0, 0, null, "loopback",
          List.of(new IfAddress(0x7f000001, 8, 0, 0x7f000001, RouteScope.HOST, false, false, "lo"))));
    }
    int n = 0;
    for (JsonNode i : ifsNode) {
      n++;
      String name = IprouteJson.requireText(file, i, "name", "interface " + n);
      boolean lo = name.equals("lo");
      ifs.add(iface(file, i, name, i.has("index") ? i.get("index").asInt() : lo ? 1 : next));
      if (!lo) {
        next = Math.max(next, ifs.get(ifs.size() - 1).index()) + 1;
      }
    }
    Map<String, NetInterface> byName = new HashMap<>();
    for (NetInterface i : ifs) {
      if (byName.put(i.name(), i) != null) {
        throw InputException.ofFile(file, "interface " + i.name() + " listed twice", null);
      }
    }
    SnapshotReader.TableIds ids = new SnapshotReader.TableIds();
    List<Route> routes = new ArrayList<>();
    for (NetInterface i : ifs) {
      impliedRoutes(file, i, routes);
    }
    int rn = 0;
    for (JsonNode r : SnapshotReader.elements(root.get("routes"))) {
      rn++;
      String where = "route " + rn;
      routes.add(IprouteJson.route(file, r, where, IprouteJson.requireText(file, r, "dst", where), byName, ids,
          null));
    }
    List<PolicyRule> rules = null;
    if (root.has("rules")) {
      rules = new ArrayList<>();
      int k = 0;
      for (JsonNode r : root.get("rules")) {
        k++;
        rules.add(IprouteJson.rule(file, r, "rule " + k, byName, ids));
      }
    }
    Map<String, String> sys = new HashMap<>();
    root.path("sysctl").fields().forEachRemaining(e -> sys.put(e.getKey(), e.getValue().asText()));
    int hz = HostModel.HZ_UNKNOWN;
    if (root.has("configHz")) {
      final JsonNode h = root.get("configHz");
      if (!h.canConvertToInt() || !h.isIntegralNumber() || !SnapshotReader.isTickRate(h.asInt())) {
        throw InputException.ofFile(file, "\"configHz\" is not a tick rate between " + SnapshotReader.MIN_HZ
            + " and " + SnapshotReader.MAX_HZ + ": " + h, null);
      }
      hz = h.asInt();
    }
    return new HostModel(ifs, routes, rules, new Sysctls(sys), ids.names(), HostModel.CLOCK_UNKNOWN, hz);
  }

  private static NetInterface iface(Path file, JsonNode i, String name, int index) {
    String where = "interface " + name;
    boolean lo = name.equals("lo");
    int flags;
    if (i.has("flags")) {
      flags = IprouteJson.flags(i.get("flags"));
    } else {
      flags = lo ? NetInterface.IFF_UP | NetInterface.IFF_LOOPBACK | NetInterface.IFF_LOWER_UP
          : NetInterface.IFF_UP | NetInterface.IFF_BROADCAST | NetInterface.IFF_MULTICAST
              | NetInterface.IFF_LOWER_UP;
    }
    List<IfAddress> primaries = new ArrayList<>();
    List<IfAddress> secondaries = new ArrayList<>();
    for (JsonNode a : SnapshotReader.elements(i.get("addresses"))) {
      String text = a.isTextual() ? a.asText() : IprouteJson.requireText(file, a, "address", where);
      int slash = text.indexOf('/');
      int addr = IprouteJson.parseAddr(file, slash < 0 ? text : text.substring(0, slash), where);
      int plen = slash < 0 ? 32 : IprouteJson.parseInt(file, text.substring(slash + 1), where);
      if (plen < 0 || plen > 32) {
        throw InputException.ofFile(file, where + ": bad prefix length in " + text, null);
      }
      int brd = a.hasNonNull("broadcast") ? IprouteJson.parseAddr(file, a.get("broadcast").asText(), where) : 0;
      int peer = a.hasNonNull("peer") ? IprouteJson.parseAddr(file, a.get("peer").asText(), where) : addr;
      int scope = a.hasNonNull("scope") ? RouteScope.parse(a.get("scope").asText())
          : Inet4.isLoopback(addr) ? RouteScope.HOST : RouteScope.UNIVERSE;
      // __inet_insert_ifa: an address in the subnet of an existing primary becomes secondary.
      boolean secondary = a.path("secondary").asBoolean(false);
      for (IfAddress p : primaries) {
        if (p.prefixLen() == plen && p.matches(addr)) {
          secondary = true;
        }
      }
      IfAddress ifa = new IfAddress(addr, plen, brd, peer, scope, secondary,
          a.path("noprefixroute").asBoolean(false), a.path("label").asText(name));
      (secondary ? secondaries : primaries).add(ifa);
    }
    primaries.addAll(secondaries);
    long mac = IprouteJson.mac(i.path("mac").asText(""));
    return new NetInterface(name, index, flags, i.path("mtu").asInt(lo ? 65536 : 1500), mac,
        i.path("group").asInt(0), i.hasNonNull("master") ? i.get("master").asText() : null,
        i.path("link_type").asText(lo ? "loopback" : "ether"), primaries);
  }

  /** fib_add_ifaddr for each address. */
  private static void impliedRoutes(Path file, NetInterface dev, List<Route> out) {
    for (IfAddress ifa : dev.addresses()) {
      IfAddress prim = ifa;
      if (ifa.isSecondary()) {
        prim = null;
        for (IfAddress p : dev.addresses()) {
          if (!p.isSecondary() && p.prefixLen() == ifa.prefixLen() && p.matches(ifa.address())) {
            prim = p;
            break;
          }
        }
        if (prim == null) {
          throw InputException.ofFile(file, "interface " + dev.name() + ": secondary address " + ifa
              + " has no primary in its subnet", null);
        }
      }
      List<Nexthop> nh = List.of(new Nexthop(0, dev, 1, 0));
      int src = prim.address();
      out.add(new Route(HostModel.TABLE_LOCAL, RouteType.LOCAL, ifa.address(), 32, 0, 0, RouteScope.HOST,
          "kernel", src, nh));
      if (!dev.isUp()) {
        // NETDEV_DOWN (fib_disable_ip -> fib_sync_down_dev) flushes the device's routes except the local
        // ones, whose nexthop scope is NOWHERE: the host keeps answering on a down device's address.
        continue;
      }
      if (ifa.broadcast() != 0 && ifa.broadcast() != -1) {
        out.add(new Route(HostModel.TABLE_LOCAL, RouteType.BROADCAST, ifa.broadcast(), 32, 0, 0,
            RouteScope.LINK, "kernel", src, nh));
      }
      int prefix = ifa.peer() & ifa.mask();
      if (!Inet4.isZeronet(prefix) && !ifa.isSecondary()
          && (prefix != ifa.address() || ifa.prefixLen() < 32)) {
        if (!ifa.noPrefixRoute()) {
          boolean loop = dev.isLoopback();
          out.add(new Route(loop ? HostModel.TABLE_LOCAL : HostModel.TABLE_MAIN,
              loop ? RouteType.LOCAL : RouteType.UNICAST, prefix, ifa.prefixLen(), 0, 0,
              loop ? RouteScope.HOST : RouteScope.LINK, "kernel", src, nh));
        }
        if (ifa.prefixLen() < 31) {
          int bcast = prefix | ~ifa.mask();
          if (bcast != ifa.broadcast()) {
            out.add(new Route(HostModel.TABLE_LOCAL, RouteType.BROADCAST, bcast, 32, 0, 0, RouteScope.LINK,
                "kernel", src, nh));
          }
        }
      }
    }
  }
}
