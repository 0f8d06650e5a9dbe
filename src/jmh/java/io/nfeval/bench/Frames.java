package io.nfeval.bench;

import io.nfeval.source.CaptureReader;
import io.nfeval.source.CaptureReaders;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.ReaderKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A generated workload held in memory for the benchmarks: every frame copied into one heap buffer, with
 * offsets, lengths and time stamps, so a benchmark measures nfeval's code, not the file system.
 */
final class Frames {
  final Path dir;
  final ByteBuffer buffer;
  final int[] offset;
  final int[] length;
  final long[] ts;
  final int linkType;
  final int count;

  private Frames(Path dir, ByteBuffer buffer, int[] offset, int[] length, long[] ts, int linkType, int count) {
    this.dir = dir;
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    this.ts = ts;
    this.linkType = linkType;
    this.count = count;
  }

  /** Generates a workload ({@link Workload}) in a temporary directory and loads its capture. */
  static Frames generate(int packets, int flows, int rules, boolean stateless) throws IOException {
    final Path dir = Files.createTempDirectory("nfeval-jmh-");
    final Workload.Args a = Workload.parse("--out", dir.toString(), "--packets", Integer.toString(packets),
        "--flows", Integer.toString(flows), "--rules", Integer.toString(rules));
    a.stateless = stateless;
    Workload.generate(a);
    final byte[] all = Files.readAllBytes(dir.resolve("traffic.pcap"));
    final ByteBuffer buf = ByteBuffer.allocate(all.length);
    final int[] off = new int[packets];
    final int[] len = new int[packets];
    final long[] ts = new long[packets];
    int n = 0;
    int lt = 1;
    final CapturedPacket p = new CapturedPacket();
    try (CaptureReader r = CaptureReaders.open(dir.resolve("traffic.pcap"), ReaderKind.MMAP)) {
      while (r.next(p) && n < packets) {
        off[n] = buf.position();
        len[n] = p.capLen();
        ts[n] = p.tsNanos();
        lt = p.linkType();
        final ByteBuffer src = p.buffer().duplicate();
        src.limit(p.offset() + p.capLen()).position(p.offset());
        buf.put(src);
        n++;
      }
      r.throwIfFailed();
    }
    return new Frames(dir, buf, off, len, ts, lt, n);
  }

  /** Deletes the temporary workload directory. */
  void delete() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
