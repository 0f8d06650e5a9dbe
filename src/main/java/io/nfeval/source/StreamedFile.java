package io.nfeval.source;

import io.nfeval.InputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A file read front to back with pread(2) into one reused direct buffer, as libpcap and {@code cat}
 * read: the kernel copies page-cache pages into a buffer that stays in the CPU's cache, so the reader
 * never touches the file's pages through a mapping. On a 2-vCPU VM that is the difference between
 * 0.44 s and 2.3 s for walking the records of a cached 3.7 GB capture ({@code io.nfeval.bench.ReadWalk};
 * the mapping pays a page-table update per page and a memory-latency-bound first touch per record; see
 * bench/README.md).
 *
 * <p>The price is validity: {@link #map(long, int)} may move or overwrite what it handed out before,
 * so the bytes of a packet are good only until the reader's next call. Readers over a StreamedFile
 * say so ({@link CaptureReader#stableBytes()}); whoever keeps packets longer copies them (the replay
 * pipeline copies each into its ring slot).
 */
final class StreamedFile extends RecordWindow {
  /** Large enough for one read to amortise the syscall, small enough to stay in the L2 cache. */
  static final int DEFAULT_BUFFER = 256 << 10;

  private ByteBuffer buf;
  /** File position of {@code buf[0]} and the number of file bytes in {@code buf}. */
  private long bufStart;
  private int bufLen;

  StreamedFile(Path path, int bufferSize) {
    super(path);
    this.buf = ByteBuffer.allocateDirect(Math.max(4096, bufferSize)).order(order);
  }

  @Override
  ByteBuffer window() {
    return buf;
  }

  @Override
  int map(long pos, int len) {
    if (pos < 0 || len < 0 || pos + len > size) {
      return -1;
    }
    if (pos >= bufStart && pos + len <= bufStart + bufLen) {
      return (int) (pos - bufStart);
    }
    refill(pos, len);
    return 0;
  }

  /** Makes {@code buf[0]} file position {@code pos} and reads until at least {@code len} bytes are there. */
  private void refill(long pos, int len) {
    int keep = pos >= bufStart && pos < bufStart + bufLen ? (int) (bufStart + bufLen - pos) : 0;
    if (len > buf.capacity()) {
      // A record larger than the buffer (up to libpcap's 256 KiB snaplen, or a large pcapng block).
      final ByteBuffer bigger = ByteBuffer.allocateDirect(Integer.highestOneBit(len - 1) << 1).order(order);
      if (keep > 0) {
        bigger.put(0, buf, (int) (pos - bufStart), keep);
      }
      buf = bigger;
    } else if (keep > 0) {
      buf.limit(bufLen).position((int) (pos - bufStart));
      buf.compact(); // the unread tail moves to the front
    }
    buf.clear().position(keep);
    long at = pos + keep;
    try {
      while (buf.hasRemaining() && at < size) {
        final int n = channel.read(buf, at);
        if (n < 0) {
          break;
        }
        at += n;
      }
    } catch (IOException e) {
      throw InputException.atOffset(path, at, "cannot read: " + e.getMessage());
    }
    bufStart = pos;
    bufLen = buf.position();
    buf.clear();
    if (bufLen < len) {
      // The file shrank under us: size() said the bytes were there.
      throw InputException.atOffset(path, pos + bufLen, "file ended early (truncated while being read)");
    }
  }
}
