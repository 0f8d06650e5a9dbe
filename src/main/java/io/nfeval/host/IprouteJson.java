package io.nfeval.host;

import com.fasterxml.jackson.databind.JsonNode;
import io.nfeval.InputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns iproute2's JSON ({@code ip -j addr/route/rule show}, iproute2 6.x key names) into the model.
 * Jackson's tree has no line numbers, so a missing or bad field is reported by entry number.
 */
final class IprouteJson {
  private IprouteJson() {}

  // ------------------------------------------------------------------ ip -j addr show

  static List<NetInterface> interfaces(Path file, JsonNode root) {
    requireArray(file, root);
    List<NetInterface> out = new ArrayList<>();
    int n = 0;
    for (JsonNode link : root) {
      n++;
      String where = "entry " + n;
      int index = requireInt(file, link, "ifindex", where);
      String name = requireText(file, link, "ifname", where);
      where = "interface " + name;
      int flags = flags(link.get("flags"));
      int mtu = link.path("mtu").asInt(0);
      long mac = mac(link.path("address").asText(""));
      int group = group(link.path("group").asText("default"));
      String master = link.hasNonNull("master") ? link.get("master").asText() : null;
      String linkType = link.path("link_type").asText("");
      List<IfAddress> addrs = new ArrayList<>();
      for (JsonNode a : SnapshotReader.elements(link.get("addr_info"))) {
        if (!"inet".equals(a.path("family").asText())) {
          continue;
        }
        addrs.add(address(file, a, where, name));
      }
      out.add(new NetInterface(name, index, flags, mtu, mac, group, master, linkType, addrs));
    }
    return out;
  }

  private static IfAddress address(Path file, JsonNode a, String where, String ifname) {
    int local = parseAddr(file, requireText(file, a, "local", where), where);
    int plen = requireInt(file, a, "prefixlen", where);
    if (plen < 0 || plen > 32) {
      throw InputException.ofFile(file, where + ": prefixlen " + plen + " out of range", null);
    }
    int brd = a.hasNonNull("broadcast") ? parseAddr(file, a.get("broadcast").asText(), where) : 0;
    int peer = a.hasNonNull("address") ? parseAddr(file, a.get("address").asText(), where) : local;
    int scope = a.hasNonNull("scope") ? RouteScope.parse(a.get("scope").asText()) : RouteScope.UNIVERSE;
    if (scope < 0) {
      throw InputException.ofFile(file, where + ": unknown scope " + a.get("scope"), null);
    }
    boolean secondary = a.has("secondary") && !a.get("secondary").asText().equals("false");
    boolean noPrefixRoute = a.has("noprefixroute");
    String label = a.path("label").asText(ifname);
    return new IfAddress(local, plen, brd, peer, scope, secondary, noPrefixRoute, label);
  }

  static int flags(JsonNode flags) {
    int f = 0;
    for (JsonNode n : SnapshotReader.elements(flags)) {
      f |= flag(n.asText());
    }
    return f;
  }

  static int flag(String s) {
    switch (s) {
      case "UP": return NetInterface.IFF_UP;
      case "BROADCAST": return NetInterface.IFF_BROADCAST;
      case "DEBUG": return NetInterface.IFF_DEBUG;
      case "LOOPBACK": return NetInterface.IFF_LOOPBACK;
      case "POINTOPOINT": return NetInterface.IFF_POINTOPOINT;
      case "NOTRAILERS": return NetInterface.IFF_NOTRAILERS;
      case "RUNNING": return NetInterface.IFF_RUNNING;
      case "NOARP": return NetInterface.IFF_NOARP;
      case "PROMISC": return NetInterface.IFF_PROMISC;
      case "ALLMULTI": return NetInterface.IFF_ALLMULTI;
      case "MASTER": return NetInterface.IFF_MASTER;
      case "SLAVE": return NetInterface.IFF_SLAVE;
      case "MULTICAST": return NetInterface.IFF_MULTICAST;
      case "PORTSEL": return NetInterface.IFF_PORTSEL;
      case "AUTOMEDIA": return NetInterface.IFF_AUTOMEDIA;
      case "DYNAMIC": return NetInterface.IFF_DYNAMIC;
      case "LOWER_UP": return NetInterface.IFF_LOWER_UP;
      case "DORMANT": return NetInterface.IFF_DORMANT;
      case "ECHO": return NetInterface.IFF_ECHO;
      default: return 0; // NO-CARRIER, M-DOWN are iproute2 annotations, not IFF bits
    }
  }

