package io.nfeval.source;

import io.nfeval.InputException;
import io.nfeval.packet.LinkType;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.concurrent.TimeoutException;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;

/**
 * Reads a capture through libpcap ({@code pcap_open_offline_with_tstamp_precision}, nanosecond
 * precision) via pcap4j, as the cross-check of the memory-mapped readers and for formats only libpcap
 * knows. Uses pcap4j's raw path ({@code getNextRawPacketEx}: one byte[] per packet, acceptable off the
 * hot path); pcap4j's packet model is never used.
 *
 * <p>libpcap limits: a pcapng file is presented with ONE linktype (that of the first interface);
 * libpcap stops with an error at an interface with another linktype, and interface names are not
 * available ({@link CapturedPacket#interfaceName()} is null, interface id 0). libpcap's DLT is mapped
 * back to the LINKTYPE ({@link LinkType#fromDlt}). Record offsets are unknown (-1) so errors name the
 * file and libpcap's message.
 */
public final class LibpcapReader implements CaptureReader {
  private final Path path;
  private final int fileIndex;
  private final PcapHandle handle;
  private final int linkType;
  private final long size;
  private long index;
  private boolean done;
  private InputException error;

  public LibpcapReader(Path path, int fileIndex) {
    this.path = path;
    this.fileIndex = fileIndex;
    if (!Files.isReadable(path)) {
      throw InputException.ofFile(path, "cannot read", null);
    }
    if (!available()) {
      throw InputException.usage("--reader libpcap: " + version() + "; install libpcap or set "
          + "-Dorg.pcap4j.core.pcapLibName / -Djna.library.path (see native-notes/README.md), "
          + "or use --reader mmap");
    }
    long sz;
    try {
      sz = Files.size(path);
    } catch (java.io.IOException e) {
      sz = -1;
    }
    this.size = sz;
    try {
      handle = Pcaps.openOffline(path.toString(), PcapHandle.TimestampPrecision.NANO);
    } catch (PcapNativeException e) {
      throw InputException.ofFile(path, "libpcap: " + e.getMessage(), e);
    }
    linkType = LinkType.fromDlt(handle.getDlt().value());
  }

  /** Whether libpcap can be loaded through JNA here (see native-notes/README.md). */
  public static boolean available() {
    return Probe.VERSION != null;
  }

  /** libpcap's version string, or the reason it cannot be loaded. */
  public static String version() {
    return Probe.VERSION != null ? Probe.VERSION : Probe.PROBLEM;
  }

  /** Loads libpcap once (pcap4j's NativeMappings class initialisation binds the library). */
  private static final class Probe {
    static final String VERSION;
    static final String PROBLEM;

    static {
      String v = null;
      String problem = null;
      try {
        v = Pcaps.libVersion();
      } catch (LinkageError | RuntimeException e) {
        final String m = String.valueOf(e.getMessage());
        final int nl = m.indexOf('\n');
        problem = "libpcap cannot be loaded through JNA (" + e.getClass().getSimpleName() + ": "
            + (nl >= 0 ? m.substring(0, nl) : m).trim() + ")";
      }
      VERSION = v;
      PROBLEM = problem;
    }
  }

  public int linkType() {
    return linkType;
  }

  @Override
  public boolean next(CapturedPacket into) {
    if (done) {
      return false;
    }
    try {
      final byte[] data = handle.getNextRawPacketEx();
      final Timestamp ts = handle.getTimestamp();
      final long nanos = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000_000L + ts.getNanos();
      final Integer orig = handle.getOriginalLength();
      into.set(ByteBuffer.wrap(data), 0, data.length, orig == null ? data.length : orig, nanos,
          linkType, 0, null, path, fileIndex, -1, index++);
      return true;
    } catch (EOFException e) {
      done = true;
      return false;
    } catch (PcapNativeException | TimeoutException | NotOpenException e) {
      return fail("libpcap: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      // pcap4j's Timestamp.setNanos rejects a fraction >= 1 s (invalid usec/nsec field)
      return fail("libpcap: packet " + index + ": invalid time stamp (" + e.getMessage() + ")");
    }
  }

  private boolean fail(String what) {
    done = true;
    error = InputException.ofFile(path, what, null);
    return false;
  }

  @Override
  public InputException error() {
    return error;
  }

  @Override
  public Path file() {
    return path;
  }

  @Override
  public long position() {
    return -1;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void close() {
    handle.close();
  }
}
