package io.nfeval.host;

import com.fasterxml.jackson.databind.JsonNode;
import io.nfeval.InputException;
import io.nfeval.JsonFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a snapshot directory: {@code ip-addr.json} ({@code ip -j addr show}), {@code ip-route.json}
 * ({@code ip -j route show table all}), optional {@code ip-rule.json} ({@code ip -j rule show}) and
 * {@code sysctl.txt}, in the exact JSON iproute2 prints. IPv6 entries are skipped.
 */
final class SnapshotReader {
  static final String ADDR = "ip-addr.json";
  static final String ROUTE = "ip-route.json";
  static final String RULE = "ip-rule.json";
  static final String SYSCTL = "sysctl.txt";
  static final String INFO = "snapshot-info.txt";
  /** The line of {@code snapshot-info.txt} with {@link HostModel#realtimeMinusMonotonic()}. */
  static final String CLOCK_KEY = "realtime-minus-monotonic-ns";

  private SnapshotReader() {}

  static HostModel read(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw InputException.ofFile(dir, "not a snapshot directory", null);
    }
    Path addrFile = dir.resolve(ADDR);
    Path routeFile = dir.resolve(ROUTE);
    Path ruleFile = dir.resolve(RULE);
    Path sysctlFile = dir.resolve(SYSCTL);
    Sysctls sysctls = Files.exists(sysctlFile) ? Sysctls.parse(sysctlFile) : Sysctls.empty();
    List<NetInterface> ifs = IprouteJson.interfaces(addrFile, JsonFiles.read(addrFile));
    Map<String, NetInterface> byName = new HashMap<>();
    for (NetInterface i : ifs) {
      byName.put(i.name(), i);
    }
    TableIds ids = new TableIds();
    List<Route> routes = IprouteJson.routes(routeFile, JsonFiles.read(routeFile), byName, ids);
    List<PolicyRule> rules = null;
    if (Files.exists(ruleFile)) {
      rules = IprouteJson.rules(ruleFile, JsonFiles.read(ruleFile), byName, ids);
    }
    return new HostModel(ifs, routes, rules, sysctls, ids.names(), clockOffset(dir.resolve(INFO)));
  }

  /** {@link #CLOCK_KEY} of snapshot-info.txt, or {@link HostModel#CLOCK_UNKNOWN} (no file, no line). */
  static long clockOffset(Path info) {
    if (!Files.isRegularFile(info)) {
      return HostModel.CLOCK_UNKNOWN;
    }
    final List<String> lines;
    try {
      lines = Files.readAllLines(info, java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      throw InputException.ofFile(info, "cannot read: " + e.getMessage(), e);
    }
    for (int i = 0; i < lines.size(); i++) {
      final String l = lines.get(i);
      if (l.startsWith(CLOCK_KEY + ":")) {
        final String v = l.substring(CLOCK_KEY.length() + 1).trim();
        try {
          return Long.parseLong(v);
        } catch (NumberFormatException e) {
          throw InputException.atLine(info, i + 1, CLOCK_KEY + " is not a number of nanoseconds: '" + v + "'");
        }
      }
    }
    return HostModel.CLOCK_UNKNOWN;
  }

  /** Table names to ids: local/main/default/numbers, and names from rt_tables given stable ids. */
  static final class TableIds {
    private final Map<String, Integer> custom = new HashMap<>();
    private final Map<Integer, String> names = new HashMap<>();

    int id(String name) {
      switch (name) {
        case "local": return HostModel.TABLE_LOCAL;
        case "main": return HostModel.TABLE_MAIN;
        case "default": return HostModel.TABLE_DEFAULT;
        case "unspec": return HostModel.TABLE_UNSPEC;
        default:
          try {
            return Integer.parseUnsignedInt(name);
          } catch (NumberFormatException e) {
            // A name from /etc/iproute2/rt_tables: the snapshot has no number for it; give it one well
            // above the usual range, the same for routes and rules.
            return custom.computeIfAbsent(name, n -> {
              int id = 0x7fff0000 + custom.size();
              names.put(id, n);
              return id;
            });
          }
      }
    }

    Map<Integer, String> names() {
      return names;
    }
  }

  /** Helper kept for callers that want an empty list instead of a missing node. */
  static List<JsonNode> elements(JsonNode n) {
    List<JsonNode> l = new ArrayList<>();
    if (n != null) {
      n.forEach(l::add);
    }
    return l;
  }
}
