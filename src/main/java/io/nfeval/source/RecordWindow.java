package io.nfeval.source;

import io.nfeval.InputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How the pcap and pcapng readers reach their file's bytes: {@link #map(long, int)} makes a byte
 * range addressable in {@link #window()}. Two ways: {@link MappedFile} (a memory map; bytes handed out
 * stay valid until the reader is closed) and {@link StreamedFile} (read(2) into one reused buffer;
 * bytes handed out are valid until the reader's next call). Both hold the open file, its size and the
 * byte order of its headers.
 */
abstract class RecordWindow implements AutoCloseable {
  final Path path;
  final FileChannel channel;
  final long size;
  /** The file's header byte order, given to every window; packet bytes don't care. */
  ByteOrder order = ByteOrder.BIG_ENDIAN;

  RecordWindow(Path path) {
    this.path = path;
    try {
      this.channel = FileChannel.open(path, StandardOpenOption.READ);
      this.size = channel.size();
    } catch (IOException e) {
      throw InputException.ofFile(path, "cannot read: " + e.getMessage(), e);
    }
  }

  /** Offset of file position {@code pos} in {@link #window()} with {@code len} bytes readable, or -1 past EOF. */
  abstract int map(long pos, int len);

  /** The buffer {@link #map} made the range addressable in (null before the first map). */
  abstract ByteBuffer window();

  final long size() {
    return size;
  }

  final Path path() {
    return path;
  }

  /** Byte order used for the window (the file's header byte order). */
  final void order(ByteOrder o) {
    order = o;
    final ByteBuffer w = window();
    if (w != null) {
      w.order(o);
    }
  }

  @Override
  public final void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // read-only: nothing lost
    }
  }
}
