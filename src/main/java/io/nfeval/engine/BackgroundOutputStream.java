package io.nfeval.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * An output stream whose {@code write(2)} calls happen on a thread of its own: bytes are gathered in
 * 1 MiB chunks, and a full chunk is handed to the writer thread while the caller fills the next one.
 * The trace of a 10-million-packet replay is gigabytes; its system calls (the kernel copying each
 * chunk into the page cache) would otherwise take a tenth of the evaluator's time, while the second
 * core has room. Chunks are preallocated and recycled: a hand-off per megabyte, nothing per packet.
 * {@link #flush} returns once everything written so far reached the underlying stream; a write error
 * on the writer thread is thrown by the next call.
 */
public final class BackgroundOutputStream extends OutputStream {
  private static final int CHUNK = 1 << 20;
  private static final int CHUNKS = 4;

  private static final class Chunk {
    final byte[] bytes = new byte[CHUNK];
    int length;
    /** A flush marker: the writer flushes the stream after this chunk and reports it. */
    boolean flush;
    boolean last;
  }

  private final OutputStream out;
  private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(CHUNKS);
  private final BlockingQueue<Chunk> free = new ArrayBlockingQueue<>(CHUNKS);
  private final Thread writer;
  private Chunk current;
  private volatile IOException failure;
  private volatile long flushedChunks;
  private long handedChunks;
  private boolean closed;

  public BackgroundOutputStream(OutputStream out) {
    this.out = out;
    for (int i = 0; i < CHUNKS - 1; i++) {
      free.add(new Chunk());
    }
    current = new Chunk();
    writer = new Thread(this::drain, "nfeval-trace-writer");
    writer.setDaemon(true);
    writer.start();
  }

  private void drain() {
    try {
      while (true) {
        final Chunk c = full.take();
        if (failure == null) {
          try {
            out.write(c.bytes, 0, c.length);
            if (c.flush) {
              out.flush();
            }
          } catch (IOException e) {
            failure = e;
          }
        }
        final boolean last = c.last;
        c.length = 0;
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

  @Override
  public void write(int b) throws IOException {
    if (current.length == CHUNK) {
      handOff(false, false);
    }
    current.bytes[current.length++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (current.length == CHUNK) {
        handOff(false, false);
      }
      final int n = Math.min(len, CHUNK - current.length);
      System.arraycopy(b, off, current.bytes, current.length, n);
      current.length += n;
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
      out.close();
    }
  }
}
