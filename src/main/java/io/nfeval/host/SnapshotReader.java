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
  /** The line of {@code snapshot-info.txt} with {@link HostModel#configHz()}. */
  static final String HZ_KEY = "config-hz";
  /** The tick rates taken (io.nfeval.rules.ext.Jiffies#MIN_HZ, MAX_HZ; host does not depend on rules). */
  static final int MIN_HZ = 10;
  static final int MAX_HZ = 10_000;

  /** Whether {@code hz} is a CONFIG_HZ nfeval takes ({@link #MIN_HZ}..{@link #MAX_HZ}). */
  static boolean isTickRate(long hz) {
    return hz >= MIN_HZ && hz <= MAX_HZ;
  }

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
    final ClockInfo clock = clockInfo(dir.resolve(INFO));
    return new HostModel(ifs, routes, rules, sysctls, ids.names(), clock.realtimeMinusMonotonic(),
        clock.configHz());
  }

  /** What snapshot-info.txt says of the host's clock: {@link #CLOCK_KEY} and {@link #HZ_KEY}. */
  record ClockInfo(long realtimeMinusMonotonic, int configHz) {
    static final ClockInfo UNKNOWN = new ClockInfo(HostModel.CLOCK_UNKNOWN, HostModel.HZ_UNKNOWN);
  }

  /**
   * {@link #CLOCK_KEY} and {@link #HZ_KEY} of snapshot-info.txt; {@link ClockInfo#UNKNOWN}'s values
   * for a missing file or line. A value that is not a number is one line's error (exit 2).
   */
  static ClockInfo clockInfo(Path info) {
    if (!Files.isRegularFile(info)) {
      return ClockInfo.UNKNOWN;
    }
    final List<String> lines;
    try {
      lines = Files.readAllLines(info, java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      throw InputException.ofFile(info, "cannot read: " + e.getMessage(), e);
    }
    long offset = HostModel.CLOCK_UNKNOWN;
    int hz = HostModel.HZ_UNKNOWN;
    for (int i = 0; i < lines.size(); i++) {
      final String l = lines.get(i);
      if (l.startsWith(CLOCK_KEY + ":")) {
        final String v = l.substring(CLOCK_KEY.length() + 1).trim();
        try {
          offset = Long.parseLong(v);
        } catch (NumberFormatException e) {
          throw InputException.atLine(info, i + 1, CLOCK_KEY + " is not a number of nanoseconds: '" + v + "'");
        }
      } else if (l.startsWith(HZ_KEY + ":")) {
        final String v = l.substring(HZ_KEY.length() + 1).trim();
        int n = -1;
        try {
          n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
          // reported below
        }
        if (!isTickRate(n)) {
          throw InputException.atLine(info, i + 1, HZ_KEY + " is not a tick rate between " + MIN_HZ + " and "
              + MAX_HZ + ": '" + v + "'");
        }
        hz = n;
      }
    }
    return new ClockInfo(offset, hz);
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
