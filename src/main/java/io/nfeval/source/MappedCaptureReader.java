package io.nfeval.source;

import io.nfeval.InputException;
import java.nio.file.Path;

/**
 * What the two pure-Java capture readers (pcap, pcapng) share: the file's bytes (memory-mapped, or
 * streamed through a buffer), the read position, and the error that ended the file (a reader stops at
 * the first broken record and says where).
 */
abstract class MappedCaptureReader implements CaptureReader {
  final RecordWindow mf;
  final int fileIndex;
  /** Offset of the next record or block. */
  long pos;
  /** Records handed out so far. */
  long index;
  boolean done;
  InputException error;

  MappedCaptureReader(RecordWindow file, int fileIndex) {
    this.mf = file;
    this.fileIndex = fileIndex;
  }

  /**
   * Whether the bytes of a packet handed out stay valid after the next call: true over a memory map,
   * false when the file is streamed through one buffer ({@link StreamedFile}).
   */
  @Override
  public final boolean stableBytes() {
    return mf instanceof MappedFile;
  }

  /** Ends the file with an error at {@code offset}; returns false (no packet) for the caller. */
  final boolean fail(long offset, String what) {
    done = true;
    error = InputException.atOffset(mf.path(), offset, what);
    return false;
  }

  @Override
  public final InputException error() {
    return error;
  }

  @Override
  public final Path file() {
    return mf.path();
  }

  @Override
  public final long position() {
    return pos;
  }

  @Override
  public final long size() {
    return mf.size();
  }

  @Override
  public final void close() {
    mf.close();
  }
}
