package io.nfeval.source;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a pcapng file (draft-ietf-opsawg-pcapng) in the host's byte order: one Section Header Block,
 * one Interface Description Block per interface ({@code if_name}, {@code if_tsresol} = 9, i.e.
 * nanoseconds, so live time stamps are kept exactly) and Enhanced Packet Blocks, optionally with
 * {@code epb_flags} (bits 0-1: 1 inbound, 2 outbound). It is what {@code nfeval live --write-pcap}
 * saves, so that the live run can be replayed later: {@link PcapngReader} hands every packet its
 * interface's name and linktype, which tells the replay the ingress interface.
 *
 * <p>Packets are written through a buffer; {@link #flush()} pushes everything written so far to the
 * operating system (a crash of the process after a flush loses nothing before it). Not thread-safe.
 */
public final class PcapngWriter implements Closeable {
  private static final int SHB = 0x0A0D0D0A;
  private static final int IDB = 1;
  private static final int EPB = 6;
  /** epb_flags direction values (pcapng §4.3.1). */
  public static final int FLAG_INBOUND = 1;
  public static final int FLAG_OUTBOUND = 2;

  private final OutputStream out;
  private final ByteBuffer scratch = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
  private static final byte[] ZEROS = new byte[4];
  private int interfaces;
  private long packets;

  /** Creates (or truncates) the file and writes the section header. */
  public PcapngWriter(Path file) throws IOException {
    this(Files.newOutputStream(file));
  }

  public PcapngWriter(OutputStream out) throws IOException {
    this.out = new BufferedOutputStream(out, 1 << 18); // writes of 512 KiB or more cost several times more system time (large folios)
    final byte[] appl = "nfeval".getBytes(StandardCharsets.UTF_8);
    final int opts = option(appl.length) + 4;
    final int total = 28 + opts;
    final ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.nativeOrder());
    b.putInt(SHB).putInt(total).putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0)
        .putLong(-1L);
    b.putShort((short) 4).putShort((short) appl.length).put(appl); // shb_userappl
    pad(b, appl.length);
    b.putInt(0); // opt_endofopt
    b.putInt(total);
    this.out.write(b.array());
  }

  private static int option(int len) {
    return 4 + ((len + 3) & ~3);
  }

  private static void pad(ByteBuffer b, int len) {
    for (int i = len; (i & 3) != 0; i++) {
      b.put((byte) 0);
    }
  }

  /**
   * Writes an Interface Description Block and returns its interface id (0, 1, ... in call order).
   * {@code name} may be null (no if_name).
   */
  public int addInterface(String name, int linkType, int snaplen) throws IOException {
    final byte[] n = name == null ? new byte[0] : name.getBytes(StandardCharsets.UTF_8);
    final int opts = (name == null ? 0 : option(n.length)) + option(1) + 4;
    final int total = 20 + opts;
    final ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.nativeOrder());
    b.putInt(IDB).putInt(total).putShort((short) linkType).putShort((short) 0).putInt(snaplen);
    if (name != null) {
      b.putShort((short) 2).putShort((short) n.length).put(n); // if_name
      pad(b, n.length);
    }
    b.putShort((short) 9).putShort((short) 1).put((byte) 9); // if_tsresol: 10^-9
    pad(b, 1);
    b.putInt(0);
    b.putInt(total);
    out.write(b.array());
    return interfaces++;
  }

  /**
   * Writes an Enhanced Packet Block: {@code capLen} bytes of {@code buf} from the absolute
   * {@code offset}, the original length, the time stamp in nanoseconds since the epoch, and
   * {@code flags} (0 for none, else {@link #FLAG_INBOUND}/{@link #FLAG_OUTBOUND}).
   */
  public void writePacket(int interfaceId, ByteBuffer buf, int offset, int capLen, int wireLen,
      long tsNanos, int flags) throws IOException {
    if (interfaceId < 0 || interfaceId >= interfaces) {
      throw new IllegalArgumentException("interface " + interfaceId + " was not added");
    }
    final int padded = (capLen + 3) & ~3;
    final int total = 32 + padded + (flags != 0 ? 8 + 4 : 0);
    final ByteBuffer s = scratch;
    s.clear();
    s.putInt(EPB).putInt(total).putInt(interfaceId).putInt((int) (tsNanos >>> 32)).putInt((int) tsNanos)
        .putInt(capLen).putInt(wireLen);
    out.write(s.array(), 0, s.position());
    if (buf.hasArray()) {
      out.write(buf.array(), buf.arrayOffset() + offset, capLen);
    } else {
      for (int i = 0; i < capLen; i++) {
        out.write(buf.get(offset + i));
      }
    }
    out.write(ZEROS, 0, padded - capLen);
    s.clear();
    if (flags != 0) {
      s.putShort((short) 2).putShort((short) 4).putInt(flags).putInt(0);
    }
    s.putInt(total);
    out.write(s.array(), 0, s.position());
    packets++;
  }

  /** Packets written so far. */
  public long packets() {
    return packets;
  }

  /** Hands everything written so far to the operating system. */
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
