package io.nfeval.source;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * How the pcap and pcapng readers reach their file's bytes: {@link #map(long, int)} makes a byte
 * range addressable in {@link #window()}. Two ways: {@link MappedFile} (a memory map; bytes handed out
 * stay valid until the reader is closed) and {@link StreamedFile} (read(2) into one reused buffer;
 * bytes handed out are valid until the reader's next call).
 */
interface RecordWindow extends AutoCloseable {
  /** Offset of file position {@code pos} in {@link #window()} with {@code len} bytes readable, or -1 past EOF. */
  int map(long pos, int len);

  ByteBuffer window();

  long size();

  Path path();

  /** Byte order used for the window (the file's header byte order); packet bytes don't care. */
  void order(ByteOrder o);

  @Override
  void close();
}
