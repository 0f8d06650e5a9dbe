package io.nfeval.capture;

import io.nfeval.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns the reasons a live capture cannot start into one-line errors that say what to do: libpcap
 * missing (the package per OS), the capability missing (read from {@code /proc/self/status}
 * {@code CapEff}), an interface that does not exist or is down (read from {@code /sys/class/net}, as
 * {@code ip link} does), a filter libpcap's compiler rejects.
 */
public final class CaptureProblems {
  /** capability bit numbers, include/uapi/linux/capability.h. */
  static final int CAP_NET_ADMIN = 12;
  static final int CAP_NET_RAW = 13;
  /** IFF_UP, include/uapi/linux/if.h. */
  private static final int IFF_UP = 0x1;

  private CaptureProblems() {}

  /** The package that provides libpcap on this OS, for the "not installed" message. */
  public static String libpcapPackage() {
    final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.contains("win")) {
      return "install Npcap (https://npcap.com) in WinPcap API-compatible mode";
    }
    if (os.contains("mac")) {
      return "libpcap is part of macOS (/usr/lib/libpcap.dylib); check -Djna.library.path";
    }
    String id = "";
    try {
      for (String l : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (l.startsWith("ID=") || l.startsWith("ID_LIKE=")) {
          id += " " + l.substring(l.indexOf('=') + 1).replace("\"", "");
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown distribution: name them all
    }
    if (id.contains("debian") || id.contains("ubuntu")) {
      return "apt-get install libpcap0.8";
    }
    if (id.contains("alpine")) {
      return "apk add libpcap";
    }
    if (id.contains("rhel") || id.contains("fedora") || id.contains("centos") || id.contains("suse")) {
      return "dnf install libpcap";
    }
    return "install libpcap (Debian/Ubuntu: apt-get install libpcap0.8; RHEL/Fedora: dnf install"
        + " libpcap; Alpine: apk add libpcap)";
  }

  /** The effective capabilities of this process, or -1 when they cannot be read (not Linux). */
  static long effectiveCapabilities() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("CapEff:")) {
          return Long.parseUnsignedLong(l.substring(7).trim(), 16);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** Which of CAP_NET_RAW / CAP_NET_ADMIN this process lacks ("" when it has both or cannot tell). */
  static String missingCapabilities(boolean promisc) {
    final long caps = effectiveCapabilities();
    if (caps < 0) {
      return "";
    }
    final StringBuilder b = new StringBuilder();
    if ((caps & (1L << CAP_NET_RAW)) == 0) {
      b.append("CAP_NET_RAW");
    }
    if (promisc && (caps & (1L << CAP_NET_ADMIN)) == 0) {
      b.append(b.length() > 0 ? " and " : "").append("CAP_NET_ADMIN");
    }
    return b.toString();
  }

  static InputException permission(String iface, boolean promisc, String libpcapMessage) {
    String missing = missingCapabilities(promisc);
    if (missing.isEmpty()) {
      missing = "CAP_NET_RAW (and CAP_NET_ADMIN for --promisc)";
    }
    return InputException.usage("live: no permission to capture on " + iface + " (" + libpcapMessage
        + "): this process lacks " + missing
        + "; run as root or grant the capabilities (see native-notes/README.md, 'Live capture without"
        + " root')");
  }

  /**
   * Checks, on Linux, that the interface exists and is up before libpcap is asked (libpcap opens a
   * down interface and only fails on the first read). Other systems: libpcap's own errors.
   */
  static void checkInterface(String iface) {
    if ("any".equals(iface)) {
      return;
    }
    final Path sys = Path.of("/sys/class/net");
    if (!Files.isDirectory(sys)) {
      return;
    }
    final Path dir = sys.resolve(iface);
    if (iface.contains("/") || !Files.isDirectory(dir)) {
      throw InputException.usage("live: interface '" + iface + "' does not exist in this network"
          + " namespace (ip link show lists them)");
    }
    try {
      final String flags = Files.readString(dir.resolve("flags")).trim();
      final int f = Integer.decode(flags);
      if ((f & IFF_UP) == 0) {
        throw InputException.usage("live: interface '" + iface + "' is down (ip link set " + iface
            + " up)");
      }
    } catch (IOException | NumberFormatException e) {
      // cannot tell: let libpcap decide
    }
  }

  /** The interface's ifindex from /sys/class/net, or 0. */
  static int ifindex(String iface) {
    try {
      return Integer.parseInt(Files.readString(Path.of("/sys/class/net", iface, "ifindex")).trim());
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Classifies an error libpcap gave while opening/activating a handle. */
  static InputException openFailed(String iface, boolean promisc, String message) {
    final String m = String.valueOf(message);
    final String l = m.toLowerCase(Locale.ROOT);
    if (l.contains("permission") || l.contains("not permitted") || l.contains("eperm")) {
      return permission(iface, promisc, m.strip());
    }
    if (l.contains("no such device")) {
      return InputException.usage("live: interface '" + iface + "' does not exist (libpcap: "
          + m.strip() + ")");
    }
    if (l.contains("not up") || l.contains("went down")) {
      return InputException.usage("live: interface '" + iface + "' is down (libpcap: " + m.strip()
          + ")");
    }
    return InputException.usage("live: cannot capture on " + iface + ": libpcap: " + m.strip());
  }
}
