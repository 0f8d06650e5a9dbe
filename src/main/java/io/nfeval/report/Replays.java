package io.nfeval.report;

import io.nfeval.InputException;
import io.nfeval.engine.Engine;
import io.nfeval.engine.Replayer;
import io.nfeval.engine.StageThreads;
import io.nfeval.source.CaptureReader;
import io.nfeval.source.CaptureReaders;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.MergingReader;
import io.nfeval.source.ReaderKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds the same captures, merged by timestamp as {@code nfeval replay} does, to the audit's replayer
 * ({@link #run}) or to diff's two ({@link #runPair}: the current and the proposed ruleset, a thread each).
 * Returns the first error of a broken capture after everything before it was evaluated.
 *
 * <p>Both make replay's first pass, and the audit's replayer runs as {@code nfeval replay} runs it: a
 * decode thread feeding the evaluator (Replayer#run with threads; identical results, see
 * PipelineDeterminismTest), the ports the kernel chose for clashing source NAT bindings learned from a
 * second reader only when a binding clashes.
 */
final class Replays {

  private Replays() {
  }

  static List<Path> files(List<Path> pcaps, List<Path> locals) {
    final List<Path> files = new ArrayList<>(pcaps);
    files.addAll(locals);
    return files;
  }

  /**
   * Runs every packet through the replayer as {@code nfeval replay} does (a decode thread feeding its
   * evaluator); returns the capture error, or null.
   */
  static InputException run(List<Path> files, ReaderKind kind, Engine engine, Replayer replayer) {
    final List<Replayer.ScanHandle> scans = firstPasses(files, kind, List.of(engine), List.of(replayer));
    try {
      final InputException[] openError = new InputException[1];
      // Streamed, as replay reads for its pipeline (which copies each packet into its ring slot).
      try (MergingReader r = new MergingReader(openReaders(files, kind, openError, true))) {
        replayer.run(r, null, Replayer.defaultThreads()); // as replay by default
        return openError[0] != null ? openError[0] : r.error();
      }
    } finally {
      close(scans);
    }
  }

  /**
   * The first pass replay makes (see ReplayCommand): listeners and their owners, the bridge's MAC table
   * and the ports the kernel chose for clashing source NAT bindings, so that audit and diff count exactly
   * what replay counts. Returns the on-demand reply-port scans to close after the run.
   */
  static List<Replayer.ScanHandle> firstPasses(List<Path> files, ReaderKind kind, List<Engine> engines,
      List<Replayer> replayers) {
    if (files.isEmpty()) {
      throw InputException.usage("give at least one --pcap or --local capture");
    }
    final List<Replayer.ScanHandle> scans = new ArrayList<>();
    for (int i = 0; i < engines.size(); i++) {
      final Engine e = engines.get(i);
      final boolean owners = e.usesMatch("owner");
      final boolean snat = e.usesSourceNat();
      if (owners || e.hasBridges() || e.wantsListeners()) {
        try (CaptureReader r = new MergingReader(open(files, kind, null, false))) {
          replayers.get(i).prescan(r, owners, snat ? e.replyPortIndex() : null);
        }
      } else if (snat) {
        scans.add(replayers.get(i).scanReplyPortsOnDemand(new MergingReader(open(files, kind, null, false)),
            e.replyPortIndex()));
      }
    }
    return scans;
  }

  /** What {@link #runPair} tells its caller. */
  interface PairSink {
    /** Side {@code side} (0 or 1) is about to be fed packet {@code index} (on that side's thread). */
    void before(int side, long index);

    /** Packet {@code index} went through both sides (on the calling thread, in packet order). */
    void done(long index);
  }

  /** Packets one side may run ahead of the other in {@link #runPair}. */
  static final int PAIR_AHEAD = 4096;

  /**
   * Feeds the captures to two replayers at once, each over its own reader: side 0 on a second thread,
   * side 1 on this one, which calls {@code sink.done(n)} once packet {@code n} went through both. Each side
   * evaluates every packet in capture order against its own engine, exactly as a lockstep feed would;
   * side 0 stays at most {@link #PAIR_AHEAD} packets ahead (the sink keeps that many results per side).
   */
  static InputException runPair(List<Path> files, ReaderKind kind, List<Engine> engines, List<Replayer> replayers,
      PairSink sink) {
    return runPair(files, kind, engines, replayers, sink, PAIR_AHEAD);
  }

  /** {@link #runPair} with side 0 at most {@code ahead} packets ahead (tests use small values). */
  static InputException runPair(List<Path> files, ReaderKind kind, List<Engine> engines, List<Replayer> replayers,
      PairSink sink, int ahead) {
    final List<Replayer.ScanHandle> scans = firstPasses(files, kind, engines, replayers);
    final java.util.concurrent.atomic.AtomicLong fed0 = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong compared = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    final Throwable[] failure = new Throwable[1]; // written before fed0's last store, read after its load
    final Thread other = new Thread(() -> {
      try (MergingReader r = new MergingReader(open(files, kind, null, false))) {
        final CapturedPacket p = new CapturedPacket();
        long n = 0;
        while (!stop.get() && r.next(p)) {
          for (int idle = 0; n - compared.get() >= ahead && !stop.get(); ) {
            idle = StageThreads.idle(idle);
          }
          sink.before(0, n);
          replayers.get(0).feed(p, n);
          fed0.set(++n);
        }
      } catch (Throwable t) {
        failure[0] = t;
      } finally {
        fed0.set(Long.MAX_VALUE); // nothing more comes: the other side stops waiting
      }
    }, "nfeval-diff-current");
    other.setDaemon(true);
    try {
      final InputException[] openError = new InputException[1];
      // Mapped: the other thread evaluates the same packets while this one goes on reading.
      final List<CaptureReader> readers = openReaders(files, kind, openError, false);
      other.start();
      try (MergingReader r = new MergingReader(readers)) {
        final CapturedPacket p = new CapturedPacket();
        long n = 0;
        while (r.next(p)) {
          sink.before(1, n);
          replayers.get(1).feed(p, n);
          for (int idle = 0; fed0.get() <= n; ) {
            idle = StageThreads.idle(idle);
          }
          if (failure[0] != null) {
            break;
          }
          sink.done(n);
          compared.set(++n);
        }
        stop.set(true);
        StageThreads.join(other);
        if (failure[0] != null) {
          StageThreads.rethrow(failure[0]);
        }
        return openError[0] != null ? openError[0] : r.error();
      }
    } finally {
      stop.set(true);
      close(scans);
    }
  }

  static void close(List<Replayer.ScanHandle> scans) {
    for (Replayer.ScanHandle h : scans) {
      h.close();
    }
  }

  /**
   * The captures' readers; the first that cannot be opened is kept in {@code error} (the others still
   * replay), and thrown when none opens.
   */
  static List<CaptureReader> openReaders(List<Path> files, ReaderKind kind, InputException[] error,
      boolean streamed) {
    final List<CaptureReader> readers = open(files, kind, error, streamed);
    if (readers.isEmpty() && error[0] != null) {
      throw error[0];
    }
    return readers;
  }

  private static List<CaptureReader> open(List<Path> files, ReaderKind kind, InputException[] error,
      boolean streamed) {
    final List<CaptureReader> readers = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      try {
        readers.add(CaptureReaders.open(files.get(i), kind, i, streamed));
      } catch (InputException e) {
        if (error != null && error[0] == null) {
          error[0] = e;
        }
      }
    }
    return readers;
  }
}
