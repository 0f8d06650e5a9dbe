package io.nfeval.source;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * Gives back the pages of a mapped capture that were already read: {@code madvise(MADV_DONTNEED)}
 * drops them from this process (its RSS) while they stay in the page cache. Without it every page of a
 * multi-gigabyte capture would count in the resident set until the window is garbage collected,
 * which with an allocation-free hot path is never. Safe for read-only file mappings: a page touched
 * again (a packet still queued for evaluation) is faulted back in from the page cache with the same
 * bytes. Linux only (JNA direct mapping of libc); elsewhere, or if libc cannot be bound, a no-op.
 */
final class PageRelease {
  /** Alignment used for the released range: a multiple of every page size Linux uses (4K-64K). */
  private static final int ALIGN = 1 << 16;
  private static final int MADV_DONTNEED = 4;

  private PageRelease() {}

  /** Lazily bound, so captures too small to need it never load the native library. */
  private static final class Libc {
    static final boolean BOUND = bind();

    private static boolean bind() {
      if (!Platform.isLinux()) {
        return false;
      }
      try {
        Native.register(Libc.class, Platform.C_LIBRARY_NAME);
        return true;
      } catch (Throwable t) {
        return false;
      }
    }

    static native int madvise(Pointer addr, long length, int advice);
  }

  /**
   * Releases the whole pages inside {@code [from, to)} of the mapped buffer {@code mapped}; returns
   * the end of what was released (a multiple of the alignment past the buffer's address), or
   * {@code from} when nothing was.
   */
  static int release(ByteBuffer mapped, int from, int to) {
    if (to - from < ALIGN || !mapped.isDirect() || !Libc.BOUND) {
      return from;
    }
    try {
      final Pointer base = Native.getDirectBufferPointer(mapped);
      final long addr = Pointer.nativeValue(base);
      final long start = (addr + from + ALIGN - 1) & -ALIGN;
      final long end = (addr + to) & -ALIGN;
      if (end <= start) {
        return from;
      }
      Libc.madvise(new Pointer(start), end - start, MADV_DONTNEED);
      return (int) (end - addr);
    } catch (Throwable t) {
      return to; // best effort: never retried for this range
    }
  }
}
