package io.nfeval.source;

import io.nfeval.InputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Opens captures: sniffs the magic to choose the pcap or pcapng reader, or hands the file to libpcap. */
public final class CaptureReaders {
  private CaptureReaders() {}

  public static CaptureReader open(Path file, ReaderKind kind) {
    return open(file, kind, 0);
  }

  /**
   * Opens {@code file}; {@code fileIndex} is stamped on its packets. Throws {@link InputException} for
   * a missing file, a file that is neither pcap nor pcapng, or a broken file header.
   */
  public static CaptureReader open(Path file, ReaderKind kind, int fileIndex) {
    return open(file, kind, fileIndex, false);
  }

  /**
   * {@link #open(Path, ReaderKind, int)}; with {@code streamed}, the pure-Java readers read the file
   * through one buffer instead of mapping it ({@link StreamedFile}): several times faster to walk, but
   * a packet's bytes are valid only until the next call ({@link CaptureReader#stableBytes()}).
   */
  public static CaptureReader open(Path file, ReaderKind kind, int fileIndex, boolean streamed) {
    if (!Files.isRegularFile(file)) {
      throw InputException.ofFile(file, "no such capture file", null);
    }
    if (kind == ReaderKind.LIBPCAP) {
      return new LibpcapReader(file, fileIndex);
    }
    final byte[] m = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(m, 0, 4);
    } catch (IOException e) {
      throw InputException.ofFile(file, "cannot read: " + e.getMessage(), e);
    }
    if (n < 4) {
      throw InputException.atOffset(file, 0, "file too short for a capture header (" + n + " bytes)");
    }
    final int be = ((m[0] & 0xff) << 24) | ((m[1] & 0xff) << 16) | ((m[2] & 0xff) << 8) | (m[3] & 0xff);
    if (be == PcapngReader.SHB) {
      return streamed ? PcapngReader.streamed(file, fileIndex) : new PcapngReader(file, fileIndex);
    }
    final int le = Integer.reverseBytes(be);
    if (be == PcapReader.MAGIC_USEC || be == PcapReader.MAGIC_NSEC
        || le == PcapReader.MAGIC_USEC || le == PcapReader.MAGIC_NSEC) {
      return streamed ? PcapReader.streamed(file, fileIndex) : new PcapReader(file, fileIndex);
    }
    throw InputException.atOffset(file, 0,
        String.format("not a pcap or pcapng file (magic 0x%08x)", be));
  }

  /**
   * Opens every file (file index = position in the list) and merges them by time stamp. If one cannot
   * be opened, those already open are closed and the error is thrown.
   */
  public static CaptureReader openMerged(List<Path> files, ReaderKind kind) {
    final List<CaptureReader> readers = new ArrayList<>();
    try {
      for (int i = 0; i < files.size(); i++) {
        readers.add(open(files.get(i), kind, i));
      }
    } catch (RuntimeException e) {
      readers.forEach(CaptureReader::close);
      throw e;
    }
    return readers.size() == 1 ? readers.get(0) : new MergingReader(readers);
  }
}
