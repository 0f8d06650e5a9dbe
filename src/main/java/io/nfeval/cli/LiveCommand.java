package io.nfeval.cli;

import io.nfeval.InputException;
import io.nfeval.capture.ForwardedPackets;
import io.nfeval.capture.InterfaceCapture;
import io.nfeval.capture.LiveSession;
import io.nfeval.engine.CountersWriter;
import io.nfeval.engine.Disposition;
import io.nfeval.engine.Engine;
import io.nfeval.engine.ReplaySummary;
import io.nfeval.engine.Replayer;
import io.nfeval.engine.Snapshot;
import io.nfeval.engine.TraceWriter;
import io.nfeval.host.SnapshotWriter;
import io.nfeval.packet.LinkType;
import io.nfeval.source.PacketOrigins;
import io.nfeval.source.PcapngWriter;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pcap4j.core.PcapHandle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nfeval live}: watches live interfaces through libpcap and evaluates their traffic as it flows,
 * with the same evaluator as {@code replay}. One capture thread per interface (and direction) copies
 * packets into a lock-free queue; one evaluation thread merges the queues and runs the packets through
 * the snapshot's hooks. See {@link LiveSession} for ordering, checkpoints and shutdown.
 *
 * <p>Direction: by default only packets ARRIVING on the interfaces are captured ({@code PCAP_D_IN}) and
 * evaluated from PREROUTING on that interface; the kernel's own answers (REJECT's RSTs and ICMP
 * errors) are built by the engine, as in replay. What the host's services answer (a listener's
 * SYN/ACK, echo replies, ...) is not seen, so connections the host itself terminates do not become
 * ESTABLISHED in nfeval's conntrack: stateful rules on such traffic differ from the kernel's.
 *
 * <p>{@code --direction inout} also opens a {@code PCAP_D_OUT} handle per interface (Linux cooked
 * 'any' captures tell the direction themselves). A sent packet whose source is one of the host's
 * addresses and that is not a packet nfeval just forwarded ({@link ForwardedPackets}: forwarded
 * packets MASQUERADEd to the host's address look the same on the wire) is the host's own and is
 * evaluated at OUTPUT, as replay's {@code --local} does — but as seen on the wire, i.e. after
 * POSTROUTING: a host whose OUTPUT/POSTROUTING rewrites its own packets (SNAT of local traffic, DNAT in
 * nat OUTPUT) shows the rewritten form, which nfeval cannot undo. Other sent packets (forwarded ones)
 * were evaluated when they arrived; they are saved as Linux cooked v2 PACKET_OUTGOING frames and
 * counted as not evaluated. Packets the host sent go to {@code F.local.pcapng} beside
 * {@code --write-pcap F}, so that {@code replay --pcap F --local F.local.pcapng} reproduces the run.
 */
@Command(name = "live", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Watch live interfaces (libpcap) and evaluate their traffic as it flows.",
        "Packets arriving on the interfaces enter PREROUTING on that interface; with --direction inout,"
            + " packets the host itself sent enter OUTPUT (as seen on the wire, i.e. after NAT).",
        "Status on stderr every --every; SIGINT/SIGTERM, --duration or --count stop the capture, drain"
            + " the queues, write every output and print the summary (exit 0)."})
final class LiveCommand implements Callable<Integer> {
  @Option(names = "--iface", required = true, paramLabel = "IF",
      description = "Interface to watch (repeat for several; 'any' gives Linux cooked frames).")
  List<String> ifaces = new ArrayList<>();

  @Option(names = "--snapshot", paramLabel = "DIR", description = "Snapshot directory of this host.")
  Path snapshot;

  @Option(names = "--from-host", description = "Take a snapshot of this host at start (kept in a"
      + " temporary directory whose path is printed, for a later replay).")
  boolean fromHost;

  @Option(names = "--bpf", paramLabel = "FILTER", description = "libpcap filter (tcpdump syntax).")
  String bpf;

  @Option(names = "--snaplen", defaultValue = "262144", description = "Bytes kept per packet"
      + " (default ${DEFAULT-VALUE}; counters use the IP header's length, so headers suffice).")
  int snaplen;

