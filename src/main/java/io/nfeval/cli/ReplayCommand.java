package io.nfeval.cli;

import io.nfeval.InputException;
import io.nfeval.engine.CountersWriter;
import io.nfeval.engine.Engine;
import io.nfeval.engine.ReplaySummary;
import io.nfeval.engine.Replayer;
import io.nfeval.engine.Snapshot;
import io.nfeval.engine.TraceWriter;
import io.nfeval.report.OutputFile;
import io.nfeval.rules.ParseOptions;
import io.nfeval.source.CaptureReader;
import io.nfeval.source.CaptureReaders;
import io.nfeval.source.MergingReader;
import io.nfeval.source.PacketOrigins;
import io.nfeval.source.ReaderKind;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nfeval replay}: replays captures through the snapshot's netfilter hooks and reports what the
 * kernel would do with every packet. Without {@code --snapshot} it only decodes and summarises.
 * A broken capture: everything read before the break is evaluated and written, then the one-line error
 * and exit 2.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {"Replay captures through the snapshot's netfilter hooks.",
        "Packets of --pcap captures arrive at the host (PREROUTING); --local packets were sent by it"
            + " (OUTPUT); NFLOG captures (linktype 239) name their hook."})
final class ReplayCommand implements Callable<Integer> {
  @Option(names = "--snapshot", description = "Snapshot directory (iptables.rules, ip-addr.json, ...).")
  Path snapshot;

  @Option(names = "--pcap", description = "Capture of packets arriving at the host (pcap or pcapng).")
  List<Path> pcaps = new ArrayList<>();

  @Option(names = "--local", description = "Capture of packets the host itself originated.")
  List<Path> locals = new ArrayList<>();

  @Option(names = "--in", description = "Ingress interface for captures that do not name one.")
  String in;

  @Option(names = "--counters-out", description = "Write predicted counters in iptables-save -c form.")
  Path countersOut;

  @Option(names = "--trace-out", description = "Write one JSON object per packet (JSON Lines).")
  Path traceOut;

  @Option(names = "--threads", defaultValue = "0", description = "Threads: 1 reads, decodes and"
      + " evaluates on one thread. With 2 or more, when no rule keeps state from one packet to the"
      + " next (no conntrack, limit, recent, quota... and no --trace-out), that many engines share the"
      + " packets out by source address; otherwise a second thread reads and decodes while one"
      + " evaluates. Results are identical either way (default 0: one per processor the JVM may use,"
      + " at most " + Replayer.MAX_DEFAULT_THREADS + ").")
  int threads;

  @Option(names = "--reader", defaultValue = "mmap", description = "Capture reader: mmap|libpcap."
      + " mmap is nfeval's own pcap/pcapng reader (replay reads the file through a buffer rather than"
      + " mapping it, which is faster).")
  String reader;

  @Option(names = "--rules", description = "Use this ruleset instead of the snapshot's iptables.rules.")
  Path rules;

  @Option(names = "--list", description = "Print iptables -L -v -n -x style tables with the predicted"
      + " counters.")
  boolean list;





  @Option(names = "--decode-only", description = "Only read and decode the captures and print the decode"
      + " summary (no evaluation; the snapshot is used for interface names only).")
  boolean decodeOnly;

  @picocli.CommandLine.Mixin EvaluationOptions eval = new EvaluationOptions();

  @Spec CommandSpec spec;

  private static final long PROGRESS_NANOS = 500_000_000L;

