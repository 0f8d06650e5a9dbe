package io.nfeval.host;

import io.nfeval.InputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The host's sysctls as {@code sysctl -a} prints them ({@code key = value}, {@code key=value}; '#' and ';'
 * comments). Per-device IPv4 settings follow the kernel's combination rules of include/linux/inetdevice.h:
 * {@code IN_DEV_ORCONF} (all || dev), {@code IN_DEV_MAXCONF} (max(all, dev)), {@code IN_DEV_ANDCONF}.
 */
public final class Sysctls {
  private final Map<String, String> values;

  public Sysctls(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  public static Sysctls empty() {
    return new Sysctls(Map.of());
  }

  /** Parses sysctl.txt; a line without '=' is an InputException naming the file and line. */
  public static Sysctls parse(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw InputException.ofFile(file, "cannot read: " + e.getMessage(), e);
    }
    Map<String, String> m = new TreeMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw InputException.atLine(file, i + 1, "expected 'key = value': " + line);
      }
      String key = line.substring(0, eq).strip().replace('/', '.');
      // sysctl prints device names containing dots with '/', e.g. net.ipv4.conf.eth0/100.rp_filter;
      // keep the original spelling too so lookups by either form work.
      m.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      m.putIfAbsent(key, line.substring(eq + 1).strip());
    }
    return new Sysctls(m);
  }

  public Map<String, String> asMap() {
    return values;
  }

  public String get(String key) {
    return values.get(key);
  }

  /** The first integer of the value (ip_local_port_range has two), or {@code dflt} if absent or not a number. */
  public int getInt(String key, int dflt) {
    String v = values.get(key);
    if (v == null) {
      return dflt;
    }
    String first = v.strip().split("\\s+")[0];
    try {
      return Integer.decode(first);
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  /**
   * {@code net.ipv4.conf.DEV.NAME}, else {@code net.ipv4.conf.default.NAME} (the value a device starts
   * with), else {@code dflt}.
   */
  public int devConf(String dev, String name, int dflt) {
    String key = "net.ipv4.conf." + dev + "." + name;
    if (values.containsKey(key)) {
      return getInt(key, dflt);
    }
    String slashed = "net.ipv4.conf." + dev.replace('.', '/') + "." + name;
    if (values.containsKey(slashed)) {
      return getInt(slashed, dflt);
    }
    return getInt("net.ipv4.conf.default." + name, dflt);
  }

  public int allConf(String name, int dflt) {
    return getInt("net.ipv4.conf.all." + name, dflt);
  }

  /** IN_DEV_ORCONF. */
  public boolean orConf(String dev, String name, int dflt) {
    return allConf(name, dflt) != 0 || devConf(dev, name, dflt) != 0;
  }

  /** IN_DEV_MAXCONF. */
  public int maxConf(String dev, String name, int dflt) {
    return Math.max(allConf(name, dflt), devConf(dev, name, dflt));
  }

  /** IN_DEV_ANDCONF. */
  public boolean andConf(String dev, String name, int dflt) {
    return allConf(name, dflt) != 0 && devConf(dev, name, dflt) != 0;
  }
}