  @Option(names = "--promisc", description = "Promiscuous mode (needs CAP_NET_ADMIN on some systems).")
  boolean promisc;

  @Option(names = "--buffer-size", paramLabel = "BYTES", defaultValue = "33554432",
      description = "Kernel capture buffer per interface (default ${DEFAULT-VALUE}).")
  int bufferSize;

  @Option(names = "--queue-size", paramLabel = "BYTES", defaultValue = "67108864",
      description = "Queue between capture and evaluation, per interface (default ${DEFAULT-VALUE}).")
  int queueSize;

  @Option(names = "--immediate", negatable = true, defaultValue = "false", fallbackValue = "true",
      description = "libpcap immediate mode: each packet delivered at once (TPACKET_V2, one wake-up per"
          + " packet). Default off: TPACKET_V3 blocks, delivered when full or after --timeout; on a veth"
          + " it keeps up with ~5x the packet rate (bench/live-veth.sh).")
  boolean immediate;

  @Option(names = "--timeout", paramLabel = "MS", defaultValue = "100",
      description = "libpcap read timeout / TPACKET_V3 block timeout in ms (default ${DEFAULT-VALUE}).")
  int timeoutMillis;

  @Option(names = "--duration", paramLabel = "D", description = "Stop after this time (e.g. 30s, 5m).")
  String duration;

  @Option(names = "--count", paramLabel = "N", description = "Stop after N packets evaluated.")
  long count;

  @Option(names = "--every", paramLabel = "D", defaultValue = "5s",
      description = "Status line and output checkpoint interval (default ${DEFAULT-VALUE}).")
  String every;

  @Option(names = "--trace-out", paramLabel = "T.jsonl", description = "One JSON object per packet.")
  Path traceOut;

  @Option(names = "--counters-out", paramLabel = "C", description = "Predicted counters, iptables-save"
      + " -c form, rewritten atomically at every checkpoint.")
  Path countersOut;

  @Option(names = "--write-pcap", paramLabel = "F", description = "Save what was captured (pcapng,"
      + " interface names, ns stamps) for 'nfeval replay --snapshot DIR --pcap F'.")
  Path writePcap;

  @Option(names = "--direction", defaultValue = "in", paramLabel = "in|inout",
      description = "in (default): arrivals only; inout: also what the host sends (its own packets"
          + " evaluated at OUTPUT, forwarded ones recorded only).")
  String direction;

  @Option(names = "--reorder-window", paramLabel = "D",
      description = "With several captures (interfaces, or both directions): how long at most a packet"
          + " waits for another capture that has not yet shown it holds nothing stamped earlier (each"
          + " capture tells how far it has read; a starved capture thread is waited for, up to this)."
          + " Default 1s; with --timeout 0 (reads that block while idle): 2 x --timeout + 20ms, or 20ms"
          + " with --immediate.")
  String reorderWindow;

  @Option(names = "--reload", description = "Watch the snapshot's files (checked at every --every"
      + " checkpoint, and at once on SIGHUP) and install a changed snapshot at run time, keeping conntrack"
      + " and NAT state and the counters of unchanged rules. A snapshot that does not load is reported"
      + " and the running one kept.")
  boolean reload;




  @picocli.CommandLine.Mixin EvaluationOptions eval = new EvaluationOptions();

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    final PrintWriter out = spec.commandLine().getOut();
    final PrintWriter err = spec.commandLine().getErr();
    validate();
    final long durationNanos = duration == null ? 0 : parseDuration("--duration", duration);
    final long everyNanos = parseDuration("--every", every);
    final boolean inout = "inout".equalsIgnoreCase(direction);