  static long mac(String s) {
    if (s.isEmpty()) {
      return 0;
    }
    String[] p = s.split(":");
    if (p.length != 6) {
      return 0; // tunnels print IPv4 "addresses" here
    }
    long v = 0;
    for (String b : p) {
      try {
        v = (v << 8) | Integer.parseInt(b, 16);
      } catch (NumberFormatException e) {
        return 0;
      }
    }
    return v;
  }

  static int group(String s) {
    if (s.equals("default")) {
      return 0;
    }
    try {
      return Integer.decode(s);
    } catch (NumberFormatException e) {
      return 0; // a name from /etc/iproute2/group: unknown number
    }
  }

  // ------------------------------------------------------------------ ip -j route show table all

  static List<Route> routes(Path file, JsonNode root, Map<String, NetInterface> ifs,
      SnapshotReader.TableIds ids) {
    requireArray(file, root);
    List<Route> out = new ArrayList<>();
    int n = 0;
    for (JsonNode r : root) {
      n++;
      String where = "route " + n;
      String dstText = requireText(file, r, "dst", where);
      if (dstText.indexOf(':') >= 0 || (r.has("family") && !"inet".equals(r.get("family").asText()))) {
        continue; // IPv6
      }
      Route route = route(file, r, where, dstText, ifs, ids, null);
      if (route != null) {
        out.add(route);
      }
    }
    return out;
  }

  /** One route object; {@code forcedTable} overrides the table (host descriptions), null to read it. */
  static Route route(Path file, JsonNode r, String where, String dstText, Map<String, NetInterface> ifs,
      SnapshotReader.TableIds ids, Integer forcedTable) {
    int type = r.hasNonNull("type") ? RouteType.parse(r.get("type").asText()) : RouteType.UNICAST;
    if (type < 0) {
      throw InputException.ofFile(file, where + ": unknown route type " + r.get("type"), null);
    }
    int dst;
    int plen;
    if (dstText.equals("default")) {
      dst = 0;
      plen = 0;
    } else {
      int slash = dstText.indexOf('/');
      dst = parseAddr(file, slash < 0 ? dstText : dstText.substring(0, slash), where);
      plen = slash < 0 ? 32 : parseInt(file, dstText.substring(slash + 1), where);
      if (plen < 0 || plen > 32) {
        throw InputException.ofFile(file, where + ": bad prefix " + dstText, null);
      }
    }
    int table = forcedTable != null ? forcedTable
        : r.hasNonNull("table") ? ids.id(r.get("table").asText()) : HostModel.TABLE_MAIN;
    int tos = r.hasNonNull("tos") ? parseInt(file, r.get("tos").asText(), where)
        : r.hasNonNull("dsfield") ? parseInt(file, r.get("dsfield").asText(), where) : 0;
    int metric = r.path("metric").asInt(0);
    int scope;
    if (r.hasNonNull("scope")) {
      scope = RouteScope.parse(r.get("scope").asText());
      if (scope < 0) {
        throw InputException.ofFile(file, where + ": unknown scope " + r.get("scope"), null);
      }
    } else {
      scope = defaultScope(type, r);
    }
    String protocol = r.hasNonNull("protocol") ? r.get("protocol").asText() : null;
    int prefsrc = r.hasNonNull("prefsrc") ? parseAddr(file, r.get("prefsrc").asText(), where) : 0;
    List<Nexthop> nhs = new ArrayList<>();
    if (r.has("nexthops")) {
      for (JsonNode nh : r.get("nexthops")) {
        nhs.add(nexthop(file, nh, where, ifs));
      }
    } else if (r.has("gateway") || r.has("dev")) {
      nhs.add(nexthop(file, r, where, ifs));
    }
    return new Route(table, type, dst, plen, tos, metric, scope, protocol, prefsrc, nhs);
  }