  @Override
  public Integer call() {
    final ReaderKind kind = ReaderKind.parse(reader);
    if (pcaps.isEmpty() && locals.isEmpty()) {
      throw InputException.usage("replay: give at least one --pcap or --local capture");
    }
    if (threads < 0) {
      throw InputException.usage("replay: --threads must be 0 (one per processor) or more");
    }
    final int threads = this.threads == 0 ? Replayer.defaultThreads() : this.threads;
    final PrintWriter out = spec.commandLine().getOut();
    final PrintWriter err = spec.commandLine().getErr();
    final Snapshot snap = snapshot == null || decodeOnly ? null
        : Snapshot.load(snapshot, rules, eval.parseOptions());
    final PacketOrigins origins = PacketOrigins.fromSnapshot(snapshot, in);
    final List<Path> files = new ArrayList<>(pcaps);
    files.addAll(locals);
    final int firstLocal = pcaps.size();

    InputException openError = null;
    final List<CaptureReader> readers = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      try {
        // Streamed (read(2) through one buffer, several times faster than touching a mapping): nothing
        // keeps a packet's bytes past the next read. One thread decodes and evaluates each packet
        // before reading the next (the engine copies what it keeps into its skb); the pipeline copies
        // each packet into its ring slot.
        readers.add(CaptureReaders.open(files.get(i), kind, i, true));
      } catch (InputException e) {
        if (openError == null) {
          openError = e;
        }
      }
    }
    if (readers.isEmpty() && openError != null) {
      throw openError; // nothing was read: no summary to print
    }
    if (snap == null) {
      return decodeOnly(readers, origins, firstLocal, out, err, openError);
    }
    final Engine.Options opts = eval.engineOptions();
    opts.trace = traceOut != null;
    // The host's own answers are in --local captures already; do not build them twice.
    opts.generateAnswers = locals.isEmpty();
    final Engine engine = new Engine(snap.ruleset(), snap.host(), snap.ipsets(), opts);
    final ReplaySummary summary = new ReplaySummary();
    InputException readError;
    java.io.OutputStream traceWriter = null;
    OutputFile traceFile = null;
    try {
      TraceWriter trace = null;
      if (traceOut != null) {
        traceFile = OutputFile.of(traceOut);
        traceWriter = traceFile.direct()
            ? new io.nfeval.engine.BackgroundOutputStream(Files.newOutputStream(traceFile.writeTo()))
            : io.nfeval.engine.BackgroundOutputStream.toNewFile(traceFile.writeTo());
        trace = new TraceWriter(traceWriter, engine.conntrackEnabled());
      }
      final TraceWriter tw = trace;
      if (tw == null) {
        engine.setListener(summary); // summaries add up: replicas may share the packets out
      } else {
        engine.setListener(new io.nfeval.engine.SummaryAndTrace(summary, tw));
      }
      engine.setNatObserver(summary);
      final Replayer replayer = new Replayer(engine, origins, firstLocal, summary, trace);
      final boolean owners = engine.usesMatch("owner");
      final boolean snat = engine.usesSourceNat();
      Replayer.ScanHandle replyPortScan = null;
      if (owners || engine.hasBridges() || engine.wantsListeners()) {
        // A first pass tells listeners' owners (their SYN/ACKs carry no uid in NFLOG), the listeners
        // themselves (the socket match looks a SYN up before the host answers it), the bridge's MAC
        // table and the ports the kernel chose for clashing source NAT bindings.
        try (CaptureReader r = new MergingReader(openAll(files, kind))) {
          replayer.prescan(r, owners, snat ? engine.replyPortIndex() : null);
        }
      } else if (snat) {
        // Only the reply ports are needed, and only if a binding clashes: learn them on demand.
        replyPortScan = replayer.scanReplyPortsOnDemand(new MergingReader(openAll(files, kind)),
            engine.replyPortIndex());
      }
      final boolean progress = System.console() != null;
      final long start = System.nanoTime();
      final long[] last = {start};
      try (CaptureReader r = new MergingReader(readers)) {
        // With a decode thread, only that thread touches the reader: it publishes the position.
        final java.util.function.LongSupplier position =
            threads > 1 ? replayer::readPosition : r::position;
        replayer.run(r, progress ? n -> {
          final long now = System.nanoTime();
          if (now - last[0] >= PROGRESS_NANOS) {
            last[0] = now;
            progress(err, position.getAsLong(), r.size(), n, now - start);
          }
        } : null, threads);
        if (progress) {
          err.print("\r\033[K");
          err.flush();
        }
        readError = r.error();
      } finally {
        if (replyPortScan != null) {
          replyPortScan.close();
        }
      }
      if (traceWriter != null) {
        traceWriter.close();
        traceWriter = null;
        traceFile.commit();
      }
      if (countersOut != null) {
        final OutputFile counters = OutputFile.of(countersOut);
        try (Writer w = Files.newBufferedWriter(counters.writeTo(), StandardCharsets.UTF_8)) {
          CountersWriter.write(engine, w, null);
        }
        counters.commit();
      }
      if (list) {
        CountersWriter.list(engine, out);
      } else if (countersOut == null && traceOut == null) {
        summary.print(out, engine, engine.conntrackEnabled());
        out.println();
        replayer.decodeSummary().print(out);
      }
      if (replayer.unknownIngress() > 0) {
        err.println("nfeval: " + replayer.unknownIngress()
            + " packets were not evaluated: their ingress interface is unknown (give --in IFACE)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (traceWriter != null) {
        try {
          traceWriter.close();
        } catch (IOException ignored) {
          // the original failure matters more
        }
      }
    }
    out.flush();
    if (openError != null) {
      throw openError;
    }
    if (readError != null) {
      throw readError;
    }
    return Main.EXIT_OK;
  }

  /** A second set of readers over the captures (open errors are reported by the main pass). */
  private static List<CaptureReader> openAll(List<Path> files, ReaderKind kind) {
    final List<CaptureReader> scan = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      try {
        scan.add(CaptureReaders.open(files.get(i), kind, i));
      } catch (InputException e) {
        // reported by the main pass
      }
    }
    return scan;
  }

  private Integer decodeOnly(List<CaptureReader> readers, PacketOrigins origins, int firstLocal,
      PrintWriter out, PrintWriter err, InputException openError) {
    final io.nfeval.source.DecodeSummary summary = new io.nfeval.source.DecodeSummary();
    final boolean progress = System.console() != null;
    InputException readError;
    try (CaptureReader r = new MergingReader(readers)) {
      final io.nfeval.source.CapturedPacket p = new io.nfeval.source.CapturedPacket();
      final io.nfeval.packet.PacketView v = new io.nfeval.packet.PacketView();
      final long start = System.nanoTime();
      long lastReport = start;
      long n = 0;
      while (r.next(p)) {
        final int code = v.wrap(p.buffer(), p.offset(), p.capLen(), p.wireLen(), p.linkType()).decode();
        final boolean local = origins.isLocal(p.fileIndex() >= firstLocal, v);
        summary.add(p, v, code, local, origins.ingress(p, v));
        if (progress && (++n & 4095) == 0) {
          final long now = System.nanoTime();
          if (now - lastReport >= PROGRESS_NANOS) {
            lastReport = now;
            progress(err, r.position(), r.size(), n, now - start);
          }
        }
      }
      if (progress && n > 0) {
        err.print("\r\033[K");
        err.flush();
      }
      readError = r.error();
    }
    summary.print(out);
    out.flush();
    if (openError != null) {
      throw openError;
    }
    if (readError != null) {
      throw readError;
    }
    return Main.EXIT_OK;
  }

  private static void progress(PrintWriter err, long pos, long size, long n, long elapsedNanos) {
    final double rate = n / (elapsedNanos / 1e9);
    final String pct = pos >= 0 && size > 0 ? String.format(" %3.0f%%", 100.0 * pos / size) : "";
    err.printf("\r%d packets, %.0f packets/s%s", n, rate, pct);
    err.flush();
  }
}
