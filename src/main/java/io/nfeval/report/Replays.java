package io.nfeval.report;

import io.nfeval.InputException;
import io.nfeval.engine.Engine;
import io.nfeval.engine.Replayer;
import io.nfeval.source.CaptureReader;
import io.nfeval.source.CaptureReaders;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.MergingReader;
import io.nfeval.source.ReaderKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds the same captures, merged by timestamp as {@code nfeval replay} does, to one or more replayers
 * in a single pass (the audit has one; the diff feeds the current and the proposed ruleset packet by
 * packet). Returns the first error of a broken capture after everything before it was evaluated.
 */
final class Replays {
  /** Called after every packet was fed to all replayers. */
  interface AfterPacket {
    void done(long index);
  }

  private Replays() {
  }

  static List<Path> files(List<Path> pcaps, List<Path> locals) {
    final List<Path> files = new ArrayList<>(pcaps);
    files.addAll(locals);
    return files;
  }

  /** Runs every packet through every replayer; returns the capture error, or null. */
  static InputException run(List<Path> files, ReaderKind kind, List<Engine> engines, List<Replayer> replayers,
      AfterPacket after) {
    if (files.isEmpty()) {
      throw InputException.usage("give at least one --pcap or --local capture");
    }
    for (int i = 0; i < engines.size(); i++) {
      // The first pass replay makes (see ReplayCommand): listeners and their owners, the bridge's MAC table and
      // the ports the kernel chose for clashing source NAT bindings, so that audit and diff count
      // exactly what replay counts.
      final Engine e = engines.get(i);
      final boolean owners = e.usesMatch("owner");
      final boolean snat = e.usesSourceNat();
      if (owners || snat || e.hasBridges() || e.wantsListeners()) {
        try (CaptureReader r = new MergingReader(open(files, kind, null))) {
          replayers.get(i).prescan(r, owners, snat ? e.replyPortIndex() : null);
        }
      }
    }
    final InputException[] openError = new InputException[1];
    final List<CaptureReader> readers = open(files, kind, openError);
    if (readers.isEmpty() && openError[0] != null) {
      throw openError[0];
    }
    final CapturedPacket p = new CapturedPacket();
    long n = 0;
    try (MergingReader r = new MergingReader(readers)) {
      while (r.next(p)) {
        for (Replayer rp : replayers) {
          rp.feed(p, n);
        }
        if (after != null) {
          after.done(n);
        }
        n++;
      }
      return openError[0] != null ? openError[0] : r.error();
    }
  }

  private static List<CaptureReader> open(List<Path> files, ReaderKind kind, InputException[] error) {
    final List<CaptureReader> readers = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      try {
        readers.add(CaptureReaders.open(files.get(i), kind, i));
      } catch (InputException e) {
        if (error != null && error[0] == null) {
          error[0] = e;
        }
      }
    }
    return readers;
  }
}
