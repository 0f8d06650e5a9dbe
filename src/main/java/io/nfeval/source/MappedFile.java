package io.nfeval.source;

import io.nfeval.InputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A read-only file mapped in windows, so files beyond 2 GiB (a MappedByteBuffer holds at most 2 GiB)
 * are read without copying. {@link #map(long, int)} makes a byte range addressable in
 * {@link #window()}; a record never straddles windows because a new window starts at the record. Old
 * windows stay valid while referenced (the mapping is released by GC), so packets handed out earlier
 * keep their bytes.
 */
final class MappedFile extends RecordWindow {
  static final long DEFAULT_WINDOW = 1L << 30;

  private final long windowSize;
  private MappedByteBuffer window;
  private long windowStart;
  private int windowLen;
  /** Window offset below which pages were given back (madvise), see {@link PageRelease}. */
  private int released;
  /** Read pages kept resident behind the read position (packets queued for evaluation use them). */
  private static final int RELEASE_LAG = 32 << 20;
  /** Pages given back at a time. */
  private static final int RELEASE_CHUNK = 64 << 20;

  MappedFile(Path path, long windowSize) {
    super(path);
    this.windowSize = windowSize;
  }

  @Override
  ByteBuffer window() {
    return window;
  }

  /** Offset of file position {@code pos} in {@link #window()} with {@code len} bytes readable, or -1 past EOF. */
  @Override
  int map(long pos, int len) {
    if (pos < 0 || len < 0 || pos + len > size) {
      return -1;
    }
    if (window != null && pos >= windowStart && pos + len <= windowStart + windowLen) {
      final int off = (int) (pos - windowStart);
      if (off - released > RELEASE_LAG + RELEASE_CHUNK) {
        released = PageRelease.release(window, released, off - RELEASE_LAG);
      }
      return off;
    }
    if (window != null && windowLen - released >= RELEASE_CHUNK) {
      // Leaving a window behind: its pages need not stay resident until GC unmaps it.
      PageRelease.release(window, released, windowLen);
    }
    released = 0;
    final long n = Math.max(len, Math.min(windowSize, size - pos));
    try {
      window = channel.map(FileChannel.MapMode.READ_ONLY, pos, n);
    } catch (IOException e) {
      throw InputException.atOffset(path, pos, "cannot map: " + e.getMessage());
    }
    window.order(order);
    windowStart = pos;
    windowLen = (int) n;
    return 0;
  }
}
