package io.nfeval.source;

import io.nfeval.InputException;
import java.io.Closeable;
import java.nio.file.Path;

/**
 * A source of captured packets, read one at a time into a caller-owned {@link CapturedPacket}.
 *
 * <p>Errors do not lose work: {@link #next} delivers every good packet before a broken record, then
 * returns false, and {@link #error()} holds the {@link InputException} (file + byte offset). Callers
 * finish with the packets they have, print their results, and then report the error
 * ({@link #throwIfFailed()}). Readers are single-threaded.
 */
public interface CaptureReader extends Closeable {
  /** Fills {@code into} with the next packet; false at the end of input or at an error. */
  boolean next(CapturedPacket into);

  /** The error that ended reading, or null (end of input, or not ended yet). */
  InputException error();

  /** Throws {@link #error()} if there is one. */
  default void throwIfFailed() {
    final InputException e = error();
    if (e != null) {
      throw e;
    }
  }

  /** The file read (the first one for a merging reader). */
  Path file();

  /**
   * Whether a packet's bytes stay valid after the next call to {@link #next}: true for the
   * memory-mapped and libpcap readers, false for a streamed one ({@link CaptureReaders#open(Path,
   * ReaderKind, int, boolean)}), whose callers copy what they keep.
   */
  default boolean stableBytes() {
    return true;
  }

  /** Bytes consumed so far (for progress); -1 if unknown. */
  long position();

  /** Total bytes of input (for progress); -1 if unknown. */
  long size();

  @Override
  void close();
}