    final Path snapDir = fromHost ? hostSnapshot(err) : snapshot;
    final String[] stamps = reload ? SnapshotReload.stamps(snapDir) : null;
    final Snapshot snap = Snapshot.load(snapDir, null, eval.parseOptions());
    final PacketOrigins origins = PacketOrigins.fromSnapshot(snapDir, null);
    final List<InterfaceCapture> captures = open(inout);
    for (String i : new LinkedHashSet<>(ifaces)) {
      if (!"any".equals(i) && snap.host().byName(i) == null) {
        err.println("nfeval live: warning: interface " + i + " is not in the snapshot "
            + snapDir + "; its packets will not be evaluated");
      }
    }
    java.io.OutputStream traceWriter = null;
    PcapngWriter pcap = null;
    PcapngWriter localPcap = null;
    final Object[] signals = new Object[3];
    SnapshotReload reloader = null;
    try {
      final Engine.Options opts = eval.engineOptions();
      opts.trace = traceOut != null;
      // Arrivals only: the kernel's own answers (REJECT's RSTs, ICMP errors) are built by the engine, as
      // in replay. inout: they are on the wire, sent by the host, and evaluated from there.
      opts.generateAnswers = !inout;
      final Engine engine = new Engine(snap.ruleset(), snap.host(), snap.ipsets(), opts);
      final ReplaySummary summary = new ReplaySummary();
      TraceWriter trace = null;
      if (traceOut != null) {
        createParent(traceOut);
        traceWriter = new io.nfeval.engine.BackgroundOutputStream(Files.newOutputStream(traceOut));
        trace = new TraceWriter(traceWriter, engine.conntrackEnabled());
      }
      final TraceWriter tw = trace;
      final ForwardedPackets forwarded = inout ? new ForwardedPackets(1 << 16) : null;
      engine.setListener((skb, d, info) -> {
        if (forwarded != null && d == Disposition.FORWARDED) {
          forwarded.add(skb.ip());
        }
        summary.packetDone(skb, d, info);
        if (tw != null) {
          tw.packetDone(skb, d, info);
        }
      });
      engine.setNatObserver(summary);
      final Replayer replayer = new Replayer(engine, origins, 1, summary, trace);
      if (writePcap != null) {
        createParent(writePcap);
        pcap = new PcapngWriter(writePcap);
        if (inout) {
          localPcap = new PcapngWriter(localPcapPath());
        }
      }
      final java.io.OutputStream twFinal = traceWriter;
      final SnapshotReload rl = reload
          ? new SnapshotReload(snapDir, eval.parseOptions(), engine, stamps, err) : null;
      reloader = rl;
      final LiveSession[] running = new LiveSession[1];
      final long reorder = reorderWindow != null ? parseDuration("--reorder-window", reorderWindow)
          : timeoutMillis > 0 ? 1_000_000_000L
          : immediate ? 20_000_000L : (2L * timeoutMillis + 20) * 1_000_000L;
      final LiveSession session = new LiveSession(captures, replayer, summary, pcap, localPcap, inout,
          snap.host(), forwarded, reorder, snaplen, () -> {
        if (rl != null) {
          // Between two packets: a swap the loader finished takes effect now (the counters below show
          // it), and a changed file starts the next load.
          engine.installPending(running[0].evaluated());
          rl.poll();
        }
        if (twFinal != null) {
          twFinal.flush();
        }
        if (countersOut != null) {
          writeCounters(engine);
        }
      }, err);
      running[0] = session;
      session.setSettle((timeoutMillis + 50L) * 1_000_000L);
      installSignals(session, signals);
      if (rl != null) {
        installHangup(rl, signals);
      }
      if (sigintIgnored()) {
        err.println("nfeval live: SIGINT is ignored by this process (started in the background by a"
            + " shell): stop it with SIGTERM");
      }
      err.println("nfeval live: capturing on " + String.join(", ", new LinkedHashSet<>(ifaces))
          + " (" + (inout ? "both directions" : "arrivals only") + ", snapshot " + snapDir
          + "); SIGINT/SIGTERM stops");
      err.flush();
      session.run(durationNanos, count, everyNanos);
      restoreSignals(signals);

      if (traceWriter != null) {
        traceWriter.close();
        traceWriter = null;
      }
      if (pcap != null) {
        pcap.close();
        pcap = null;
      }
      if (localPcap != null) {
        localPcap.close();
        localPcap = null;
      }
      if (countersOut == null && traceOut == null) {
        summary.print(out, engine, engine.conntrackEnabled());
        out.println();
        replayer.decodeSummary().print(out);
        out.println();
      }
      session.printCaptureSummary(out);
      out.flush();
      final StringBuilder b = new StringBuilder("nfeval live: stopped after ")
          .append(session.evaluated()).append(" packets");
      session.appendDrops(b);
      err.println(b);
      if (writePcap != null) {
        err.println("nfeval live: replay this run with: nfeval replay --snapshot " + snapDir + " --pcap "
            + writePcap + (inout ? " --local " + localPcapPath() : ""));
      }
      if (session.totalDrops() > 0) {
        err.println("nfeval live: " + session.totalDrops() + " packets were lost before evaluation"
            + " (see the drop figures; raise --buffer-size/--queue-size or narrow --bpf)");
      }
      if (replayer.unknownIngress() > 0) {
        err.println("nfeval live: " + replayer.unknownIngress()
            + " packets were not evaluated: their interface is not in the snapshot");
      }
      err.flush();
      if (session.error() != null) {
        throw InputException.usage("live: " + session.error());
      }
      return Main.EXIT_OK;
    } finally {
      restoreSignals(signals);
      if (reloader != null) {
        reloader.close();
      }
      if (traceWriter != null) {
        try {
          traceWriter.close();
        } catch (IOException ignored) {
          // the original failure matters more
        }
      }
      for (InterfaceCapture c : captures) {
        c.stop();
        c.close();
      }
      closeQuietly(pcap);
      closeQuietly(localPcap);
    }
  }

  /** With --direction inout, the packets the host sent go beside --write-pcap F: F.local.pcapng. */
  private Path localPcapPath() {
    final String name = writePcap.getFileName().toString();
    final String stem = name.endsWith(".pcapng") ? name.substring(0, name.length() - 7)
        : name.endsWith(".pcap") ? name.substring(0, name.length() - 5) : name;
    return writePcap.resolveSibling(stem + ".local.pcapng");
  }

  private void validate() {
    if (fromHost == (snapshot != null)) {
      throw InputException.usage("live: give exactly one of --snapshot DIR or --from-host");
    }
    if (!"in".equalsIgnoreCase(direction) && !"inout".equalsIgnoreCase(direction)) {
      throw InputException.usage("live: --direction must be in or inout, not '" + direction + "'");
    }
    if (snaplen < 64) {
      throw InputException.usage("live: --snaplen must be at least 64 (the headers nfeval reads)");
    }
    if (bufferSize < 0 || queueSize < (1 << 16)) {
      throw InputException.usage("live: --buffer-size must be >= 0 and --queue-size >= 65536");
    }
    if (count < 0) {
      throw InputException.usage("live: --count must be positive");
    }
  }

  private List<InterfaceCapture> open(boolean inout) {
    final InterfaceCapture.Settings s = new InterfaceCapture.Settings();
    s.snaplen = snaplen;
    s.promisc = promisc;
    s.bufferSize = bufferSize;
    s.timeoutMillis = timeoutMillis;
    s.immediate = immediate;
    s.bpf = bpf;
    s.ringBytes = queueSize;
    final List<InterfaceCapture> list = new ArrayList<>();
    try {
      for (String i : new LinkedHashSet<>(ifaces)) {
        final InterfaceCapture in = InterfaceCapture.open(i, PcapHandle.PcapDirection.IN, s);
        list.add(in);
        if (!inout) {
          continue;
        }
        final int lt = in.linkType();
        if (lt == LinkType.LINUX_SLL || lt == LinkType.LINUX_SLL2) {
          in.captureBothDirections(); // the cooked header says which packets are outgoing
        } else if (lt == LinkType.ETHERNET) {
          list.add(InterfaceCapture.open(i, PcapHandle.PcapDirection.OUT, s));
        } else {
          throw InputException.usage("live: --direction inout needs Ethernet or Linux cooked ('any')"
              + " interfaces; " + i + " has linktype " + lt);
        }
      }
    } catch (RuntimeException e) {
      for (InterfaceCapture c : list) {
        c.close();
      }
      throw e;
    }
    return list;
  }

  private Path hostSnapshot(PrintWriter err) throws IOException {
    final Path dir = Files.createTempDirectory("nfeval-live-");
    final boolean ok = new SnapshotWriter(dir, null, err).write();
    if (!ok) {
      throw InputException.usage("live: --from-host: could not snapshot this host's ruleset"
          + " (iptables-save failed; see above)");
    }
    err.println("nfeval live: snapshot of this host in " + dir + " (keep it to replay --write-pcap)");
    return dir;
  }

  private void writeCounters(Engine engine) throws IOException {
    final io.nfeval.report.OutputFile counters = io.nfeval.report.OutputFile.of(countersOut);
    try (Writer w = Files.newBufferedWriter(counters.writeTo(), StandardCharsets.UTF_8)) {
      CountersWriter.write(engine, w, null);
    }
    counters.commit();
  }

  private static void closeQuietly(PcapngWriter w) {
    if (w != null) {
      try {
        w.close();
      } catch (IOException ignored) {
        // the original failure matters more
      }
    }
  }

  private static void createParent(Path p) throws IOException {
    final Path dir = p.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)?");

  /** "250ms", "5s", "2m", "1h", "1.5s"; a bare number is seconds. */
  static long parseDuration(String option, String text) {
    final Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw InputException.usage("live: " + option + " '" + text + "' is not a duration (e.g. 500ms,"
          + " 5s, 10m, 1h)");
    }
    final double v = Double.parseDouble(m.group(1));
    final String unit = m.group(2) == null ? "s" : m.group(2);
    final double ns = switch (unit) {
      case "ns" -> v;
      case "us" -> v * 1e3;
      case "ms" -> v * 1e6;
      case "m" -> v * 60e9;
      case "h" -> v * 3600e9;
      default -> v * 1e9;
    };
    if (ns < 1e6) {
      throw InputException.usage("live: " + option + " must be at least 1ms");
    }
    return (long) ns;
  }

  /**
   * SIGINT and SIGTERM ask the session to stop (then outputs are completed and the run exits 0); a
   * second signal while stopping ends the JVM at once. Uses sun.misc.Signal (jdk.unsupported) so
   * that the JVM does not start its shutdown on the first signal.
   */
  @SuppressWarnings("restriction")
  private static void installSignals(LiveSession session, Object[] saved) {
    final boolean[] seen = {false};
    final sun.misc.SignalHandler h = sig -> {
      if (seen[0]) {
        Runtime.getRuntime().halt(128 + sig.getNumber());
      }
      seen[0] = true;
      session.requestStop();
    };
    try {
      saved[0] = sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
      saved[1] = sun.misc.Signal.handle(new sun.misc.Signal("TERM"), h);
    } catch (IllegalArgumentException e) {
      // a signal this platform does not have: keep the default
    }
  }

  /** Whether SIGINT was ignored when this process started (/proc/self/status SigIgn, bit 1). */
  private static boolean sigintIgnored() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("SigIgn:")) {
          return (Long.parseUnsignedLong(l.substring(7).trim(), 16) & 0x2) != 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
    return false;
  }

  /** SIGHUP loads the snapshot again at once (--reload), as daemons re-read their configuration. */
  @SuppressWarnings("restriction")
  private static void installHangup(SnapshotReload reload, Object[] saved) {
    try {
      saved[2] = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> reload.requestNow());
    } catch (IllegalArgumentException e) {
      // no SIGHUP here: the checkpoints still poll
    }
  }

  @SuppressWarnings("restriction")
  private static void restoreSignals(Object[] saved) {
    if (saved[2] != null) {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), (sun.misc.SignalHandler) saved[2]);
      saved[2] = null;
    }
    if (saved[0] != null) {
      sun.misc.Signal.handle(new sun.misc.Signal("INT"), (sun.misc.SignalHandler) saved[0]);
      saved[0] = null;
    }
    if (saved[1] != null) {
      sun.misc.Signal.handle(new sun.misc.Signal("TERM"), (sun.misc.SignalHandler) saved[1]);
      saved[1] = null;
    }
  }
}
