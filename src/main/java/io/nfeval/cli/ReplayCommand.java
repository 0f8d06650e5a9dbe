package io.nfeval.cli;

import io.nfeval.InputException;
import io.nfeval.packet.PacketView;
import io.nfeval.source.CaptureReader;
import io.nfeval.source.CaptureReaders;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.DecodeSummary;
import io.nfeval.source.MergingReader;
import io.nfeval.source.PacketOrigins;
import io.nfeval.source.ReaderKind;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nfeval replay}: replays captures through the host's firewall. For now it reads every capture
 * (merged by time stamp), decodes each packet and prints the decode summary; the evaluation engine is
 * wired in later. A broken file: the summary of what was read, then the one-line error, exit 2.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay captures through the snapshot's netfilter hooks.")
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

  @Option(names = "--threads", defaultValue = "1", description = "Evaluation threads.")
  int threads;

  @Option(names = "--reader", defaultValue = "mmap", description = "Capture reader: mmap|libpcap.")
  String reader;

  @Spec CommandSpec spec;

  private static final long PROGRESS_NANOS = 500_000_000L;

  @Override
  public Integer call() {
    final ReaderKind kind = ReaderKind.parse(reader);
    if (pcaps.isEmpty() && locals.isEmpty()) {
      throw InputException.usage("replay: give at least one --pcap or --local capture");
    }
    final PrintWriter out = spec.commandLine().getOut();
    final PrintWriter err = spec.commandLine().getErr();
    final PacketOrigins origins = PacketOrigins.fromSnapshot(snapshot, in);
    final List<Path> files = new ArrayList<>(pcaps);
    files.addAll(locals);
    final int firstLocal = pcaps.size();

    InputException openError = null;
    final List<CaptureReader> readers = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      try {
        readers.add(CaptureReaders.open(files.get(i), kind, i));
      } catch (InputException e) {
        if (openError == null) {
          openError = e;
        }
      }
    }
    if (readers.isEmpty() && openError != null) {
      throw openError; // nothing was read: no summary to print
    }
    final DecodeSummary summary = new DecodeSummary();
    final boolean progress = System.console() != null;
    InputException readError;
    try (CaptureReader r = new MergingReader(readers)) {
      final CapturedPacket p = new CapturedPacket();
      final PacketView v = new PacketView();
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
            progress(err, r, n, now - start);
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

  private static void progress(PrintWriter err, CaptureReader r, long n, long elapsedNanos) {
    final double rate = n / (elapsedNanos / 1e9);
    final long pos = r.position();
    final long size = r.size();
    final String pct = pos >= 0 && size > 0 ? String.format(" %3.0f%%", 100.0 * pos / size) : "";
    err.printf("\r%d packets, %.0f packets/s%s", n, rate, pct);
    err.flush();
  }
}