  /** iproute2 omits "scope" when it is global; host descriptions may omit it for kernel-like defaults. */
  static int defaultScope(int type, JsonNode r) {
    return RouteScope.UNIVERSE;
  }

  private static Nexthop nexthop(Path file, JsonNode nh, String where, Map<String, NetInterface> ifs) {
    int gw = 0;
    if (nh.hasNonNull("gateway")) {
      String g = nh.get("gateway").asText();
      if (g.indexOf(':') < 0) {
        gw = parseAddr(file, g, where);
      }
    }
    NetInterface dev = null;
    if (nh.hasNonNull("dev")) {
      dev = ifs.get(nh.get("dev").asText());
      if (dev == null) {
        throw InputException.ofFile(file, where + ": unknown device " + nh.get("dev").asText(), null);
      }
    }
    int flags = 0;
    for (JsonNode f : SnapshotReader.elements(nh.get("flags"))) {
      switch (f.asText()) {
        case "dead": flags |= Nexthop.F_DEAD; break;
        case "onlink": flags |= Nexthop.F_ONLINK; break;
        case "linkdown": flags |= Nexthop.F_LINKDOWN; break;
        default: break;
      }
    }
    return new Nexthop(gw, dev, nh.path("weight").asInt(1), flags);
  }

  // ------------------------------------------------------------------ ip -j rule show

  static List<PolicyRule> rules(Path file, JsonNode root, Map<String, NetInterface> ifs,
      SnapshotReader.TableIds ids) {
    requireArray(file, root);
    List<PolicyRule> out = new ArrayList<>();
    int n = 0;
    for (JsonNode r : root) {
      n++;
      out.add(rule(file, r, "rule " + n, ifs, ids));
    }
    return out;
  }

  static PolicyRule rule(Path file, JsonNode r, String where, Map<String, NetInterface> ifs,
      SnapshotReader.TableIds ids) {
    int prio = requireInt(file, r, "priority", where);
    where = "rule " + prio;
    boolean invert = r.has("not");
    int src = 0;
    int srcLen = 0;
    String s = r.path("src").asText("all");
    if (!s.equals("all")) {
      src = parseAddr(file, s, where);
      srcLen = r.has("srclen") ? r.get("srclen").asInt() : 32;
    }
    int dst = 0;
    int dstLen = 0;
    String d = r.path("dst").asText("all");
    if (r.has("dst") && !d.equals("all")) {
      dst = parseAddr(file, d, where);
      dstLen = r.has("dstlen") ? r.get("dstlen").asInt() : 32;
    }
    int tos = r.hasNonNull("tos") ? parseInt(file, r.get("tos").asText(), where) : 0;
    int mark = 0;
    int mask = 0;
    if (r.hasNonNull("fwmark")) {
      mark = (int) parseLong(file, r.get("fwmark").asText(), where);
      mask = r.hasNonNull("fwmask") ? (int) parseLong(file, r.get("fwmask").asText(), where) : -1;
    }
    String iif = r.hasNonNull("iif") ? r.get("iif").asText() : null;
    String oif = r.hasNonNull("oif") ? r.get("oif").asText() : null;
    int iifIndex = iif == null ? 0 : ifs.containsKey(iif) ? ifs.get(iif).index() : -1;
    int oifIndex = oif == null ? 0 : ifs.containsKey(oif) ? ifs.get(oif).index() : -1;
    int action;
    int gotoPrio = 0;
    int table = 0;
    if (r.has("goto")) {
      action = PolicyRule.ACT_GOTO;
      gotoPrio = r.get("goto").asInt();
    } else if (r.has("nop")) {
      action = PolicyRule.ACT_NOP;
    } else if (r.hasNonNull("action")) {
      switch (r.get("action").asText()) {
        case "blackhole": action = PolicyRule.ACT_BLACKHOLE; break;
        case "unreachable": action = PolicyRule.ACT_UNREACHABLE; break;
        case "prohibit": action = PolicyRule.ACT_PROHIBIT; break;
        case "nop": action = PolicyRule.ACT_NOP; break;
        default:
          throw InputException.ofFile(file, where + ": unknown action " + r.get("action"), null);
      }
    } else if (r.has("l3mdev") && !r.has("table")) {
      action = PolicyRule.ACT_TO_TBL; // "lookup [l3mdev-table]": the VRF's table, only for its slaves
    } else {
      action = PolicyRule.ACT_TO_TBL;
      table = ids.id(requireText(file, r, "table", where));
    }
    int suppress = r.hasNonNull("suppress_prefixlen") ? r.get("suppress_prefixlen").asInt() : -1;
    final int proto = r.hasNonNull("ipproto") ? ipProto(file, r.get("ipproto").asText(), where) : 0;
    final int[] sport = portRange(r, "sport");
    final int[] dport = portRange(r, "dport");
    final int uidLo = r.hasNonNull("uid_start") ? (int) r.get("uid_start").asLong() : 0;
    final int uidHi = r.hasNonNull("uid_end") ? (int) r.get("uid_end").asLong() : -1;
    final boolean never = r.has("l3mdev") || r.has("tun_id");
    return new PolicyRule(prio, invert, src, srcLen, dst, dstLen, tos, mark, mask, iif, iifIndex, oif,
        oifIndex, table, action, gotoPrio, suppress)
        .selectors(proto, sport[0], sport[1], dport[0], dport[1], uidLo, uidHi, never);
  }

