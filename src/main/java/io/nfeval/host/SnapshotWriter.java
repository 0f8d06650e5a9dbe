package io.nfeval.host;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Writes a snapshot directory of the running host (or of a network namespace): {@code iptables.rules}
 * ({@code iptables-save -c}), {@code ipset.save}, {@code ip-addr.json}, {@code ip-route.json},
 * {@code ip-rule.json}, {@code sysctl.txt}, {@code nft-chains.json} ({@code nft -j list chains}, with
 * iptables-nft) and {@code snapshot-info.txt} (tool versions, iptables backend).
 * Each file is written to a temporary name and moved into place, so a reader never sees half a file.
 * A tool that is missing or fails is reported on {@code err}; what could be read is kept.
 */
public final class SnapshotWriter {
  /** The sysctls routing and netfilter read, as globs under /proc/sys. */
  static final List<String> SYSCTL_GLOBS = List.of(
      "net/ipv4/ip_forward",
      "net/ipv4/ip_local_port_range",
      "net/ipv4/ip_default_ttl",
      "net/ipv4/ip_nonlocal_bind",
      "net/ipv4/ip_early_demux",
      "net/ipv4/icmp_ratelimit",
      "net/ipv4/icmp_ratemask",
      "net/ipv4/icmp_msgs_per_sec",
      "net/ipv4/icmp_msgs_burst",
      "net/ipv4/icmp_echo_ignore_all",
      "net/ipv4/icmp_echo_ignore_broadcasts",
      "net/ipv4/icmp_errors_use_inbound_ifaddr",
      "net/ipv4/fwmark_reflect",
      "net/ipv4/tcp_fwmark_accept",
      "net/ipv4/tcp_syncookies",
      "net/ipv4/conf/*/forwarding",
      "net/ipv4/conf/*/mc_forwarding",
      "net/ipv4/conf/*/bc_forwarding",
      "net/ipv4/conf/*/rp_filter",
      "net/ipv4/conf/*/src_valid_mark",
      "net/ipv4/conf/*/accept_local",
      "net/ipv4/conf/*/route_localnet",
      "net/ipv4/conf/*/send_redirects",
      "net/ipv4/conf/*/accept_redirects",
      "net/ipv4/conf/*/shared_media",
      "net/ipv4/conf/*/log_martians",
      "net/ipv4/conf/*/ignore_routes_with_linkdown",
      "net/ipv4/conf/*/accept_source_route",
      "net/netfilter/nf_conntrack_*",
      "net/nf_conntrack_max",
      "net/bridge/bridge-nf-*");

  private final Path out;
  private final String netns;
  private final PrintWriter err;
  private final long timeoutSeconds;

  public SnapshotWriter(Path out, String netns, PrintWriter err) {
    this.out = out;
    this.netns = netns;
    this.err = err;
    this.timeoutSeconds = 60;
  }

  /**
   * CLOCK_REALTIME minus CLOCK_MONOTONIC now ({@link HostModel#realtimeMinusMonotonic}): of five
   * readings, the one whose two realtime reads lie closest. {@link System#nanoTime} is CLOCK_MONOTONIC
   * on Linux; network namespaces share both clocks.
   */
  static long realtimeMinusMonotonic() {
    long best = Long.MAX_VALUE;
    long offset = 0;
    for (int i = 0; i < 5; i++) {
      final long a = epochNanos(Instant.now());
      final long m = System.nanoTime();
      final long b = epochNanos(Instant.now());
      if (b - a < best) {
        best = b - a;
        offset = a + (b - a) / 2 - m;
      }
    }
    return offset;
  }

  /** The Kconfig choices of CONFIG_HZ a measured rate is rounded to. */
  private static final int[] HZ_CHOICES = {100, 250, 300, 1000};

  /**
   * The running kernel's CONFIG_HZ ({@link HostModel#configHz}): from its configuration
   * ({@code /proc/config.gz}, else {@code /boot/config-RELEASE}), else measured from {@code
   * /proc/timer_list} (readable by root: jiffies over about 250 ms of CLOCK_MONOTONIC, rounded to the
   * nearest of 100, 250, 300 and 1000 when within 5%); {@link HostModel#HZ_UNKNOWN} when none can be read.
   * The namespaces share the kernel, so the host's value holds in any of them.
   */
  static int configHz(String release) {
    int hz = hzFromConfig(Path.of("/proc/config.gz"), true);
    if (hz == HostModel.HZ_UNKNOWN && release != null) {
      hz = hzFromConfig(Path.of("/boot/config-" + release), false);
    }
    if (hz == HostModel.HZ_UNKNOWN) {
      hz = measuredHz(Path.of("/proc/timer_list"), 250);
    }
    return hz;
  }

