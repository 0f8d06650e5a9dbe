package io.nfeval.source;

import io.nfeval.InputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Pure-Java reader of classic pcap files (pcap-savefile(5)) over a memory map (or streamed, see
 * {@link #streamed}), mirroring libpcap's
 * {@code sf-pcap.c}: both byte orders, microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d) magic,
 * version 2.x with x &lt;= 4 (2.3 and older may have caplen/len swapped), a caplen above 256 KiB is an
 * error ("invalid packet capture length"), a caplen above the snaplen is clamped to the snaplen as
 * libpcap does, and a record cut by the end of file is an error reported after the good packets.
 *
 * <pre>
 * file header (24): magic(4) major(2) minor(2) thiszone(4) sigfigs(4) snaplen(4) linktype(4)
 * record header (16): ts_sec(4) ts_usec|ts_nsec(4) caplen(4) len(4), then caplen bytes
 * </pre>
 */
public final class PcapReader extends MappedCaptureReader {
  /** libpcap's MAXIMUM_SNAPLEN (max_snaplen_for_dlt for all but a few DLTs). */
  public static final int MAX_SNAPLEN = 262144;
  static final int MAGIC_USEC = 0xa1b2c3d4;
  static final int MAGIC_NSEC = 0xa1b23c4d;

  private final boolean nanos;
  private final int snaplen;
  private final int linkType;
  /** 0 not swapped, 1 swapped, 2 maybe swapped (libpcap lengths_swapped). */
  private final int lengthsSwapped;

  public PcapReader(Path path, int fileIndex) {
    this(path, fileIndex, MappedFile.DEFAULT_WINDOW);
  }

  PcapReader(Path path, int fileIndex, long windowSize) {
    this(new MappedFile(path, windowSize), fileIndex);
  }

  /**
   * A reader that streams the file through one buffer instead of mapping it: faster to read, but a
   * packet's bytes are valid only until the next call ({@link #stableBytes()} is false).
   */
  public static PcapReader streamed(Path path, int fileIndex) {
    return new PcapReader(new StreamedFile(path, StreamedFile.DEFAULT_BUFFER), fileIndex);
  }

  PcapReader(RecordWindow file, int fileIndex) {
    super(file, fileIndex);
    final Path path = file.path();
    try {
      int o = mf.map(0, 24);
      if (o < 0) {
        throw InputException.atOffset(path, 0, "truncated pcap file header (" + mf.size() + " bytes)");
      }
      ByteBuffer w = mf.window();
      final int magicBe = w.order(ByteOrder.BIG_ENDIAN).getInt(o);
      final ByteOrder order;
      if (magicBe == MAGIC_USEC || magicBe == MAGIC_NSEC) {
        order = ByteOrder.BIG_ENDIAN;
      } else if (Integer.reverseBytes(magicBe) == MAGIC_USEC
          || Integer.reverseBytes(magicBe) == MAGIC_NSEC) {
        order = ByteOrder.LITTLE_ENDIAN;
      } else {
        throw InputException.atOffset(path, 0,
            String.format("not a pcap file (magic 0x%08x)", magicBe));
      }
      mf.order(order);
      w = mf.window();
      final int magic = w.getInt(o);
      nanos = magic == MAGIC_NSEC;
      final int major = w.getShort(o + 4) & 0xffff;
      final int minor = w.getShort(o + 6) & 0xffff;
      if (major < 2) {
        throw InputException.atOffset(path, 4, "archaic pcap savefile format " + major + "." + minor);
      }
      if (!(major == 2 && minor <= 4) && !(major == 543 && minor == 568)) {
        throw InputException.atOffset(path, 4,
            "unsupported pcap savefile version " + major + "." + minor);
      }
      lengthsSwapped = major == 2 && minor < 3 ? 1 : major == 2 && minor == 3 ? 2 : 0;
      final int snap = w.getInt(o + 16);
      snaplen = snap <= 0 || snap > MAX_SNAPLEN ? MAX_SNAPLEN : snap;
      final int lt = w.getInt(o + 20);
      if ((lt & 0x03ff0000) != 0) {
        throw InputException.atOffset(path, 20,
            String.format("link-layer type field has reserved bits set (0x%08x)", lt));
      }
      linkType = lt & 0xffff;
      pos = 24;
    } catch (InputException e) {
      mf.close();
      throw e;
    }
  }

  public int linkType() {
    return linkType;
  }

  public int snaplen() {
    return snaplen;
  }

  public boolean nanosecond() {
    return nanos;
  }

  @Override
  public boolean next(CapturedPacket into) {
    if (done) {
      return false;
    }
    final long rec = pos;
    if (rec == mf.size()) {
      done = true;
      return false;
    }
    int o = mf.map(rec, 16);
    if (o < 0) {
      return fail(rec, "truncated record header: " + (mf.size() - rec) + " of 16 bytes");
    }
    ByteBuffer w = mf.window();
    final long sec = w.getInt(o) & 0xffffffffL;
    final long frac = w.getInt(o + 4) & 0xffffffffL;
    long caplen = w.getInt(o + 8) & 0xffffffffL;
    long len = w.getInt(o + 12) & 0xffffffffL;
    if (lengthsSwapped == 1 || (lengthsSwapped == 2 && caplen > len)) {
      final long t = caplen;
      caplen = len;
      len = t;
    }
    if (caplen > MAX_SNAPLEN) {
      return fail(rec, "invalid packet capture length " + caplen + ", bigger than maximum of "
          + MAX_SNAPLEN);
    }
    o = mf.map(rec, 16 + (int) caplen);
    if (o < 0) {
      return fail(rec, "truncated record: caplen " + caplen + " but only "
          + Math.max(0, mf.size() - rec - 16) + " bytes left in the file");
    }
    w = mf.window();
    final long ts = sec * 1_000_000_000L + (nanos ? frac : frac * 1000L);
    final int deliver = (int) Math.min(caplen, snaplen);
    into.set(w, o + 16, deliver, (int) len, ts, linkType, 0, null, mf.path(), fileIndex, rec,
        index++);
    pos = rec + 16 + caplen;
    return true;
  }
}