  /** A port selector as ip prints it: {@code "dport": N} or {@code "dport_start"/"dport_end"}. */
  private static int[] portRange(JsonNode r, String key) {
    if (r.hasNonNull(key)) {
      final int p = r.get(key).asInt();
      return new int[] {p, p};
    }
    if (r.hasNonNull(key + "_start")) {
      return new int[] {r.get(key + "_start").asInt(), r.path(key + "_end").asInt(r.get(key + "_start").asInt())};
    }
    return new int[] {0, 0};
  }

  /**
   * ipproto as ip prints it: a name from /etc/protocols (the names iptables uses too), a number, or
   * {@code ipproto-N} for a number without a name.
   */
  private static int ipProto(Path file, String s, String where) {
    try {
      return io.nfeval.rules.ext.Protocols.parse(s.startsWith("ipproto-") ? s.substring(8) : s);
    } catch (io.nfeval.rules.ext.ExtException e) {
      throw InputException.ofFile(file, where + ": unknown ipproto " + s, null);
    }
  }


  // ------------------------------------------------------------------ helpers

  static void requireArray(Path file, JsonNode root) {
    if (!root.isArray()) {
      throw InputException.ofFile(file, "expected a JSON array as iproute2 prints it", null);
    }
  }

  static String requireText(Path file, JsonNode n, String key, String where) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull() || v.isContainerNode()) {
      throw InputException.ofFile(file, where + ": missing \"" + key + "\"", null);
    }
    return v.asText();
  }

  static int requireInt(Path file, JsonNode n, String key, String where) {
    JsonNode v = n.get(key);
    if (v == null || !v.canConvertToInt()) {
      throw InputException.ofFile(file, where + ": missing or non-integer \"" + key + "\"", null);
    }
    return v.asInt();
  }

  static int parseAddr(Path file, String s, String where) {
    try {
      return Inet4.parse(s);
    } catch (IllegalArgumentException e) {
      throw InputException.ofFile(file, where + ": " + e.getMessage(), null);
    }
  }

  static int parseInt(Path file, String s, String where) {
    return (int) parseLong(file, s, where);
  }

  static long parseLong(Path file, String s, String where) {
    try {
      return Long.decode(s);
    } catch (NumberFormatException e) {
      throw InputException.ofFile(file, where + ": not a number: " + s, null);
    }
  }
}
