package io.nfeval.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * An output stream whose {@code write(2)} calls happen on a thread of its own: bytes are gathered in
 * 1 MiB chunks, and a full chunk is handed to the writer thread while the caller fills the next one.
 * The trace of a 10-million-packet replay is gigabytes; its system calls would otherwise take the
 * evaluator's time, while the second core has room. Chunks are preallocated and recycled: a hand-off
 * per megabyte, nothing per packet. {@link #flush} returns once everything written so far reached
 * the underlying stream; a write error on the writer thread is thrown by the next call.
 *
 * <p>{@link #toNewFile} writes a file with {@code O_DIRECT} where the file system takes it: whole
 * chunks go from the (aligned, off-heap) chunk to the disk without a page-cache copy. Buffered, a
 * 5 GB trace made the kernel allocate and fill 5 GB of page cache, which cost 15 s of system time on
 * a 2-core VM (new guest pages fault in; writes of 512 KiB or more also take high-order folios); direct,
 * the writer thread mostly waits for the disk. The last, partial chunk (and anything after a
 * {@link #flush}, which is not block-aligned) is written through the page cache, in slices of at most
 * 256 KiB, as is everything when {@code O_DIRECT} is refused.
 */
public final class BackgroundOutputStream extends OutputStream {
  private static final int CHUNK = 1 << 20;
  private static final int CHUNKS = 8;
  /** Largest single buffered write (see the class comment). */
  private static final int SLICE = 1 << 18;
  private static final int ALIGN = 4096;

  private static final class Chunk {
    final ByteBuffer buf;
    /** A flush marker: the writer flushes the stream after this chunk and reports it. */
    boolean flush;
    boolean last;

    Chunk() {
      buf = ByteBuffer.allocateDirect(CHUNK + ALIGN).alignedSlice(ALIGN);
      buf.limit(CHUNK);
    }
  }

  /** Where the chunks go: an OutputStream, or a file channel (direct, then buffered). */
  private final OutputStream out;
  private final Path file;
  private FileChannel channel;
  private boolean directIo;
  private byte[] copy;

  private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(CHUNKS);
  private final BlockingQueue<Chunk> free = new ArrayBlockingQueue<>(CHUNKS);
  private final Thread writer;
  private Chunk current;
  private volatile IOException failure;
  private volatile long flushedChunks;
  private long handedChunks;
  private boolean closed;

  public BackgroundOutputStream(OutputStream out) {
    this(out, null, null, false);
  }

  private BackgroundOutputStream(OutputStream out, Path file, FileChannel channel, boolean directIo) {
    this.out = out;
    this.file = file;
    this.channel = channel;
    this.directIo = directIo;
    for (int i = 0; i < CHUNKS - 1; i++) {
      free.add(new Chunk());
    }
    current = new Chunk();
    writer = new Thread(this::drain, "nfeval-trace-writer");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * A stream that creates (or truncates) the regular file {@code file} and writes it, with
   * {@code O_DIRECT} when the file system supports it.
   */
  public static BackgroundOutputStream toNewFile(Path file) throws IOException {
    final OpenOption[] opts = {StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING};
    FileChannel ch = null;
    try {
      final OpenOption[] direct = java.util.Arrays.copyOf(opts, opts.length + 1);
      direct[opts.length] = com.sun.nio.file.ExtendedOpenOption.DIRECT;
      ch = FileChannel.open(file, direct);
      final long block = Files.getFileStore(file).getBlockSize();
      if (block > ALIGN || ALIGN % block != 0) {
        ch.close();
        ch = null;
      }
    } catch (IOException | UnsupportedOperationException | LinkageError e) {
      // tmpfs and others refuse O_DIRECT (and a runtime without jdk.unsupported lacks the option):
      // write through the page cache
      if (ch != null) {
        ch.close();
      }
      ch = null;
    }
    if (ch != null) {
      return new BackgroundOutputStream(null, file, ch, true);
    }
    return new BackgroundOutputStream(null, file, FileChannel.open(file, opts), false);
  }

  private void drain() {
    try {
      while (true) {
        final Chunk c = full.take();
        if (failure == null) {
          try {
            writeChunk(c);
          } catch (IOException e) {
            failure = e;
          }
        }
        final boolean last = c.last;
        c.buf.clear().limit(CHUNK);
        c.flush = false;
        c.last = false;
        flushedChunks++; // only this thread writes it
        if (last) {
          return;
        }
        free.put(c);
      }
    } catch (InterruptedException e) {
      failure = new InterruptedIOException("trace writer interrupted");
    }
  }

  private void writeChunk(Chunk c) throws IOException {
    final ByteBuffer b = c.buf.flip();
    if (out != null) {
      if (copy == null) {
        copy = new byte[CHUNK];
      }
      final int n = b.remaining();
      b.get(copy, 0, n);
      for (int off = 0; off < n; off += SLICE) {
        out.write(copy, off, Math.min(SLICE, n - off));
      }
      if (c.flush) {
        out.flush();
      }
      return;
    }
    if (directIo && b.remaining() == CHUNK) {
      final long at = channel.position();
      try {
        while (b.hasRemaining()) {
          channel.write(b);
        }
        return;
      } catch (IOException e) {
        b.position(0); // some file systems open with O_DIRECT but refuse the writes: go buffered
        reopenBuffered(at);
      }
    }
    if (directIo) {
      reopenBuffered(channel.position()); // a partial chunk is not block-aligned
    }
    while (b.hasRemaining()) {
      final int end = b.limit();
      b.limit(Math.min(end, b.position() + SLICE));
      while (b.hasRemaining()) {
        channel.write(b);
      }
      b.limit(end);
    }
  }

  private void reopenBuffered(long at) throws IOException {
    channel.close();
    directIo = false;
    channel = FileChannel.open(file, StandardOpenOption.WRITE);
    channel.truncate(at);
    channel.position(at);
  }

  @Override
  public void write(int b) throws IOException {
    if (!current.buf.hasRemaining()) {
      handOff(false, false);
    }
    current.buf.put((byte) b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      ByteBuffer buf = current.buf;
      if (!buf.hasRemaining()) {
        handOff(false, false);
        buf = current.buf;
      }
      final int n = Math.min(len, buf.remaining());
      buf.put(b, off, n);
      off += n;
      len -= n;
    }
  }

  private void handOff(boolean flush, boolean last) throws IOException {
    check();
    current.flush = flush;
    current.last = last;
    try {
      full.put(current);
      handedChunks++;
      current = last ? null : free.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing the trace");
    }
  }

  private void check() throws IOException {
    final IOException f = failure;
    if (f != null) {
      throw new IOException(f.getMessage(), f);
    }
  }

  /** Hands over what was written and waits until the underlying stream has it (and flushed it). */
  @Override
  public void flush() throws IOException {
    if (closed) {
      return;
    }
    handOff(true, false);
    while (flushedChunks < handedChunks && writer.isAlive()) {
      java.util.concurrent.locks.LockSupport.parkNanos(100_000);
    }
    check();
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      handOff(true, true);
      boolean interrupted = false;
      while (writer.isAlive()) {
        try {
          writer.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      check();
    } finally {
      if (out != null) {
        out.close();
      } else {
        channel.close();
      }
    }
  }
}
