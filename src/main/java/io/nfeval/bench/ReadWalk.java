package io.nfeval.bench;

import io.nfeval.source.CaptureReader;
import io.nfeval.source.CaptureReaders;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.ReaderKind;
import java.nio.file.Path;

/**
 * How fast nfeval's own capture reader walks a file, memory-mapped against streamed (read(2) into one
 * buffer), alternating in one JVM: every record's header and two words of its frame are read, nothing
 * decoded. The figure behind the choice of the streamed reader for pipelined replays.
 *
 * <pre>
 * java -cp target/nfeval.jar io.nfeval.bench.ReadWalk CAPTURE [ROUNDS=3]
 * </pre>
 */
public final class ReadWalk {
  private ReadWalk() {}

  public static void main(String[] args) {
    if (args.length < 1) {
      System.err.println("usage: ReadWalk CAPTURE [ROUNDS=3]");
      System.exit(2);
    }
    final Path file = Path.of(args[0]);
    final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    for (int round = 1; round <= rounds; round++) {
      for (boolean streamed : new boolean[] {false, true}) {
        final long t0 = System.nanoTime();
        long n = 0;
        long sink = 0;
        try (CaptureReader r = CaptureReaders.open(file, ReaderKind.MMAP, 0, streamed)) {
          final CapturedPacket p = new CapturedPacket();
          while (r.next(p)) {
            final int o = p.offset();
            if (p.capLen() >= 30) {
              sink += p.buffer().getShort(o + 12) + p.buffer().getInt(o + 26);
            }
            n++;
          }
        }
        final double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("round %d %-8s %,d packets in %.3f s (%.0f ns/packet) [%d]%n", round,
            streamed ? "streamed" : "mapped", n, s, s * 1e9 / Math.max(1, n), sink & 1);
      }
    }
  }
}
