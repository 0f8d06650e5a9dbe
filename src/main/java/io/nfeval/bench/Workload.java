package io.nfeval.bench;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Deterministic benchmark workload: a capture of a router's arriving traffic and the matching snapshot.
 *
 * <pre>
 * java -cp target/nfeval.jar io.nfeval.bench.Workload --out DIR [--packets 1000000] [--flows 50000]
 *      [--rules 1000] [--stateless] [--seed 1] [--pps 20000] [--usec]
 * </pre>
 *
 * <p>Writes {@code DIR/traffic.pcap} (Ethernet, nanosecond pcap; the destination MAC names the interface
 * each frame arrives on, eth0 outside or eth1 inside) and {@code DIR/snapshot/} ({@code iptables.rules},
 * {@code ip-addr.json}, {@code ip-route.json}, {@code ip-rule.json}, {@code sysctl.txt} with
 * ip_forward=1), then prints one summary line (also written to {@code DIR/workload.txt}). The same arguments give the same bytes (see
 * {@link SitePolicy} for the ruleset and {@link Traffic} for the traffic model). {@code --pps} sets the
 * simulated packet rate: with the defaults a 10M-packet capture spans 500 s and keeps the estimated
 * conntrack table (printed) under nf_conntrack_max.
 */
public final class Workload {
  /** Parsed arguments. */
  static final class Args {
    Path out;
    long packets = 1_000_000;
    int flows = 50_000;
    int rules = 1000;
    boolean stateless;
    long seed = 1;
    double pps = 20_000;
    boolean usec;
  }

  /** What one run produced. */
  static final class Result {
    long packets;
    long bytes;
    long flows;
    long tcp;
    long udp;
    long icmp;
    long small;
    long medium;
    long large;
    long simNanos;
    long peakEntries;
    int zones;
    int services;
    int blocklist;
  }

  /** 2026-01-01T00:00:00Z: the capture's first time stamp base. */
  static final long START_NANOS = 1_767_225_600_000_000_000L;

  private Workload() {}

  public static void main(String[] argv) {
    final int code = run(System.out, System.err, argv);
    if (code != 0) {
      System.exit(code);
    }
  }

  static int run(PrintStream out, PrintStream err, String... argv) {
    final Args a;
    try {
      a = parse(argv);
    } catch (IllegalArgumentException e) {
      err.println("workload: " + e.getMessage());
      err.println("usage: Workload --out DIR [--packets N] [--flows N] [--rules N] [--stateless] [--seed N]"
          + " [--pps N] [--usec]");
      return 2;
    }
    try {
      final long t0 = System.nanoTime();
      final Result r = generate(a);
      final double secs = (System.nanoTime() - t0) / 1e9;
      final String line = summary(a, r, secs);
      Files.writeString(a.out.resolve("workload.txt"), line + "\n");
      out.println(line);
      if (r.peakEntries > 262_144) {
        err.println("workload: warning: about " + r.peakEntries + " conntrack entries at the peak, more than"
            + " nf_conntrack_max 262144: lower --pps or --flows");
      }
      return 0;
    } catch (IOException e) {
      err.println("workload: " + a.out + ": " + e.getMessage());
      return 1;
    }
  }

  static Args parse(String... argv) {
    final Args a = new Args();
    for (int i = 0; i < argv.length; i++) {
      final String k = argv[i];
      switch (k) {
        case "--stateless":
          a.stateless = true;
          continue;
        case "--usec":
          a.usec = true;
          continue;
        default:
          break;
      }
      if (i + 1 >= argv.length) {
        throw new IllegalArgumentException("missing value after " + k);
      }
      final String v = argv[++i];
      try {
        switch (k) {
          case "--out": a.out = Path.of(v); break;
          case "--packets": a.packets = Long.parseLong(v); break;
          case "--flows": a.flows = Integer.parseInt(v); break;
          case "--rules": a.rules = Integer.parseInt(v); break;
          case "--seed": a.seed = Long.parseLong(v); break;
          case "--pps": a.pps = Double.parseDouble(v); break;
          default: throw new IllegalArgumentException("unknown option " + k);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad number for " + k + ": " + v);
      }
    }
    if (a.out == null) {
      throw new IllegalArgumentException("--out DIR is required");
    }
    if (a.packets < 0 || a.flows < 1 || a.rules < 10 || !(a.pps > 0)) {
      throw new IllegalArgumentException("need --packets >= 0, --flows >= 1, --rules >= 10, --pps > 0");
    }
    return a;
  }

  static Result generate(Args a) throws IOException {
    final Prng rulesRnd = new Prng(a.seed * 0x2545f4914f6cdd1dL + 1);
    final SitePolicy policy = SitePolicy.build(a.rules, a.stateless, rulesRnd);
    Files.createDirectories(a.out);
    Topology.writeSnapshot(a.out.resolve("snapshot"), policy.iptablesSave());
    final Result r = new Result();
    final Path pcap = a.out.resolve("traffic.pcap");
    final Path tmp = a.out.resolve(".traffic.pcap.tmp");
    final Traffic t;
    try (PcapOut w = new PcapOut(new FileOutputStream(tmp.toFile()), !a.usec)) {
      t = new Traffic(policy, new Prng(a.seed ^ 0x5deece66dL), w, a.flows, a.pps, START_NANOS);
      t.run(a.packets);
      r.packets = w.packets;
      r.bytes = w.bytes;
    }
    Files.move(tmp, pcap, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    r.flows = t.flowsStarted;
    r.tcp = t.tcpPackets;
    r.udp = t.udpPackets;
    r.icmp = t.icmpPackets;
    r.small = t.small;
    r.medium = t.medium;
    r.large = t.large;
    r.simNanos = t.elapsed();
    r.peakEntries = t.peakEntries;
    r.zones = policy.zones.size();
    r.services = policy.services.size();
    r.blocklist = policy.blocklist.size();
    return r;
  }

  static String summary(Args a, Result r, double secs) {
    final double n = Math.max(1, r.packets);
    return String.format(Locale.ROOT, "workload: %d packets (tcp %.1f%%, udp %.1f%%, icmp %.1f%%; frames <=100B"
        + " %.1f%%, 101-1000B %.1f%%, >1000B %.1f%%; avg %.0f B), %d flows (%d concurrent, peak conntrack entries ~%d), %.1f s of traffic;"
        + " %d rules%s (%d zones, %d services, %d blocklist); %s in %.1f s",
        r.packets, 100 * r.tcp / n, 100 * r.udp / n, 100 * r.icmp / n, 100 * r.small / n, 100 * r.medium / n,
        100 * r.large / n, r.bytes / n, r.flows, a.flows, r.peakEntries, r.simNanos / 1e9, a.rules,
        a.stateless ? " stateless" : " stateful", r.zones, r.services, r.blocklist, a.out, secs);
  }
}