  /** {@code CONFIG_HZ=N} of a kernel configuration file (gzipped or not); HZ_UNKNOWN if unreadable or absent. */
  static int hzFromConfig(Path file, boolean gzip) {
    if (!Files.isReadable(file)) {
      return HostModel.HZ_UNKNOWN;
    }
    try (java.io.InputStream raw = Files.newInputStream(file);
         java.io.InputStream in = gzip ? new java.util.zip.GZIPInputStream(raw) : raw;
         java.io.BufferedReader r = new java.io.BufferedReader(
             new java.io.InputStreamReader(in, StandardCharsets.US_ASCII))) {
      for (String l = r.readLine(); l != null; l = r.readLine()) {
        if (l.startsWith("CONFIG_HZ=")) {
          return hzInRange(Integer.parseInt(l.substring("CONFIG_HZ=".length()).trim()));
        }
      }
    } catch (IOException | RuntimeException e) {
      return HostModel.HZ_UNKNOWN;
    }
    return HostModel.HZ_UNKNOWN;
  }

  private static int hzInRange(int hz) {
    return SnapshotReader.isTickRate(hz) ? hz : HostModel.HZ_UNKNOWN;
  }

  /** Two readings of {@code /proc/timer_list} {@code gapMillis} apart; HZ_UNKNOWN when unreadable or odd. */
  static int measuredHz(Path timerList, long gapMillis) {
    final long[] a = timerListReading(timerList);
    if (a == null) {
      return HostModel.HZ_UNKNOWN;
    }
    try {
      Thread.sleep(gapMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return HostModel.HZ_UNKNOWN;
    }
    final long[] b = timerListReading(timerList);
    if (b == null || b[0] <= a[0] || b[1] < a[1]) {
      return HostModel.HZ_UNKNOWN;
    }
    return roundHz((double) (b[1] - a[1]) * 1e9 / (b[0] - a[0]));
  }

  /** The measured tick rate, rounded to the nearest Kconfig choice when within 5%, else to an integer. */
  static int roundHz(double rate) {
    for (int c : HZ_CHOICES) {
      if (Math.abs(rate - c) <= c * 0.05) {
        return c;
      }
    }
    return hzInRange((int) Math.round(rate));
  }

  /** {@code now at N nsecs} and the first {@code jiffies: N} of /proc/timer_list, or null. */
  private static long[] timerListReading(Path timerList) {
    long now = -1;
    try (java.io.BufferedReader r = Files.newBufferedReader(timerList, StandardCharsets.US_ASCII)) {
      for (String l = r.readLine(); l != null; l = r.readLine()) {
        if (now < 0 && l.startsWith("now at ") && l.endsWith(" nsecs")) {
          now = Long.parseLong(l.substring("now at ".length(), l.length() - " nsecs".length()).trim());
        } else if (now >= 0 && l.startsWith("jiffies: ")) {
          return new long[] {now, Long.parseUnsignedLong(l.substring("jiffies: ".length()).trim())};
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return null;
  }

  private static long epochNanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /** Writes the snapshot; returns whether iptables.rules was written (the one file nfeval cannot do without). */
  public boolean write() throws IOException {
    if (netns != null && capture("true") == null) {
      err.println("nfeval snapshot: cannot enter network namespace " + netns + "; nothing written");
      return false;
    }
    Files.createDirectories(out);
    List<String> info = new ArrayList<>();
    info.add("created: " + Instant.now());
    info.add("netns: " + (netns == null ? "(host)" : netns));
    info.add(SnapshotReader.CLOCK_KEY + ": " + realtimeMinusMonotonic());
    final int hz = configHz(System.getProperty("os.version"));
    if (hz != HostModel.HZ_UNKNOWN) {
      info.add(SnapshotReader.HZ_KEY + ": " + hz);
    } else {
      err.println("nfeval snapshot: warning: the kernel's CONFIG_HZ could not be read (no /proc/config.gz, no"
          + " /boot/config-" + System.getProperty("os.version") + ", /proc/timer_list not readable);"
          + " rate limits will count in 250 ticks a second");
    }
    String version = firstLine(capture("iptables-save", "--version"));
    if (version != null) {
      info.add("iptables-save: " + version);
      info.add("backend: " + (version.contains("nf_tables") ? "nf_tables"
          : version.contains("legacy") ? "legacy" : "unknown"));
    }
    String kernel = firstLine(capture("uname", "-r"));
    if (kernel != null) {
      info.add("kernel: " + kernel);
    }
    boolean rules = save("iptables.rules", true, "iptables-save", "-c");
    if (rules && Files.readString(out.resolve("iptables.rules")).contains("iptables-legacy tables present")) {
      // iptables-nft warns when the other backend also holds rules; nfeval sees only this file
      err.println("nfeval snapshot: warning: iptables-legacy tables are present too; they are not in"
          + " iptables.rules (see iptables-legacy-save)");
      info.add("legacy-tables-present: yes");
    }
    save("ipset.save", false, "ipset", "save");
    if (version != null && version.contains("nf_tables")) {
      // Which built-in chains iptables-nft has created (rules.NftBaseChains): iptables-save prints the
      // others too, as ACCEPT [0:0], yet they see no packet.
      save("nft-chains.json", false, "nft", "-j", "list", "chains");
    }
    save("ip-addr.json", true, "ip", "-j", "addr", "show");
    save("ip-route.json", true, "ip", "-j", "route", "show", "table", "all");
    save("ip-rule.json", false, "ip", "-j", "rule", "show");
    writeSysctls();
    writeAtomically("snapshot-info.txt", (String.join("\n", info) + "\n").getBytes(StandardCharsets.UTF_8));
    return rules;
  }

  private void writeSysctls() throws IOException {
    // One shell loop over the globs, run in the namespace so /proc/sys/net is the namespace's own.
    StringBuilder script = new StringBuilder("cd /proc/sys || exit 1; for f in");
    for (String g : SYSCTL_GLOBS) {
      script.append(' ').append(g);
    }
    script.append("; do [ -f \"$f\" ] && [ -r \"$f\" ] && v=$(cat \"$f\" 2>/dev/null) && "
        + "printf '%s = %s\\n' \"$f\" \"$v\"; done; exit 0");
    byte[] raw = capture("sh", "-c", script.toString());
    if (raw == null) {
      err.println("nfeval snapshot: could not read sysctls from /proc/sys; sysctl.txt not written");
      return;
    }
    StringBuilder sb = new StringBuilder("# sysctls read from /proc/sys by nfeval snapshot\n");
    for (String line : new String(raw, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf(" = ");
      if (eq <= 0) {
        continue;
      }
      sb.append(sysctlKey(line.substring(0, eq))).append(" = ")
          .append(line.substring(eq + 3).replace('\t', ' ').strip()).append('\n');
    }
    writeAtomically("sysctl.txt", sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A /proc/sys path as sysctl names it: '/' becomes '.', and a '.' inside a component becomes '/'. */
  static String sysctlKey(String path) {
    String[] parts = path.split("/");
    StringBuilder b = new StringBuilder();
    for (String p : parts) {
      if (b.length() > 0) {
        b.append('.');
      }
      b.append(p.replace('.', '/'));
    }
    return b.toString();
  }

  private boolean save(String name, boolean required, String... cmd) throws IOException {
    byte[] data = capture(cmd);
    if (data == null) {
      err.println("nfeval snapshot: " + name + " not written" + (required ? "" : " (optional)"));
      return false;
    }
    writeAtomically(name, data);
    return true;
  }

  private void writeAtomically(String name, byte[] data) throws IOException {
    Path target = out.resolve(name);
    Path tmp = out.resolve("." + name + ".tmp");
    Files.write(tmp, data);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Runs a command (inside the namespace if one was given); stdout, or null after reporting why. */
  private byte[] capture(String... cmd) {
    List<String> full = new ArrayList<>();
    if (netns != null) {
      full.addAll(List.of("ip", "netns", "exec", netns));
    }
    full.addAll(List.of(cmd));
    String what = cmd[0].equals("sh") ? "reading /proc/sys" : String.join(" ", cmd);
    Path o = null;
    Path e = null;
    try {
      o = Files.createTempFile("nfeval-snap", ".out");
      e = Files.createTempFile("nfeval-snap", ".err");
      Process p = new ProcessBuilder(full).redirectOutput(o.toFile()).redirectError(e.toFile()).start();
      p.getOutputStream().close();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        err.println("nfeval snapshot: " + what + ": timed out after " + timeoutSeconds + " s");
        return null;
      }
      if (p.exitValue() != 0) {
        String msg = firstLine(Files.readAllBytes(e));
        err.println("nfeval snapshot: " + what + ": exit " + p.exitValue() + (msg == null ? "" : ": " + msg));
        return null;
      }
      return Files.readAllBytes(o);
    } catch (IOException ex) {
      err.println("nfeval snapshot: " + what + ": cannot run (" + ex.getMessage() + ")");
      return null;
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return null;
    } finally {
      deleteQuietly(o);
      deleteQuietly(e);
    }
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // a temp file left behind is harmless
      }
    }
  }

  private static String firstLine(byte[] b) {
    if (b == null) {
      return null;
    }
    String s = new String(b, StandardCharsets.UTF_8).strip();
    int nl = s.indexOf('\n');
    s = nl < 0 ? s : s.substring(0, nl);
    return s.isEmpty() ? null : s;
  }
}
